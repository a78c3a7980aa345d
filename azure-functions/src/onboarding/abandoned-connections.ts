// Housekeeping of onboarding: a connection still pending (consent never finished) and unchanged for 30 days is
// deleted with its Xero grant. "Connect another Xero organisation" and `support link --connection new` create pending
// connections up front, so one abandoned before consent would otherwise stay pending forever. A connected or
// disconnected connection is never touched (a disconnected one waits for its reconnect link), nor a pending one a
// live link still points at: support may have sent a fresh link for an old pending connection, which does not change
// the connection row, and links may live up to 30 days (`maxLinkLifetimeMs`).
import type { Connection, ConnectionStore } from "../adapters/table-storage/connection-store";
import type { TokenVault } from "../adapters/table-storage/token-vault";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import type { LinkStore } from "../links/link-store";

export const abandonedAfterMs = 30 * 86_400_000;

/** Pending, and its row unchanged for at least `afterMs` (pure). */
export function isAbandoned(connection: Connection, now: number, afterMs: number = abandonedAfterMs): boolean {
  return connection.status === "pending" && now - Date.parse(connection.updatedOn) >= afterMs;
}

export interface AbandonedSweepDependencies {
  connections: Pick<ConnectionStore, "listByStatus" | "deleteIf">;
  vault: Pick<TokenVault, "deleteGrant">;
  links: Pick<LinkStore, "hasLiveLink">;
  clock: Clock;
  logger: Logger;
  abandonedAfterMs?: number;
}

export interface AbandonedSweepSummary {
  /** Pending connections looked at. */
  pending: number;
  /** Deleted with their grant. */
  deleted: number;
  /** Old enough, but a link that still works points at them. */
  keptForLiveLink: number;
  /** Could not be deleted (counted, not thrown: the next day's run tries again). */
  failed: number;
}

export async function sweepAbandonedConnections(deps: AbandonedSweepDependencies): Promise<AbandonedSweepSummary> {
  const afterMs = deps.abandonedAfterMs ?? abandonedAfterMs;
  const pending = await deps.connections.listByStatus("pending");
  const summary: AbandonedSweepSummary = { pending: pending.length, deleted: 0, keptForLiveLink: 0, failed: 0 };
  for (const connection of pending) {
    const now = deps.clock.now();
    if (!isAbandoned(connection, now, afterMs)) continue;
    try {
      if (await deps.links.hasLiveLink(connection.id)) {
        summary.keptForLiveLink++;
        continue;
      }
      // The row as seen, still pending and not written since: otherwise onboarding moved on and it stays.
      const deleted = await deps.connections.deleteIf(
        connection.id,
        (current) => current.updatedOn === connection.updatedOn && isAbandoned(current, now, afterMs),
      );
      if (!deleted) continue;
      // The grant after the row: a grant left by a failure here is unreachable, never a live connection's lost one.
      await deps.vault.deleteGrant(connection.id);
      summary.deleted++;
    } catch (error) {
      summary.failed++;
      deps.logger.warn("an abandoned connection could not be removed", { error: toSyncError(error, "storage") });
    }
  }
  return summary;
}
