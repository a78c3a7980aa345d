// Where the scheduler leaves each due flow's scope for the worker (Table Storage `schedules`: partition = connection,
// row = flow), so a queued run needs no Dataverse read before its selection query: an idle push cycle costs one
// Dataverse query and one $batch.
import type { TableClient } from "@azure/data-tables";
import { readEntity, toKey } from "../adapters/table-storage/tables";
import { toSyncError } from "../core/errors";
import type { FlowName } from "../flows/ports";
import { ScheduledScope } from "./schedule";

export const scopesTableName = "schedules";

export interface ScopeStore {
  get(connectionId: string, flow: FlowName): Promise<ScheduledScope | undefined>;
  save(connectionId: string, flow: FlowName, scope: ScheduledScope): Promise<void>;
}

export function createTableScopeStore(table: TableClient): ScopeStore {
  return {
    async get(connectionId, flow) {
      const entity = await readEntity<{ scope: string }>(table, toKey(connectionId), toKey(flow));
      if (entity === undefined) return undefined;
      const parsed = ScheduledScope.safeParse(JSON.parse(entity.scope));
      return parsed.success ? parsed.data : undefined;
    },
    async save(connectionId, flow, scope) {
      try {
        await table.upsertEntity(
          {
            partitionKey: toKey(connectionId),
            rowKey: toKey(flow),
            scope: JSON.stringify(ScheduledScope.parse(scope)),
          },
          "Replace",
        );
      } catch (error) {
        throw toSyncError(error, "storage");
      }
    },
  };
}

export function createMemoryScopeStore(): ScopeStore {
  const scopes = new Map<string, ScheduledScope>();
  return {
    get(connectionId, flow) {
      return Promise.resolve(scopes.get(`${connectionId}|${flow}`));
    },
    save(connectionId, flow, scope) {
      scopes.set(`${connectionId}|${flow}`, ScheduledScope.parse(scope));
      return Promise.resolve();
    },
  };
}
