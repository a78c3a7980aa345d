// The cursors table: one row per connection + flow holding a zod-validated cursor. Saves are ETag-conditional so two
// runs that somehow overlap cannot move a cursor past records the other has not written. Save a cursor only after
// the records it covers are durably written (the flows' write-back is the commit point).
import type { TableClient } from "@azure/data-tables";
import type { z } from "zod";
import { SyncError, toSyncError } from "../../core/errors";
import { isConcurrencyConflict, readEntity, toKey } from "./tables";

export interface StoredCursor<T> {
  cursor: T;
  etag: string;
}

export interface CursorStore<T> {
  get(connectionId: string, flow: string): Promise<StoredCursor<T> | undefined>;
  /** Writes the cursor; pass the ETag read earlier (undefined when there was none). A `conflict` if it moved meanwhile. */
  save(connectionId: string, flow: string, cursor: T, etag: string | undefined): Promise<string>;
  reset(connectionId: string, flow: string): Promise<void>;
}

interface CursorEntity {
  partitionKey: string;
  rowKey: string;
  cursor: string;
}

export function createCursorStore<S extends z.ZodType>(table: TableClient, schema: S): CursorStore<z.infer<S>> {
  return {
    async get(connectionId, flow) {
      const entity = await readEntity<CursorEntity>(table, toKey(connectionId), toKey(flow));
      if (entity === undefined) return undefined;
      const parsed = schema.safeParse(JSON.parse(entity.cursor));
      if (!parsed.success) throw new SyncError("a stored cursor does not match its schema", { kind: "config", details: { source: "storage" } });
      return { cursor: parsed.data, etag: entity.etag };
    },
    async save(connectionId, flow, cursor, etag) {
      const entity: CursorEntity = { partitionKey: toKey(connectionId), rowKey: toKey(flow), cursor: JSON.stringify(schema.parse(cursor)) };
      try {
        const answer = etag === undefined ? await table.createEntity(entity) : await table.updateEntity(entity, "Replace", { etag });
        return answer.etag ?? "";
      } catch (error) {
        if (isConcurrencyConflict(error)) throw new SyncError("the cursor moved while this run was reading", { kind: "conflict", details: { source: "storage" } });
        throw toSyncError(error, "storage");
      }
    },
    async reset(connectionId, flow) {
      try {
        await table.deleteEntity(toKey(connectionId), toKey(flow));
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw toSyncError(error, "storage");
      }
    },
  };
}
