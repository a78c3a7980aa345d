// Timer: fan out one queue message per connection and due data flow.
import type { TimerFunctionDefinition } from "../function-table";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

/**
 * Every minute: cheap (one Dataverse read per connection), and *Sync now* and a change of the *Real-time* switch are
 * picked up within a minute.
 */
export const syncSchedule = "0 */1 * * * *";

export function syncSchedulerFunction(service: ServiceProvider): TimerFunctionDefinition {
  return {
    kind: "timer",
    name: "syncScheduler",
    schedule: syncSchedule,
    handler: async (_timer, invocation) => {
      const resolved = await service();
      const summary = await resolved.scheduler.run();
      invocationLogger(invocation, resolved).info("sync work scheduled", { ...summary });
    },
  };
}
