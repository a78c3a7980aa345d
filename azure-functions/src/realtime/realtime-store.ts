// What the real-time path keeps in Table Storage (table `realtime`), one partition family per purpose:
// - `mark|<connection>|<flow>` / <record>: records with an event not yet synced. Events for one record merge into one
//   marker (coalescing); the worker takes every marker of a flow at once and settles each one only if no event
//   touched it meanwhile (ETag), so an event that lands during a run is never lost and never pushed twice.
// - `event|<tenant>` / <hash>: Xero event identities already accepted (Xero resends payloads; duplicates are dropped).
// - `org|<organization id>` / `connection`: which connection a Dataverse organisation belongs to (registration writes it).
// Entity operations and ETags: https://learn.microsoft.com/rest/api/storageservices/operations-on-entities
import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
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
  };
}

/** The same store in memory (unit tests of the receivers and the worker). */
export function createMemoryRealtimeStore(clock: Clock): RealtimeStore & { markers(): Map<string, Marker> } {
  const markers = new Map<string, Marker>();
  const events = new Map<string, number>();
  const orgs = new Map<string, string>();
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
  };
}
