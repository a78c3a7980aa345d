// Timer (daily): refresh every Xero grant whose refresh token is older than XC_TOKEN_KEEPALIVE_DAYS, so a connection
// with nothing to sync keeps its grant. Xero's refresh tokens expire after 60 days unused:
// https://developer.xero.com/documentation/guides/oauth2/auth-flow/#7-refreshing-access-tokens
// The same run removes connections whose onboarding was abandoned (pending for 30 days) with their grants, so the
// keep-alive stops refreshing grants nobody will use (`../onboarding/abandoned-connections.ts`).
import { toSyncError } from "../core/errors";
import type { TimerFunctionDefinition } from "../function-table";
import type { AbandonedSweepSummary } from "../onboarding/abandoned-connections";
import { sweepServiceAbandonedConnections } from "../onboarding/service-onboarding";
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
      const log = invocationLogger(invocation, resolved);
      // Abandoned connections first: their grants need no refresh. A failed sweep never stops the keep-alive.
      let abandoned: AbandonedSweepSummary | { error: string };
      try {
        abandoned = await sweepServiceAbandonedConnections(resolved, log);
      } catch (error) {
        abandoned = { error: toSyncError(error, "storage").message };
      }
      const summary = await resolved.vault.keepAliveAll();
      // One line per run, counts only. A failed refresh is already on its connector (the vault's onDisconnected).
      const data = { ...summary, abandoned };
      if (summary.failed > 0) log.warn("some Xero grants could not be kept alive", data);
      else if ("error" in abandoned || abandoned.failed > 0)
        log.warn("Xero grants kept alive; some abandoned connections could not be removed", data);
      else log.info("Xero grants kept alive", data);
    },
  };
}
