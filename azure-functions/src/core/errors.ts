// One error type for the whole service. Anything thrown is normalised at the boundary with `toSyncError`, which keeps
// only an allow-list of fields: xero-node rejects with a JSON string that embeds the request (bearer token included),
// OAuth endpoints echo grant values, and HTTP libraries attach headers. Nothing outside the allow-list survives.
import { createRedactor, type Redactor } from "./redact";

export type SyncErrorKind = "validation" | "transient" | "auth" | "conflict" | "config";

/**
 * Who must act: `user` errors come from the data or a setting a customer controls (a rejected account code, a bad
 * email) and are written on the record in plain words; `system` errors are ours or the platform's (network, outage,
 * bugs, our configuration) and are logged, retried, and shown on the record only as a generic message.
 */
export type ErrorOrigin = "user" | "system";

/** Where the failure came from. */
export type ErrorSource = "xero" | "xero-identity" | "dataverse" | "entra" | "storage" | "service";

/** The only fields an error may carry into logs, records and queues. */
export interface SyncErrorDetails {
  source?: ErrorSource;
  status?: number;
  /** Xero's `Type` (e.g. ValidationException) or an OAuth / Dataverse error code. */
  type?: string;
  /** Xero's `Detail` (problem+json answers). */
  detail?: string;
  /** Xero's or Dataverse's `Message`. */
  message?: string;
  /** Xero's `ValidationErrors[].Message`, in order. */
  validationErrors?: readonly string[];
  /** Milliseconds to wait before trying again (from Retry-After). */
  retryAfterMs?: number;
  /** Xero's `X-Rate-Limit-Problem` header: minute, day, concurrent or appminute. */
  rateLimitProblem?: string;
}

export interface SyncErrorOptions {
  kind: SyncErrorKind;
  /** Defaults from the kind: transient and conflict retry, the rest do not. */
  retryable?: boolean;
  origin?: ErrorOrigin;
  details?: SyncErrorDetails;
  cause?: unknown;
}

export class SyncError extends Error {
  readonly kind: SyncErrorKind;
  readonly retryable: boolean;
  readonly origin: ErrorOrigin;
  readonly details: Readonly<SyncErrorDetails>;

  constructor(message: string, options: SyncErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SyncError";
    this.kind = options.kind;
    this.retryable = options.retryable ?? defaultRetryable(options.kind);
    this.origin = options.origin ?? (options.kind === "validation" ? "user" : "system");
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /** A plain, safe object for logs, the sync log table and queue messages (no cause, no stack). */
  toJSON(): { name: string; kind: SyncErrorKind; retryable: boolean; origin: ErrorOrigin; message: string; details: SyncErrorDetails } {
    return { name: this.name, kind: this.kind, retryable: this.retryable, origin: this.origin, message: this.message, details: { ...this.details } };
  }
}

function defaultRetryable(kind: SyncErrorKind): boolean {
  return kind === "transient" || kind === "conflict";
}

export function isSyncError(value: unknown): value is SyncError {
  return value instanceof SyncError;
}

const textRedactor: Redactor = createRedactor();

/** Turns anything thrown into an Error (as azure-functions-nodejs-library does), redacting what it stringifies. */
export function ensureErrorType(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === "string") return new Error(textRedactor.redactText(error));
  if (error === undefined || error === null) return new Error(`Unknown error: ${String(error)}`);
  let text: string;
  try {
    text = JSON.stringify(textRedactor.redactValue(error));
  } catch {
    text = Object.prototype.toString.call(error);
  }
  return new Error(text);
}

/** Retry-After is either delay-seconds or an HTTP-date: https://www.rfc-editor.org/rfc/rfc9110#field.retry-after */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Kind for an HTTP status. 412 is an ETag mismatch, 409 a duplicate key: both conflicts. */
export function kindForStatus(status: number): SyncErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 409 || status === 412) return "conflict";
  if (status === 408 || status === 429 || status >= 500 || status === 0) return "transient";
  return "validation";
}

type HeaderBag = Headers | Record<string, unknown> | undefined | null;

function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name.toLowerCase()) {
      if (typeof value === "string") return value;
      if (typeof value === "number") return String(value);
      if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    }
  }
  return undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringField(record: Record<string, unknown> | undefined, ...names: string[]): string | undefined {
  if (record === undefined) return undefined;
  for (const name of names) {
    const value = record[name];
    if (typeof value === "string" && value.trim() !== "") return textRedactor.redactText(value.trim());
  }
  return undefined;
}

/**
 * Xero's validation answer: `{ Type, Message, Elements: [{ ValidationErrors: [{ Message }] }] }`, or problem+json
 * `{ Title, Status, Detail, Type }` for auth failures: https://developer.xero.com/documentation/api/accounting/responsecodes
 * Dataverse: `{ error: { code, message } }`: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#parse-errors-from-the-response
 * OAuth: `{ error, error_description }`: https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function toErrorDetailsFromBody(body: unknown): SyncErrorDetails {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      // A plain-text body (Xero's 429 answers `oauth_problem=rate limit exceeded`): keep a short redacted excerpt.
      const text = body.trim();
      return text === "" ? {} : { message: textRedactor.redactText(text.slice(0, 300)) };
    }
  }
  const record = asRecord(parsed);
  if (record === undefined) return {};
  const details: SyncErrorDetails = {};
  const dataverseError = asRecord(record["error"]);
  const type = stringField(record, "Type", "type") ?? stringField(dataverseError, "code") ?? stringField(record, "error");
  const detail = stringField(record, "Detail", "detail");
  const message =
    stringField(record, "Message", "message") ?? stringField(dataverseError, "message") ?? stringField(record, "error_description", "Title", "title");
  if (type !== undefined) details.type = type;
  if (detail !== undefined) details.detail = detail;
  if (message !== undefined) details.message = message;
  const validationErrors = collectValidationErrors(record);
  if (validationErrors.length > 0) details.validationErrors = validationErrors;
  return details;
}

function collectValidationErrors(record: Record<string, unknown>): string[] {
  const messages: string[] = [];
  const take = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      const message = stringField(asRecord(item), "Message");
      if (message !== undefined && !messages.includes(message)) messages.push(message);
    }
  };
  take(record["ValidationErrors"]);
  const elements = record["Elements"];
  if (Array.isArray(elements)) for (const element of elements) take(asRecord(element)?.["ValidationErrors"]);
  return messages;
}

export interface HttpFailure {
  source: ErrorSource;
  status: number;
  headers?: HeaderBag;
  body?: unknown;
  nowMs?: number;
}

/** The normalised error for a non-2xx HTTP answer. */
export function fromHttpFailure(failure: HttpFailure): SyncError {
  const details: SyncErrorDetails = { source: failure.source, status: failure.status, ...toErrorDetailsFromBody(failure.body) };
  const retryAfterMs = parseRetryAfter(headerValue(failure.headers, "retry-after"), failure.nowMs ?? Date.now());
  if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
  const problem = headerValue(failure.headers, "x-rate-limit-problem");
  if (problem !== undefined) details.rateLimitProblem = problem;
  let kind = kindForStatus(failure.status);
  // An OAuth token endpoint answers 400 invalid_grant when a refresh token is revoked or expired.
  if (details.type === "invalid_grant" || details.type === "unauthorized_client" || details.type === "invalid_client") kind = "auth";
  return new SyncError(summarise(failure.source, failure.status, details), { kind, details });
}

function summarise(source: ErrorSource, status: number, details: SyncErrorDetails): string {
  const parts = [details.detail, details.message, ...(details.validationErrors ?? [])].filter((part): part is string => part !== undefined);
  const unique = [...new Set(parts)];
  const label = `${source} answered ${status}${details.type === undefined ? "" : ` ${details.type}`}`;
  return unique.length === 0 ? label : `${label}: ${unique.join("; ")}`;
}

/** The shape xero-node rejects with (as an object, or JSON-stringified): `{ response: { statusCode, body, headers }, body }`. */
function fromXeroNodeRejection(value: Record<string, unknown>): SyncError | undefined {
  const response = asRecord(value["response"]);
  if (response === undefined) return undefined;
  const statusValue = response["statusCode"] ?? response["status"];
  if (typeof statusValue !== "number") return undefined;
  const body = value["body"] ?? response["body"] ?? response["data"];
  const headers = asRecord(response["headers"]);
  return fromHttpFailure({ source: "xero", status: statusValue, headers, body });
}

/** Node's fetch (undici) fails with `TypeError: fetch failed` and the socket error as its cause. */
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ECONNABORTED"]);

function networkCode(error: unknown, depth = 0): string | undefined {
  const record = asRecord(error);
  if (record === undefined || depth > 3) return undefined;
  const code = record["code"];
  if (typeof code === "string" && networkCodes.has(code)) return code;
  return networkCode(record["cause"], depth + 1);
}

function isZodLike(error: Error): error is Error & { issues: { path: readonly PropertyKey[]; message: string; code?: string }[] } {
  return error.name === "ZodError" && Array.isArray((error as { issues?: unknown }).issues);
}

/**
 * Normalises anything thrown. Known shapes map to a kind; anything unknown becomes a retryable system error whose
 * message is redacted (a bug should reach the poison queue with its message, never with a secret in it).
 */
export function toSyncError(error: unknown, source: ErrorSource = "service"): SyncError {
  if (error instanceof SyncError) return error;

  if (typeof error === "string") {
    try {
      const parsed = asRecord(JSON.parse(error));
      const fromXero = parsed === undefined ? undefined : fromXeroNodeRejection(parsed);
      if (fromXero !== undefined) return fromXero;
    } catch {
      // not JSON: a plain message
    }
    return new SyncError(textRedactor.redactText(error).slice(0, 500), { kind: "transient", details: { source } });
  }

  const record = asRecord(error);
  if (record !== undefined && !(error instanceof Error)) {
    const fromXero = fromXeroNodeRejection(record);
    if (fromXero !== undefined) return fromXero;
  }

  const normal = ensureErrorType(error);
  if (normal.name === "AbortError" || normal.name === "TimeoutError") {
    return new SyncError(`${source} request timed out or was aborted`, { kind: "transient", details: { source }, cause: normal });
  }
  const code = networkCode(normal);
  if (code !== undefined) {
    return new SyncError(`${source} could not be reached (${code})`, { kind: "transient", details: { source, type: code }, cause: normal });
  }
  if (isZodLike(normal)) {
    const issues = normal.issues.map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`);
    return new SyncError(`invalid data: ${issues.join("; ")}`, {
      kind: "validation",
      details: { source, type: "InvalidData", validationErrors: issues },
      cause: normal,
    });
  }
  // An Azure SDK RestError (tables, queues) carries statusCode.
  const statusCode = (normal as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === "number") {
    return new SyncError(`storage answered ${statusCode}`, { kind: kindForStatus(statusCode), details: { source: "storage", status: statusCode }, cause: normal });
  }
  return new SyncError(textRedactor.redactText(normal.message).slice(0, 500) || normal.name, {
    kind: "transient",
    origin: "system",
    details: { source },
    cause: normal,
  });
}

/** The plain words shown on a record: user errors say what Xero or Dataverse said; system errors stay generic. */
export function toRecordMessage(error: SyncError): string {
  if (error.origin === "user") return error.message;
  if (error.kind === "auth") return "The connection to Xero or Dynamics 365 needs to be reauthorised.";
  if (error.kind === "config") return "The service is misconfigured; support has been notified.";
  return "A temporary problem stopped this record from syncing; it will be retried.";
}
