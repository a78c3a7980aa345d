// The Dataverse Web API over plain fetch, behind DataversePort. Why not dataverse-ify: see README.md.
// Requests: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
// Service protection (429 + Retry-After): https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
import { randomUUID } from "node:crypto";
import { SyncError, fromHttpFailure, toSyncError } from "../../core/errors";
import { systemClock, type Clock } from "../../core/clock";
import { silentLogger, type Logger } from "../../core/logger";
import { withRetry, type RetryPolicy, type Sleep } from "../../core/retry";
import { fromBatchResponse, splitIntoBatches, toBatchRequest, type BatchItem } from "./batch";
import { createClientCredentialsTokenSource, type AccessTokenSource } from "./client-credentials";
import { toKeySegment, toQueryString, type ODataQuery } from "./odata";
import type {
  BatchResult,
  DataversePort,
  DataverseStats,
  RecordKey,
  RetrieveMultipleOptions,
  UpsertMode,
  UpsertOptions,
  UpsertResult,
  WhoAmI,
  WriteOptions,
} from "./port";

export const webApiVersion = "9.2";

export interface DataverseClientOptions {
  /** The org root, e.g. https://contoso.crm.dynamics.com (the sandbox: http://127.0.0.1:5555/<org>). */
  url: string;
  tokenSource: AccessTokenSource;
  fetch?: typeof fetch;
  clock?: Clock;
  logger?: Logger;
  retryPolicy?: Partial<RetryPolicy>;
  sleep?: Sleep;
  random?: () => number;
  /** Per request; a `$batch` of 1,000 writes takes a while. */
  timeoutMs?: number;
}

interface SendOptions {
  headers?: Record<string, string>;
  /** A string is sent as is (multipart); anything else is JSON-encoded exactly once. */
  body?: unknown;
  /** Answer 404 with `undefined` instead of throwing. */
  allowNotFound?: boolean;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

const guidAtEnd = /\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s*$/i;

/** The record id from an `OData-EntityId` header (`…/accounts(<guid>)`). */
export function toIdFromEntityUrl(entityUrl: string | null | undefined): string | undefined {
  return guidAtEnd.exec(entityUrl ?? "")?.[1]?.toLowerCase();
}

export class DataverseWebApiClient implements DataversePort {
  readonly webApiUrl: string;
  private readonly fetcher: typeof fetch;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private requestCount = 0;

  constructor(private readonly options: DataverseClientOptions) {
    this.webApiUrl = `${options.url.replace(/\/+$/, "")}/api/data/v${webApiVersion}/`;
    this.fetcher = options.fetch ?? fetch;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** The token source (the onboarding check asks it for a token before anything else). */
  get tokenSource(): AccessTokenSource {
    return this.options.tokenSource;
  }

  stats(): DataverseStats {
    return { requests: this.requestCount, tokenRequests: this.options.tokenSource.requests };
  }

  async retrieveMultiple<T>(entitySetName: string, query: ODataQuery, options: RetrieveMultipleOptions = {}): Promise<T[]> {
    const rows: T[] = [];
    for await (const page of this.retrievePages<T>(entitySetName, query, options)) rows.push(...page);
    return rows;
  }

  /** Follows `@odata.nextLink` with the same `Prefer: odata.maxpagesize`: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results */
  async *retrievePages<T>(entitySetName: string, query: ODataQuery, options: RetrieveMultipleOptions = {}): AsyncIterable<T[]> {
    const prefer = [`odata.maxpagesize=${Math.min(5000, Math.max(1, Math.trunc(options.pageSize ?? 5000)))}`];
    if (options.includeAnnotations === true) prefer.push('odata.include-annotations="*"');
    const queryString = toQueryString(query);
    let url: string | undefined = `${this.webApiUrl}${this.entitySet(entitySetName)}${queryString === "" ? "" : `?${queryString}`}`;
    let remaining = options.maxRows ?? Number.POSITIVE_INFINITY;
    while (url !== undefined && remaining > 0) {
      const answer = await this.send("GET", url, { headers: { Prefer: prefer.join(",") } });
      const page = parseJson(answer.text) as { value?: T[]; "@odata.nextLink"?: string };
      const value = (page.value ?? []).slice(0, remaining);
      remaining -= value.length;
      yield value;
      url = page["@odata.nextLink"];
      if (url !== undefined && !url.startsWith(this.webApiUrl)) {
        throw new SyncError("Dataverse returned a next link outside its Web API", { kind: "transient", details: { source: "dataverse" } });
      }
    }
  }

  async retrieve<T>(entitySetName: string, key: RecordKey, query: Pick<ODataQuery, "select" | "expand"> = {}): Promise<T | undefined> {
    const queryString = toQueryString(query);
    const url = `${this.recordUrl(entitySetName, key)}${queryString === "" ? "" : `?${queryString}`}`;
    const answer = await this.send("GET", url, { allowNotFound: true });
    return answer.status === 404 ? undefined : (parseJson(answer.text) as T);
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api */
  async create(entitySetName: string, body: Record<string, unknown>): Promise<string> {
    const answer = await this.send("POST", `${this.webApiUrl}${this.entitySet(entitySetName)}`, { body });
    const id = toIdFromEntityUrl(answer.headers.get("odata-entityid"));
    if (id === undefined) throw new SyncError("Dataverse created a record without saying its id", { kind: "transient", details: { source: "dataverse" } });
    return id;
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#prevent-create-in-upsert */
  async update(entitySetName: string, key: RecordKey, body: Record<string, unknown>, options: WriteOptions = {}): Promise<void> {
    await this.send("PATCH", this.recordUrl(entitySetName, key), { body, headers: { "If-Match": options.ifMatch ?? "*" } });
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api#upsert-a-table-row */
  async upsert(entitySetName: string, key: RecordKey, body: Record<string, unknown>, mode: UpsertMode = "upsert", options: UpsertOptions = {}): Promise<UpsertResult> {
    // Without return=representation Dataverse answers 204 either way; with it, 201 means created, 200 updated.
    const headers: Record<string, string> = { Prefer: "return=representation" };
    if (mode === "createOnly") headers["If-None-Match"] = "*";
    if (mode === "updateOnly") headers["If-Match"] = "*";
    const select = options.select === undefined ? "" : `?${toQueryString({ select: options.select })}`;
    const answer = await this.send("PATCH", `${this.recordUrl(entitySetName, key)}${select}`, { body, headers });
    return { id: toIdFromEntityUrl(answer.headers.get("odata-entityid")) ?? (typeof key === "string" ? key.toLowerCase() : undefined), created: answer.status === 201 };
  }

  async delete(entitySetName: string, key: RecordKey, options: WriteOptions = {}): Promise<void> {
    const headers: Record<string, string> = options.ifMatch === undefined ? {} : { "If-Match": options.ifMatch };
    await this.send("DELETE", this.recordUrl(entitySetName, key), { headers });
  }

  /** https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api */
  async associate(entitySetName: string, key: RecordKey, navigationProperty: string, targetEntitySetName: string, targetKey: RecordKey): Promise<void> {
    const url = `${this.recordUrl(entitySetName, key)}/${this.identifier(navigationProperty)}/$ref`;
    await this.send("POST", url, { body: { "@odata.id": this.recordUrl(targetEntitySetName, targetKey) } });
  }

  async disassociate(entitySetName: string, key: RecordKey, navigationProperty: string, targetKey: RecordKey): Promise<void> {
    const url = `${this.recordUrl(entitySetName, key)}/${this.identifier(navigationProperty)}${toKeySegment(targetKey)}/$ref`;
    await this.send("DELETE", url);
  }

  async whoAmI(): Promise<WhoAmI> {
    const answer = await this.send("GET", `${this.webApiUrl}WhoAmI`);
    return parseJson(answer.text) as WhoAmI;
  }

  /**
   * Sends items in `$batch` requests of up to 1,000 operations each (change sets are never split). With
   * `continueOnError` (the default) one failed operation does not stop the others.
   */
  async executeBatch(items: readonly BatchItem[], options: { continueOnError?: boolean } = {}): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    for (const batch of splitIntoBatches(items)) {
      const request = toBatchRequest(batch, this.webApiUrl, randomUUID());
      const headers: Record<string, string> = { "Content-Type": request.contentType };
      if (options.continueOnError !== false) headers["Prefer"] = "odata.continue-on-error";
      const answer = await this.send("POST", `${this.webApiUrl}$batch`, { headers, body: request.body });
      const parts = fromBatchResponse(batch, answer.text, answer.headers.get("content-type") ?? "");
      for (const part of parts) results.push(this.toBatchResult(part));
    }
    return results;
  }

  private toBatchResult(part: { status: number; headers: Record<string, string>; body: unknown }): BatchResult {
    const result: BatchResult = { ...part };
    if (part.status === 0) {
      result.error = new SyncError("Dataverse did not run this operation (an earlier one in the batch failed)", {
        kind: "transient",
        details: { source: "dataverse" },
      });
    } else if (part.status >= 400) {
      result.error = fromHttpFailure({ source: "dataverse", status: part.status, headers: part.headers, body: part.body, nowMs: this.clock.now() });
    }
    const id = toIdFromEntityUrl(part.headers["odata-entityid"]);
    if (id !== undefined) result.id = id;
    return result;
  }

  private entitySet(name: string): string {
    return this.identifier(name);
  }

  private identifier(name: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new SyncError("not a Dataverse identifier", { kind: "validation", origin: "system" });
    return name;
  }

  private recordUrl(entitySetName: string, key: RecordKey): string {
    return `${this.webApiUrl}${this.entitySet(entitySetName)}${toKeySegment(key)}`;
  }

  private async send(method: string, url: string, options: SendOptions = {}): Promise<Answer> {
    let refreshedAfter401 = false;
    return withRetry(
      async () => {
        const token = await this.options.tokenSource.getToken();
        const headers: Record<string, string> = {
          Accept: "application/json",
          "OData-MaxVersion": "4.0",
          "OData-Version": "4.0",
          Authorization: `Bearer ${token}`,
          ...options.headers,
        };
        let body: string | undefined;
        if (options.body !== undefined) {
          body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
          headers["Content-Type"] ??= "application/json; charset=utf-8";
        }
        this.requestCount++;
        let response: Response;
        try {
          response = await this.fetcher(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000) });
        } catch (error) {
          throw toSyncError(error, "dataverse");
        }
        const text = await response.text();
        this.logger.debug("dataverse request", { method, path: new URL(url).pathname, status: response.status });
        if (response.ok || (response.status === 404 && options.allowNotFound === true)) return { status: response.status, headers: response.headers, text };
        const error = fromHttpFailure({ source: "dataverse", status: response.status, headers: response.headers, body: text, nowMs: this.clock.now() });
        // A 401 usually means the cached token was revoked or expired early: renew it once.
        if (response.status === 401 && !refreshedAfter401) {
          refreshedAfter401 = true;
          this.options.tokenSource.invalidate();
          throw new SyncError(error.message, { kind: "transient", details: error.details });
        }
        throw error;
      },
      {
        policy: { baseDelayMs: 250, ...this.options.retryPolicy },
        // Conflicts (412) are answers, not accidents: never retried here.
        shouldRetry: (error) => error.kind === "transient",
        onRetry: (error, attempt, delayMs) => this.logger.warn("dataverse request retried", { attempt, delayMs, error }),
        ...(this.options.sleep === undefined ? {} : { sleep: this.options.sleep }),
        ...(this.options.random === undefined ? {} : { random: this.options.random }),
      },
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? {} : JSON.parse(text);
  } catch {
    throw new SyncError("Dataverse answered with something that is not JSON", { kind: "transient", details: { source: "dataverse" } });
  }
}

export interface DataverseConnectionCredentials {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** A client for one connection's Dataverse org, authenticating as its application user. */
export function createDataverseClient(
  credentials: DataverseConnectionCredentials,
  options: { authorityUrl: string } & Omit<DataverseClientOptions, "url" | "tokenSource">,
): DataverseWebApiClient {
  const clock = options.clock ?? systemClock;
  const tokenSource = createClientCredentialsTokenSource(
    { authorityUrl: options.authorityUrl, tenantId: credentials.tenantId, clientId: credentials.clientId, clientSecret: credentials.clientSecret, resource: credentials.url },
    {
      clock,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.logger === undefined ? {} : { onToken: (token: string) => options.logger?.addSecrets([token]) }),
    },
  );
  options.logger?.addSecrets([credentials.clientSecret]);
  return new DataverseWebApiClient({ ...options, url: credentials.url, tokenSource });
}
