// The connections table: one row per connection (a Dataverse org + one Xero organisation + its Xero Connector row).
// The Dataverse client secret is encrypted at rest (AES-256-GCM, key id stored with it). The Xero grant lives in the
// `tokens` table (token-vault.ts) so a token refresh's ETag covers only the grant, never the connection's settings.
// Dynamics 365 is authorised one of two ways: the customer's own app registration (client id + secret, stored), or
// admin consent to the service's multi-tenant app (only the environment and its tenant are stored; the app's id and
// secret come from configuration when the row is read, so rotating the service's secret needs no customer action).
// https://learn.microsoft.com/power-apps/developer/data-platform/use-multi-tenant-server-server-authentication
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { Clock } from "../../core/clock";
import { SyncError, toSyncError } from "../../core/errors";
import {
  decryptSecret,
  encryptSecret,
  needsReencryption,
  reencryptSecret,
  type KeyRing,
} from "../../security/encryption";
import { isConcurrencyConflict, isNotFound, readEntity, toKey } from "./tables";

export const connectionStatuses = ["pending", "connected", "disconnected"] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

export const dynamicsAuthorisations = ["client-secret", "app-consent"] as const;
export type DynamicsAuthorisation = (typeof dynamicsAuthorisations)[number];

export const DataverseCredentials = z.object({
  /** The org root, e.g. https://contoso.crm.dynamics.com. */
  url: z.url(),
  tenantId: z.string().min(1),
  /** For app consent: the service's multi-tenant app, filled in from configuration on read (never stored). */
  clientId: z.string().min(1),
  /** Plain in memory only; the store encrypts it (a customer's) or does not store it at all (the service's app). */
  clientSecret: z.string().min(1),
  /** Absent means "client-secret" (rows written before app consent existed read that way). */
  authorisation: z.enum(dynamicsAuthorisations).optional(),
});
export type DataverseCredentials = z.infer<typeof DataverseCredentials>;

/** The service's own multi-tenant app (config.dataverse.app): what an app-consent connection signs in with. */
export interface DataverseAppCredentials {
  clientId: string;
  clientSecret: string;
}

export const isAppConsent = (credentials: DataverseCredentials | null): boolean =>
  credentials?.authorisation === "app-consent";

export const XeroOrganisation = z.object({
  tenantId: z.string().min(1),
  tenantName: z.string(),
});
export type XeroOrganisation = z.infer<typeof XeroOrganisation>;

export const Connection = z.object({
  id: z.string().min(1),
  dataverse: DataverseCredentials.nullable(),
  xero: XeroOrganisation.nullable(),
  /** The mag_xeroconnector row this connection serves. */
  connectorId: z.string().nullable(),
  status: z.enum(connectionStatuses),
  /** Why the connection is disconnected (shown on the connector as mag_xerostatusreason). */
  statusReason: z.string().nullable(),
  createdOn: z.iso.datetime(),
  updatedOn: z.iso.datetime(),
});
export type Connection = z.infer<typeof Connection>;

/** What is stored: flat columns, the secret as ciphertext. */
const ConnectionEntity = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  etag: z.string().optional(),
  dataverseUrl: z.string().optional(),
  dataverseTenantId: z.string().optional(),
  dataverseClientId: z.string().optional(),
  dataverseClientSecret: z.string().optional(),
  /** "app-consent", or absent for the customer's own app registration. */
  dataverseAuthorisation: z.enum(["app-consent"]).optional(),
  xeroTenantId: z.string().optional(),
  xeroTenantName: z.string().optional(),
  connectorId: z.string().optional(),
  status: z.enum(connectionStatuses),
  statusReason: z.string().optional(),
  createdOn: z.string(),
  updatedOn: z.string(),
});
type ConnectionEntity = z.infer<typeof ConnectionEntity>;

const partition = "connection";

/** Associated data for the client secret: the ciphertext only decrypts in this row and field. */
const secretContext = (id: string): string => `connections/${id}/dataverse.clientSecret`;

export function toConnectionEntity(connection: Connection, ring: KeyRing): Omit<ConnectionEntity, "etag"> {
  const entity: Omit<ConnectionEntity, "etag"> = {
    partitionKey: partition,
    rowKey: toKey(connection.id),
    status: connection.status,
    createdOn: connection.createdOn,
    updatedOn: connection.updatedOn,
  };
  if (connection.dataverse !== null) {
    entity.dataverseUrl = connection.dataverse.url;
    entity.dataverseTenantId = connection.dataverse.tenantId;
    if (isAppConsent(connection.dataverse)) {
      // The service's app id and secret belong to the configuration, not to the customer's row.
      entity.dataverseAuthorisation = "app-consent";
    } else {
      entity.dataverseClientId = connection.dataverse.clientId;
      entity.dataverseClientSecret = encryptSecret(
        ring,
        connection.dataverse.clientSecret,
        secretContext(connection.id),
      );
    }
  }
  if (connection.xero !== null) {
    entity.xeroTenantId = connection.xero.tenantId;
    entity.xeroTenantName = connection.xero.tenantName;
  }
  if (connection.connectorId !== null) entity.connectorId = connection.connectorId;
  if (connection.statusReason !== null) entity.statusReason = connection.statusReason;
  return entity;
}

/** The Dataverse credentials a stored row stands for; the service's app for an app-consent row. */
function toDataverseCredentials(
  entity: ConnectionEntity,
  ring: KeyRing,
  app: DataverseAppCredentials | undefined,
): DataverseCredentials | null {
  const id = entity.rowKey;
  if (entity.dataverseUrl === undefined || entity.dataverseTenantId === undefined) return null;
  if (entity.dataverseAuthorisation === "app-consent") {
    if (app === undefined)
      throw new SyncError(
        `connection ${id} is authorised through the service's Dynamics 365 app, but DATAVERSE_APP_CLIENT_ID and DATAVERSE_APP_CLIENT_SECRET are not set`,
        { kind: "config", details: { source: "storage" } },
      );
    return {
      url: entity.dataverseUrl,
      tenantId: entity.dataverseTenantId,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      authorisation: "app-consent",
    };
  }
  if (entity.dataverseClientId === undefined || entity.dataverseClientSecret === undefined) return null;
  return {
    url: entity.dataverseUrl,
    tenantId: entity.dataverseTenantId,
    clientId: entity.dataverseClientId,
    clientSecret: decryptSecret(ring, entity.dataverseClientSecret, secretContext(id)),
  };
}

export function fromConnectionEntity(raw: unknown, ring: KeyRing, app?: DataverseAppCredentials): Connection {
  const entity = ConnectionEntity.parse(raw);
  const id = entity.rowKey;
  return Connection.parse({
    id,
    dataverse: toDataverseCredentials(entity, ring, app),
    xero:
      entity.xeroTenantId === undefined
        ? null
        : { tenantId: entity.xeroTenantId, tenantName: entity.xeroTenantName ?? "" },
    connectorId: entity.connectorId ?? null,
    status: entity.status,
    statusReason: entity.statusReason ?? null,
    createdOn: entity.createdOn,
    updatedOn: entity.updatedOn,
  });
}

export interface ConnectionStore {
  /** A new connection (status pending, a fresh id unless given). */
  create(initial?: Partial<Omit<Connection, "createdOn" | "updatedOn" | "status">>): Promise<Connection>;
  get(id: string): Promise<Connection | undefined>;
  /** Like get, but a missing connection is a `config` error. */
  require(id: string): Promise<Connection>;
  list(): Promise<Connection[]>;
  /** The connections of one Dynamics 365 environment (by its stored org root), e.g. the organisations it already serves. */
  listByEnvironment(environmentUrl: string): Promise<Connection[]>;
  /**
   * A new pending connection with the Dynamics 365 part of `sourceId` and nothing else (no Xero organisation, no
   * grant): "connect another Xero organisation" to the same environment. A customer's client secret is decrypted and
   * encrypted again for the new row (its ciphertext is bound to the row id); an app-consent source copies only the
   * environment URL and tenant. A missing source, or one without Dynamics 365, is a `config` error.
   */
  copyDynamics(sourceId: string, options?: { id?: string }): Promise<Connection>;
  /** Applies a change with optimistic concurrency (re-reads and re-applies on a conflicting write). */
  update(id: string, change: (current: Connection) => Connection): Promise<Connection>;
  markConnected(id: string): Promise<Connection>;
  markDisconnected(id: string, reason: string): Promise<Connection>;
  delete(id: string): Promise<void>;
  /** The connections in one status (e.g. the pending ones housekeeping looks at). */
  listByStatus(status: ConnectionStatus): Promise<Connection[]>;
  /**
   * Deletes the connection only if `still` holds for the row as it is now, and only if nobody writes it in between
   * (ETag-conditional): a sweep never removes a connection whose onboarding moved on after it looked. True when deleted.
   */
  deleteIf(id: string, still: (current: Connection) => boolean): Promise<boolean>;
  /** Re-encrypts every secret written with an older key; returns how many rows changed. */
  reencryptAll(): Promise<number>;
}

export interface ConnectionStoreOptions {
  keyRing: KeyRing;
  clock: Clock;
  /** The service's multi-tenant app (config.dataverse.app); reading an app-consent row without it is a config error. */
  dataverseApp?: DataverseAppCredentials | undefined;
}

export function createConnectionStore(table: TableClient, options: ConnectionStoreOptions): ConnectionStore {
  const { keyRing, clock, dataverseApp } = options;
  const now = (): string => new Date(clock.now()).toISOString();

  const get = async (id: string): Promise<Connection | undefined> => {
    const entity = await readEntity<ConnectionEntity>(table, partition, toKey(id));
    return entity === undefined ? undefined : fromConnectionEntity(entity, keyRing, dataverseApp);
  };

  const update = async (id: string, change: (current: Connection) => Connection): Promise<Connection> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const entity = await readEntity<ConnectionEntity>(table, partition, toKey(id));
      if (entity === undefined)
        throw new SyncError("the connection does not exist", {
          kind: "config",
          details: { source: "storage", status: 404 },
        });
      const next = Connection.parse({
        ...change(fromConnectionEntity(entity, keyRing, dataverseApp)),
        id,
        updatedOn: now(),
      });
      try {
        await table.updateEntity(toConnectionEntity(next, keyRing), "Replace", { etag: entity.etag });
        return next;
      } catch (error) {
        if (!isConcurrencyConflict(error)) throw toSyncError(error, "storage");
      }
    }
    throw new SyncError("the connection kept changing while being updated", {
      kind: "conflict",
      details: { source: "storage" },
    });
  };

  const create = async (
    initial: Partial<Omit<Connection, "createdOn" | "updatedOn" | "status">> = {},
  ): Promise<Connection> => {
    const stamp = now();
    const connection = Connection.parse({
      id: initial.id ?? randomUUID(),
      dataverse: initial.dataverse ?? null,
      xero: initial.xero ?? null,
      connectorId: initial.connectorId ?? null,
      status: "pending",
      statusReason: initial.statusReason ?? null,
      createdOn: stamp,
      updatedOn: stamp,
    });
    try {
      await table.createEntity(toConnectionEntity(connection, keyRing));
    } catch (error) {
      if (isConcurrencyConflict(error))
        throw new SyncError("a connection with this id already exists", {
          kind: "conflict",
          details: { source: "storage", status: 409 },
        });
      throw toSyncError(error, "storage");
    }
    return connection;
  };

  const listWhere = async (filter: string): Promise<Connection[]> => {
    const connections: Connection[] = [];
    try {
      for await (const entity of table.listEntities({ queryOptions: { filter } })) {
        connections.push(fromConnectionEntity(entity, keyRing, dataverseApp));
      }
    } catch (error) {
      throw toSyncError(error, "storage");
    }
    return connections;
  };

  return {
    create,
    get,
    async require(id) {
      const connection = await get(id);
      if (connection === undefined)
        throw new SyncError("the connection does not exist", {
          kind: "config",
          details: { source: "storage", status: 404 },
        });
      return connection;
    },
    list: () => listWhere(`PartitionKey eq '${partition}'`),
    listByEnvironment: (environmentUrl) =>
      listWhere(`PartitionKey eq '${partition}' and dataverseUrl eq '${environmentUrl.replace(/'/g, "''")}'`),
    async copyDynamics(sourceId, options = {}) {
      const source = await get(sourceId);
      if (source?.dataverse === null || source?.dataverse === undefined)
        throw new SyncError("the source connection has no Dynamics 365 authorisation to copy", {
          kind: "config",
          details: { source: "storage", status: 404 },
        });
      return create({ ...(options.id === undefined ? {} : { id: options.id }), dataverse: source.dataverse });
    },
    update,
    markConnected: (id) => update(id, (current) => ({ ...current, status: "connected", statusReason: null })),
    markDisconnected: (id, reason) =>
      update(id, (current) => ({ ...current, status: "disconnected", statusReason: reason })),
    async delete(id) {
      try {
        await table.deleteEntity(partition, toKey(id));
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw toSyncError(error, "storage");
      }
    },
    listByStatus: (status) => listWhere(`PartitionKey eq '${partition}' and status eq '${status}'`),
    async deleteIf(id, still) {
      const entity = await readEntity<ConnectionEntity>(table, partition, toKey(id));
      if (entity === undefined || !still(fromConnectionEntity(entity, keyRing, dataverseApp))) return false;
      try {
        await table.deleteEntity(partition, toKey(id), { etag: entity.etag });
        return true;
      } catch (error) {
        if (isConcurrencyConflict(error) || isNotFound(error)) return false;
        throw toSyncError(error, "storage");
      }
    },
    async reencryptAll() {
      let changed = 0;
      for await (const entity of table.listEntities<ConnectionEntity>({
        queryOptions: { filter: `PartitionKey eq '${partition}'` },
      })) {
        const ciphertext = entity.dataverseClientSecret;
        if (ciphertext === undefined || !needsReencryption(keyRing, ciphertext)) continue;
        try {
          await table.updateEntity(
            {
              partitionKey: partition,
              rowKey: entity.rowKey,
              dataverseClientSecret: reencryptSecret(keyRing, ciphertext, secretContext(entity.rowKey)),
            },
            "Merge",
            { etag: entity.etag },
          );
          changed++;
        } catch (error) {
          // A concurrent write re-encrypted it with the current key already.
          if (!isConcurrencyConflict(error)) throw toSyncError(error, "storage");
        }
      }
      return changed;
    },
  };
}
