// Timer (daily): refresh every Xero grant whose refresh token is older than XC_TOKEN_KEEPALIVE_DAYS, so a connection
// with nothing to sync keeps its grant. Xero's refresh tokens expire after 60 days unused:
// https://developer.xero.com/documentation/guides/oauth2/auth-flow/#7-refreshing-access-tokens
import type { TimerFunctionDefinition } from "../function-table";
import type { ServiceProvider } from "./service";
import { invocationLogger } from "./service";

/** Once a day at 02:47 UTC (away from the hour, when other timers and the customers' own jobs cluster). */
export const keepAliveSchedule = "0 47 2 * * *";

export function tokenKeepAliveFunction(service: ServiceProvider): TimerFunctionDefinition {
  return {
    kind: "timer",
    name: "tokenKeepAlive",
    schedule: keepAliveSchedule,
    handler: async (_timer, invocation) => {
      const resolved = await service();
      const summary = await resolved.vault.keepAliveAll();
      const log = invocationLogger(invocation, resolved);
      // A failed refresh is already on its connector (the vault's onDisconnected); the count is for the operator.
      if (summary.failed > 0) log.warn("some Xero grants could not be kept alive", { ...summary });
      else log.info("Xero grants kept alive", { ...summary });
    },
  };
}
