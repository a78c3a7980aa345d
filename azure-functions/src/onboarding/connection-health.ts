// Connection health on the Xero Connector row: Xero status (+ reason), when the Xero grant expires, calls left today,
// last synched on and the last error. One PATCH of the connector, written after onboarding, after each token refresh
// (the grant's expiry moved), when the vault disconnects a grant, and by the engine after a flow run when it wants
// (`refresh(connectionId, { lastSynchedOn, lastError })`). A health write never throws: it is a side effect of work
// that must not fail because Dataverse was briefly unreachable.
// Update a row: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
import type { DataversePort } from "../adapters/dataverse/port";
import type { Connection } from "../adapters/table-storage/connection-store";
import type { DisconnectedEvent, GrantInfo, RefreshedEvent } from "../adapters/table-storage/token-vault";
import { toSyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import { mag_xeroconnector, mag_xerostatus } from "../generated/dataverse";

const cc = mag_xeroconnector.columns;
const reasonLength = 500;
const errorLength = 4000;

export interface HealthExtras {
  lastSynchedOn?: Date;
  /** The last error in words (null clears it). */
  lastError?: string | null;
}

/** The connector columns that describe a connection's health (pure). */
export function toConnectorHealth(
  connection: Connection,
  grant: GrantInfo | undefined,
  callsRemainingToday: number | undefined,
  extras: HealthExtras = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const disconnectedReason =
    connection.status === "disconnected"
      ? (connection.statusReason ?? grant?.disconnected?.reason ?? "disconnected")
      : grant?.disconnected?.reason;
  if (disconnectedReason !== undefined) {
    body[cc.mag_xerostatus] = mag_xerostatus.Disconnected;
    body[cc.mag_xerostatusreason] = disconnectedReason.slice(0, reasonLength);
    body[cc.mag_lasterror] = disconnectedReason.slice(0, errorLength);
  } else if (connection.status === "connected" && grant !== undefined) {
    body[cc.mag_xerostatus] = mag_xerostatus.Connected;
    body[cc.mag_xerostatusreason] = null;
  } else {
    body[cc.mag_xerostatus] = mag_xerostatus.NotConnected;
    body[cc.mag_xerostatusreason] = (
      grant === undefined ? "Xero is not authorised yet" : "Dynamics 365 is not authorised yet"
    ).slice(0, reasonLength);
  }
  if (grant !== undefined) body[cc.mag_xerograntexpireson] = grant.grantExpiresOn.toISOString();
  if (callsRemainingToday !== undefined)
    body[cc.mag_xerocallsremainingtoday] = Math.max(0, Math.trunc(callsRemainingToday));
  if (extras.lastSynchedOn !== undefined) body[cc.mag_lastsynchedon] = extras.lastSynchedOn.toISOString();
  if (extras.lastError !== undefined && disconnectedReason === undefined)
    body[cc.mag_lasterror] = extras.lastError === null ? null : extras.lastError.slice(0, errorLength);
  return body;
}

export interface ConnectionHealthDependencies {
  connections: { get(id: string): Promise<Connection | undefined> };
  vault: { getGrantInfo(connectionId: string): Promise<GrantInfo | undefined> };
  /** The connection's Dataverse port (the composition's per-connection client). */
  dataverseFor(connection: Connection): DataversePort;
  /** Xero calls left today for an organisation (the rate governor), when known. */
  callsRemainingToday?(tenantId: string): Promise<number | undefined>;
  logger: Logger;
}

export interface ConnectionHealth {
  /** Writes the connector's health now; false when there is no connector to write to or the write failed. */
  refresh(connectionId: string, extras?: HealthExtras): Promise<boolean>;
  /** For `createTokenVault({ onDisconnected })`. */
  onDisconnected(event: DisconnectedEvent): Promise<void>;
  /** For `createTokenVault({ onRefreshed })`: the grant's expiry moved. */
  onRefreshed(event: RefreshedEvent): Promise<void>;
}

export function createConnectionHealth(deps: ConnectionHealthDependencies): ConnectionHealth {
  const refresh = async (connectionId: string, extras: HealthExtras = {}): Promise<boolean> => {
    const log = deps.logger.child({ connectionId });
    try {
      const connection = await deps.connections.get(connectionId);
      if (connection === undefined || connection.connectorId === null || connection.dataverse === null) return false;
      const grant = await deps.vault.getGrantInfo(connectionId);
      const calls =
        connection.xero === null || deps.callsRemainingToday === undefined
          ? undefined
          : await deps.callsRemainingToday(connection.xero.tenantId);
      const body = toConnectorHealth(connection, grant, calls, extras);
      await deps.dataverseFor(connection).update(mag_xeroconnector.entitySetName, connection.connectorId, body);
      return true;
    } catch (thrown) {
      log.warn("could not write the connection's health to its connector", { error: toSyncError(thrown, "dataverse") });
      return false;
    }
  };
  return {
    refresh,
    onDisconnected: async (event) => {
      await refresh(event.connectionId, { lastError: event.reason });
    },
    onRefreshed: async (event) => {
      await refresh(event.connectionId);
    },
  };
}
