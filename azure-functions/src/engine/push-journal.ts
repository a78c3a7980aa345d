// The push journal: a row per record whose push reached (or may have reached) Xero and whose outcome is not yet
// written back to Dataverse. It lives in the `idempotency` table: partition = connection, row = record id. A row
// present at the start of a push means the last outcome is unknown, so the flow reconciles with Xero (a lookup by
// invoice / credit note number) before creating anything.
import { odata, type TableClient } from "@azure/data-tables";
import { toKey } from "../adapters/table-storage/tables";
import type { Clock } from "../core/clock";
import type { PushJournal } from "../flows/ports";

export function createTablePushJournal(table: TableClient, clock: Clock): PushJournal {
  return {
    async inFlight(connectionId, recordIds) {
      const wanted = new Set(recordIds.map((id) => id.toLowerCase()));
      const found = new Set<string>();
      if (wanted.size === 0) return found;
      const partitionKey = toKey(connectionId);
      // One partition scan: the journal holds only unsettled pushes, so it stays small.
      for await (const entity of table.listEntities<{ recordId: string }>({
        queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` },
      })) {
        if (wanted.has(entity.recordId)) found.add(entity.recordId);
      }
      return found;
    },
    async begin(connectionId, recordIds) {
      const partitionKey = toKey(connectionId);
      for (const group of groupsOf(recordIds, 100)) {
        await table.submitTransaction(
          group.map((id) => [
            "upsert",
            {
              partitionKey,
              rowKey: toKey(id.toLowerCase()),
              recordId: id.toLowerCase(),
              startedOn: new Date(clock.now()).toISOString(),
            },
            "Replace",
          ]),
        );
      }
    },
    async end(connectionId, recordIds) {
      if (recordIds.length === 0) return;
      const present = await this.inFlight(connectionId, recordIds);
      const partitionKey = toKey(connectionId);
      for (const group of groupsOf([...present], 100)) {
        await table.submitTransaction(group.map((id) => ["delete", { partitionKey, rowKey: toKey(id) }]));
      }
    },
  };
}

/** The same journal in memory (unit tests, and a single-process sandbox run). */
export function createMemoryPushJournal(): PushJournal & { entries(): string[] } {
  const rows = new Set<string>();
  const key = (connectionId: string, id: string) => `${connectionId}|${id.toLowerCase()}`;
  return {
    inFlight(connectionId, recordIds) {
      return Promise.resolve(
        new Set(recordIds.filter((id) => rows.has(key(connectionId, id))).map((id) => id.toLowerCase())),
      );
    },
    begin(connectionId, recordIds) {
      for (const id of recordIds) rows.add(key(connectionId, id));
      return Promise.resolve();
    },
    end(connectionId, recordIds) {
      for (const id of recordIds) rows.delete(key(connectionId, id));
      return Promise.resolve();
    },
    entries: () => [...rows],
  };
}

function groupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let index = 0; index < items.length; index += size) groups.push(items.slice(index, index + size));
  return groups;
}
