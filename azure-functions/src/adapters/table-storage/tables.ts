// Table Storage plumbing shared by the stores: table names (ARCHITECTURE.md), clients, and the status checks that
// optimistic concurrency needs. Entities and ETags: https://learn.microsoft.com/rest/api/storageservices/update-entity2
import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import { SyncError, toSyncError } from "../../core/errors";

export const tableNames = {
  connections: "connections",
  tokens: "tokens",
  leases: "leases",
  rateBudget: "ratebudget",
  cursors: "cursors",
  idempotency: "idempotency",
  links: "links",
} as const;

export type TableName = (typeof tableNames)[keyof typeof tableNames];

/** A table client; plain-http endpoints (Azurite) need `allowInsecureConnection`. */
export function openTable(connectionString: string, tableName: string): TableClient {
  const insecure = /(^|;)\s*(DefaultEndpointsProtocol=http|TableEndpoint=http:)/i.test(connectionString) || connectionString.includes("UseDevelopmentStorage=true");
  const options: TableServiceClientOptions = insecure ? { allowInsecureConnection: true } : {};
  return TableClient.fromConnectionString(connectionString, tableName, options);
}

/** Creates the table if it is missing (idempotent). */
export async function ensureTable(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (error) {
    if (statusOf(error) !== 409) throw toSyncError(error, "storage");
  }
}

/** Opens (and creates) every table the service uses. */
export async function openAllTables(connectionString: string): Promise<Record<keyof typeof tableNames, TableClient>> {
  const entries = await Promise.all(
    Object.entries(tableNames).map(async ([key, name]) => {
      const table = openTable(connectionString, name);
      await ensureTable(table);
      return [key, table] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<keyof typeof tableNames, TableClient>;
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** 412 (ETag mismatch) or 409 (entity already exists): someone else wrote first. */
export function isConcurrencyConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 409;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** Reads an entity, `undefined` when absent. */
export async function readEntity<T extends object>(table: TableClient, partitionKey: string, rowKey: string): Promise<(T & { etag: string }) | undefined> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw toSyncError(error, "storage");
  }
}

/** PartitionKey / RowKey may not hold `/ \ # ?` or control characters: https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#characters-disallowed-in-key-fields */
export function toKey(value: string): string {
  const control = [...value].some((character) => {
    const code = character.charCodeAt(0);
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
  if (value === "" || value.length > 512 || control || /[/\\#?]/.test(value)) {
    throw new SyncError("a value cannot be used as a table key", { kind: "validation", origin: "system", details: { source: "storage" } });
  }
  return value;
}
