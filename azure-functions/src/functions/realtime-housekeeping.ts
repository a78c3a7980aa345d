// Timer (daily): forget Xero event identities older than three days. Xero resends a failed payload for up to
// 24 hours (https://developer.xero.com/documentation/guides/webhooks/overview/), so older ones can never recur.
import type { TimerFunctionDefinition } from "../function-table";
import { realtimeFor } from "../realtime/realtime-service";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

export const eventRetentionMs = 3 * 86_400_000;

export function realtimeHousekeepingFunction(service: ServiceProvider): TimerFunctionDefinition {
  return {
    kind: "timer",
    name: "realtimeHousekeeping",
    schedule: "0 17 3 * * *",
    handler: async (_timer, invocation) => {
      const resolved = await service();
      const realtime = await realtimeFor(resolved);
      const removed = await realtime.store.sweepEvents(new Date(resolved.clock.now() - eventRetentionMs));
      invocationLogger(invocation, resolved).info("old Xero event identities removed", { removed });
    },
  };
}
