// The Dataverse port: what flows may ask of Dataverse. One implementation talks to the Web API (web-api-client.ts);
// tests may substitute their own. Entity sets and columns come from the generated constants, never literals.
import type { BatchItem, BatchPartResult } from "./batch";
import type { KeyValue, ODataQuery } from "./odata";
import type { SyncError } from "../../core/errors";

/** A record by primary id (GUID) or by alternate key columns. */
export type RecordKey = string | Readonly<Record<string, KeyValue>>;

export interface RetrieveMultipleOptions {
  /** Rows per page (`Prefer: odata.maxpagesize`); Dataverse's default and maximum is 5,000. */
  pageSize?: number;
  /** Stop after this many rows (the last page is trimmed). */
  maxRows?: number;
  /** Ask for formatted values and lookup annotations. */
  includeAnnotations?: boolean;
}

export interface WriteOptions {
  /** An ETag for optimistic concurrency (`If-Match`); `*` means "must exist". */
  ifMatch?: string;
}

export type UpsertMode = "upsert" | "createOnly" | "updateOnly";

export interface UpsertOptions {
  /** Columns the answer carries back (keep it small: the primary id is enough). */
  select?: readonly string[];
}

export interface UpsertResult {
  id: string | undefined;
  created: boolean;
}

export interface BatchResult extends BatchPartResult {
  /** The normalised error of a failed operation. */
  error?: SyncError;
  /** The id from OData-EntityId, when the operation created or upserted a record. */
  id?: string;
}

export interface WhoAmI {
  UserId: string;
  BusinessUnitId: string;
  OrganizationId: string;
}

export interface DataverseStats {
  /** Web API requests sent (a `$batch` counts once; retries count again). */
  requests: number;
  /** Token requests to the authority. */
  tokenRequests: number;
}

export interface DataversePort {
  retrieveMultiple<T>(entitySetName: string, query: ODataQuery, options?: RetrieveMultipleOptions): Promise<T[]>;
  /** Pages as they arrive (for streaming large reads). */
  retrievePages<T>(entitySetName: string, query: ODataQuery, options?: RetrieveMultipleOptions): AsyncIterable<T[]>;
  /** undefined when the record does not exist. */
  retrieve<T>(entitySetName: string, key: RecordKey, query?: Pick<ODataQuery, "select" | "expand">): Promise<T | undefined>;
  /** Returns the new record's id. */
  create(entitySetName: string, body: Record<string, unknown>): Promise<string>;
  /** PATCH that never creates (If-Match: * unless an ETag is given). */
  update(entitySetName: string, key: RecordKey, body: Record<string, unknown>, options?: WriteOptions): Promise<void>;
  /** PATCH by key: upsert, createOnly (If-None-Match: *) or updateOnly (If-Match: *). */
  upsert(entitySetName: string, key: RecordKey, body: Record<string, unknown>, mode?: UpsertMode, options?: UpsertOptions): Promise<UpsertResult>;
  delete(entitySetName: string, key: RecordKey, options?: WriteOptions): Promise<void>;
  /** Adds a link through a collection-valued navigation property (N:N or 1:N). */
  associate(entitySetName: string, key: RecordKey, navigationProperty: string, targetEntitySetName: string, targetKey: RecordKey): Promise<void>;
  disassociate(entitySetName: string, key: RecordKey, navigationProperty: string, targetKey: RecordKey): Promise<void>;
  /**
   * Runs operations in `$batch` requests of up to 1,000 operations; one result per operation, in order, each failure
   * as its own `error`. With `continueOnError: false` Dataverse stops at the first failure: the operations after it
   * come back unanswered (status 0), or the whole call throws when Dataverse answers the batch itself with an error.
   */
  executeBatch(items: readonly BatchItem[], options?: { continueOnError?: boolean }): Promise<BatchResult[]>;
  whoAmI(): Promise<WhoAmI>;
  stats(): DataverseStats;
}
