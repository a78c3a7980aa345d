// What the real-time path keeps in Table Storage (table `realtime`), one partition family per purpose:
// - `mark|<connection>|<flow>` / <record>: records with an event not yet synced. Events for one record merge into one
//   marker (coalescing); the worker takes every marker of a flow at once and settles each one only if no event
//   touched it meanwhile (ETag), so an event that lands during a run is never lost and never pushed twice.
// - `event|<tenant>` / <hash>: Xero event identities already accepted (Xero resends payloads; duplicates are dropped).
// - `org|<organization id>` / `connection`: which connection a Dataverse organisation belongs to (registration writes it).
// - `registration|<connection>` / `state`: what the service last left registered in the connection's org (the scheduler
//   compares it with the connector's Real-time switch, so an unchanged switch costs no Dataverse request), with the
//   back-off of a failed attempt; `/ claim`: one writer of the connection's webhook at a time (scheduler, onboarding,
//   `npm run webhooks`), expiring so a crashed writer never blocks the next.
// Entity operations and ETags: https://learn.microsoft.com/rest/api/storageservices/operations-on-entities
import { createHash, randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { FlowName } from "../adapters/queue/work-queue";
import { isConcurrencyConflict, isNotFound, readEntity, statusOf, toKey } from "../adapters/table-storage/tables";
import type { Clock } from "../core/clock";
import { toSyncError } from "../core/errors";

export const realtimeTableName = "realtime";

export interface Marker {
  recordId: string;
  firstRequestedAt: string;
  lastRequestedAt: string;
  /** Events merged into this marker. */
  events: number;
  correlationId: string;
  etag: string;
}

/** What is registered for a connection, as the service last left it. */
export const RegistrationState = z.object({
  /** The webhook and its steps are in place (true) or removed (false), as of the last attempt that succeeded. */
  registered: z.boolean(),
  /** When an attempt last succeeded. */
  syncedAt: z.string().optional(),
  /** `npm run webhooks -- remove` holds Real-time off: the scheduler leaves it until `npm run webhooks -- sync`. */
  held: z.boolean().optional(),
  /** The switch value the last attempt failed to follow (absent after a success). */
  failedFor: z.boolean().optional(),
  /** Failed attempts in a row for `failedFor`. */
  failures: z.number().int().positive().optional(),
  /** No new attempt before this instant (ISO) unless the switch moves again. */
  retryAfter: z.string().optional(),
  /** What the service wrote to the connector's Last Error, to clear it once an attempt succeeds. */
  lastError: z.string().optional(),
});
export type RegistrationState = z.infer<typeof RegistrationState>;

/** A held claim on a connection's registration. */
export interface RegistrationClaim {
  release(): Promise<void>;
}

export interface RealtimeStore {
  /** Records an event for a record; `merged` when one was already waiting. */
  mark(connectionId: string, flow: FlowName, recordId: string, correlationId: string): Promise<{ merged: boolean }>;
  isMarked(connectionId: string, flow: FlowName, recordId: string): Promise<boolean>;
  /** The waiting markers of a flow, oldest first, at most `limit`. */
  listMarkers(connectionId: string, flow: FlowName, limit: number): Promise<Marker[]>;
  /** Removes markers untouched since they were listed; returns the record ids that got a new event meanwhile. */
  settle(connectionId: string, flow: FlowName, markers: readonly Marker[]): Promise<string[]>;
  /** True the first time an event identity is seen. */
  claimEvent(tenantId: string, eventKey: string): Promise<boolean>;
  /** Forgets an event (its work could not be enqueued, so Xero's resend must be accepted). */
  releaseEvent(tenantId: string, eventKey: string): Promise<void>;
  /** Deletes event identities received before `before` (Xero stops resending after 24 hours); returns how many. */
  sweepEvents(before: Date): Promise<number>;
  setOrganisation(organizationId: string, connectionId: string): Promise<void>;
  getOrganisation(organizationId: string): Promise<string | undefined>;
  deleteOrganisation(organizationId: string): Promise<void>;
  getRegistration(connectionId: string): Promise<RegistrationState | undefined>;
  saveRegistration(connectionId: string, state: RegistrationState): Promise<void>;
  /** The connection's registration claim for `durationMs`; undefined while another writer holds an unexpired one. */
  claimRegistration(connectionId: string, durationMs: number): Promise<RegistrationClaim | undefined>;
}

interface MarkerEntity {
  partitionKey: string;
  rowKey: string;
  firstRequestedAt: string;
  lastRequestedAt: string;
  events: number;
  correlationId: string;
}

const markerPartition = (connectionId: string, flow: string): string => toKey(`mark|${connectionId}|${flow}`);
const eventPartition = (tenantId: string): string => toKey(`event|${tenantId.toLowerCase()}`);
/** Event keys hold characters keys may not; a digest is short and safe. */
const eventRow = (eventKey: string): string => createHash("sha256").update(eventKey).digest("hex");
const orgPartition = (organizationId: string): string => toKey(`org|${organizationId.toLowerCase()}`);
const registrationPartition = (connectionId: string): string => toKey(`registration|${connectionId}`);
/** Table Storage strings hold 64 KiB; the text is the connector's Last Error, a few lines. */
const maxStoredErrorLength = 4000;

/** The state as stored: optional fields absent rather than null (Table Storage has no null). */
function toRegistrationEntity(state: RegistrationState): Record<string, string | number | boolean> {
  const parsed = RegistrationState.parse(state);
  return Object.fromEntries(
    Object.entries({
      ...parsed,
      ...(parsed.lastError === undefined ? {} : { lastError: parsed.lastError.slice(0, maxStoredErrorLength) }),
    }).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined),
  );
}

/** A row that does not parse (written by a later version, or by hand) counts as no state: the switch is followed. */
function fromRegistrationEntity(entity: unknown): RegistrationState | undefined {
  const parsed = RegistrationState.safeParse(entity);
  return parsed.success ? parsed.data : undefined;
}

interface ClaimEntity {
  owner: string;
  expiresAt: number;
}

export function createTableRealtimeStore(table: TableClient, clock: Clock): RealtimeStore {
  const now = (): string => new Date(clock.now()).toISOString();
  return {
    async mark(connectionId, flow, recordId, correlationId) {
      const partitionKey = markerPartition(connectionId, flow);
      const rowKey = toKey(recordId.toLowerCase());
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await readEntity<MarkerEntity>(table, partitionKey, rowKey);
        try {
          if (current === undefined) {
            await table.createEntity<MarkerEntity>({
              partitionKey,
              rowKey,
              firstRequestedAt: now(),
              lastRequestedAt: now(),
              events: 1,
              correlationId,
            });
            return { merged: false };
          }
          // A new ETag tells a run holding the old one that this record changed again.
          await table.updateEntity<MarkerEntity>(
            { ...current, partitionKey, rowKey, lastRequestedAt: now(), events: current.events + 1 },
            "Replace",
            { etag: current.etag },
          );
          return { merged: true };
        } catch (error) {
          if (!isConcurrencyConflict(error) && !isNotFound(error)) throw toSyncError(error, "storage");
        }
      }
      // Five lost races mean the marker is being written as we speak: it exists, which is all a mark needs.
      return { merged: true };
    },

    async isMarked(connectionId, flow, recordId) {
      return (
        (await readEntity<MarkerEntity>(table, markerPartition(connectionId, flow), toKey(recordId.toLowerCase()))) !==
        undefined
      );
    },

    async listMarkers(connectionId, flow, limit) {
      const markers: Marker[] = [];
      try {
        const pages = table
          .listEntities<MarkerEntity>({
            queryOptions: { filter: `PartitionKey eq '${markerPartition(connectionId, flow).replace(/'/g, "''")}'` },
          })
          .byPage({ maxPageSize: 1000 });
        for await (const page of pages) {
          for (const entity of page) {
            markers.push({
              recordId: entity.rowKey,
              firstRequestedAt: entity.firstRequestedAt,
              lastRequestedAt: entity.lastRequestedAt,
              events: entity.events,
              correlationId: entity.correlationId,
              etag: entity.etag,
            });
          }
        }
      } catch (error) {
        throw toSyncError(error, "storage");
      }
      return markers.sort((left, right) => left.firstRequestedAt.localeCompare(right.firstRequestedAt)).slice(0, limit);
    },

    async settle(connectionId, flow, markers) {
      const partitionKey = markerPartition(connectionId, flow);
      const touched: string[] = [];
      await Promise.all(
        markers.map(async (marker) => {
          try {
            await table.deleteEntity(partitionKey, marker.recordId, { etag: marker.etag });
          } catch (error) {
            if (isNotFound(error)) return;
            if (isConcurrencyConflict(error)) {
              touched.push(marker.recordId);
              return;
            }
            throw toSyncError(error, "storage");
          }
        }),
      );
      return touched;
    },

    async claimEvent(tenantId, eventKey) {
      try {
        await table.createEntity({
          partitionKey: eventPartition(tenantId),
          rowKey: eventRow(eventKey),
          receivedAt: now(),
        });
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw toSyncError(error, "storage");
      }
    },

    async releaseEvent(tenantId, eventKey) {
      try {
        await table.deleteEntity(eventPartition(tenantId), eventRow(eventKey));
      } catch (error) {
        if (!isNotFound(error)) throw toSyncError(error, "storage");
      }
    },

    async sweepEvents(before) {
      let removed = 0;
      try {
        // Partitions `event|…` sort between "event|" and "event}" ("}" follows "|").
        const old = table.listEntities<{ receivedAt: string }>({
          queryOptions: {
            filter: `PartitionKey ge 'event|' and PartitionKey lt 'event}' and receivedAt lt '${before.toISOString()}'`,
            select: ["PartitionKey", "RowKey"],
          },
        });
        for await (const entity of old) {
          if (entity.partitionKey === undefined || entity.rowKey === undefined) continue;
          await table.deleteEntity(entity.partitionKey, entity.rowKey).catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
          });
          removed += 1;
        }
      } catch (error) {
        throw toSyncError(error, "storage");
      }
      return removed;
    },

    async setOrganisation(organizationId, connectionId) {
      try {
        await table.upsertEntity(
          { partitionKey: orgPartition(organizationId), rowKey: "connection", connectionId },
          "Replace",
        );
      } catch (error) {
        throw toSyncError(error, "storage");
      }
    },

    async getOrganisation(organizationId) {
      const entity = await readEntity<{ connectionId?: string }>(table, orgPartition(organizationId), "connection");
      return typeof entity?.connectionId === "string" ? entity.connectionId : undefined;
    },

    async deleteOrganisation(organizationId) {
      try {
        await table.deleteEntity(orgPartition(organizationId), "connection");
      } catch (error) {
        if (!isNotFound(error)) throw toSyncError(error, "storage");
      }
    },

    async getRegistration(connectionId) {
      return fromRegistrationEntity(await readEntity<object>(table, registrationPartition(connectionId), "state"));
    },

    async saveRegistration(connectionId, state) {
      try {
        await table.upsertEntity(
          { partitionKey: registrationPartition(connectionId), rowKey: "state", ...toRegistrationEntity(state) },
          "Replace",
        );
      } catch (error) {
        throw toSyncError(error, "storage");
      }
    },

    async claimRegistration(connectionId, durationMs) {
      const partitionKey = registrationPartition(connectionId);
      const owner = randomUUID();
      const entity = { partitionKey, rowKey: "claim", owner, expiresAt: clock.now() + durationMs };
      const current = await readEntity<ClaimEntity>(table, partitionKey, "claim");
      let etag: string | undefined;
      try {
        if (current === undefined) etag = (await table.createEntity(entity)).etag;
        else if (current.expiresAt > clock.now()) return undefined;
        else etag = (await table.updateEntity(entity, "Replace", { etag: current.etag })).etag;
      } catch (error) {
        if (isConcurrencyConflict(error)) return undefined;
        throw toSyncError(error, "storage");
      }
      return {
        async release() {
          // Without our ETag a delete could take another writer's claim; an unreleased claim just expires.
          if (etag === undefined) return;
          try {
            await table.deleteEntity(partitionKey, "claim", { etag });
          } catch (error) {
            // Expired and taken by another writer, or already gone: nothing of ours to release.
            if (!isNotFound(error) && !isConcurrencyConflict(error)) throw toSyncError(error, "storage");
          }
        },
      };
    },
  };
}

/** The same store in memory (unit tests of the receivers and the worker). */
export function createMemoryRealtimeStore(clock: Clock): RealtimeStore & { markers(): Map<string, Marker> } {
  const markers = new Map<string, Marker>();
  const events = new Map<string, number>();
  const orgs = new Map<string, string>();
  const registrations = new Map<string, RegistrationState>();
  const claims = new Map<string, { owner: number; expiresAt: number }>();
  let version = 0;
  const markerKey = (connectionId: string, flow: string, recordId: string): string =>
    `${connectionId}|${flow}|${recordId.toLowerCase()}`;
  const now = (): string => new Date(clock.now()).toISOString();
  return {
    markers: () => markers,
    mark(connectionId, flow, recordId, correlationId) {
      const key = markerKey(connectionId, flow, recordId);
      const current = markers.get(key);
      version += 1;
      markers.set(
        key,
        current === undefined
          ? {
              recordId: recordId.toLowerCase(),
              firstRequestedAt: now(),
              lastRequestedAt: now(),
              events: 1,
              correlationId,
              etag: String(version),
            }
          : { ...current, lastRequestedAt: now(), events: current.events + 1, etag: String(version) },
      );
      return Promise.resolve({ merged: current !== undefined });
    },
    isMarked(connectionId, flow, recordId) {
      return Promise.resolve(markers.has(markerKey(connectionId, flow, recordId)));
    },
    listMarkers(connectionId, flow, limit) {
      const prefix = `${connectionId}|${flow}|`;
      return Promise.resolve(
        [...markers]
          .filter(([key]) => key.startsWith(prefix))
          .map(([, marker]) => ({ ...marker }))
          .sort((left, right) => left.firstRequestedAt.localeCompare(right.firstRequestedAt))
          .slice(0, limit),
      );
    },
    settle(connectionId, flow, list) {
      const touched: string[] = [];
      for (const marker of list) {
        const key = markerKey(connectionId, flow, marker.recordId);
        const current = markers.get(key);
        if (current === undefined) continue;
        if (current.etag !== marker.etag) touched.push(marker.recordId);
        else markers.delete(key);
      }
      return Promise.resolve(touched);
    },
    claimEvent(tenantId, eventKey) {
      const key = `${tenantId.toLowerCase()}|${eventKey}`;
      if (events.has(key)) return Promise.resolve(false);
      events.set(key, clock.now());
      return Promise.resolve(true);
    },
    releaseEvent(tenantId, eventKey) {
      events.delete(`${tenantId.toLowerCase()}|${eventKey}`);
      return Promise.resolve();
    },
    sweepEvents(before) {
      const stale = [...events].filter(([, at]) => at < before.getTime()).map(([key]) => key);
      for (const key of stale) events.delete(key);
      return Promise.resolve(stale.length);
    },
    setOrganisation(organizationId, connectionId) {
      orgs.set(organizationId.toLowerCase(), connectionId);
      return Promise.resolve();
    },
    getOrganisation(organizationId) {
      return Promise.resolve(orgs.get(organizationId.toLowerCase()));
    },
    deleteOrganisation(organizationId) {
      orgs.delete(organizationId.toLowerCase());
      return Promise.resolve();
    },
    getRegistration(connectionId) {
      const state = registrations.get(connectionId);
      return Promise.resolve(state === undefined ? undefined : { ...state });
    },
    saveRegistration(connectionId, state) {
      registrations.set(connectionId, fromRegistrationEntity(toRegistrationEntity(state)) ?? state);
      return Promise.resolve();
    },
    claimRegistration(connectionId, durationMs) {
      const current = claims.get(connectionId);
      if (current !== undefined && current.expiresAt > clock.now()) return Promise.resolve(undefined);
      version += 1;
      const owner = version;
      claims.set(connectionId, { owner, expiresAt: clock.now() + durationMs });
      return Promise.resolve({
        release() {
          if (claims.get(connectionId)?.owner === owner) claims.delete(connectionId);
          return Promise.resolve();
        },
      });
    },
  };
}
