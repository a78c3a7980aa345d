// The bodies Xero answers with when it refuses a call, shaped as the real API shapes them.
// Response codes: https://developer.xero.com/documentation/api/accounting/responsecodes
// OAuth 2.0 401/403 problem bodies: https://developer.xero.com/documentation/guides/oauth2/troubleshooting
import { randomUUID } from "node:crypto";
import type { XeroObject } from "../store/types";

export interface XeroAnswer {
  status: number;
  /** JSON body, or a string sent as text/plain (Xero's 404 is plain text). Undefined for no body (204). */
  body?: XeroObject | string;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with an error; the server turns it into the answer unchanged. */
export class XeroHttpError extends Error {
  constructor(readonly answer: XeroAnswer) {
    super(`Xero emulator answered ${answer.status}`);
  }
}

/** The problem-details body the identity layer answers 401/403 with. */
export function toProblem(status: 401 | 403, detail: string): XeroAnswer {
  return {
    status,
    body: {
      Type: null,
      Title: status === 401 ? "Unauthorized" : "Forbidden",
      Status: status,
      Detail: detail,
      Instance: randomUUID(),
      Extensions: {},
    },
  };
}

// A 401 for a missing, malformed, expired or revoked token. Expired tokens say so in Detail, as Xero does:
// {"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired at 04/09/2023 05:16:59",…}
// (seen in https://github.com/freakboy3742/pyxero/pull/337).
export function toUnauthorized(reason: string, expiredAt?: number): XeroAnswer {
  const detail =
    reason === "expired" && expiredAt !== undefined
      ? `TokenExpired: token expired at ${toUsTimestamp(expiredAt)}`
      : "AuthenticationUnsuccessful";
  const answer = toProblem(401, detail);
  return { ...answer, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } };
}

function toUsTimestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

// The tenant is not among the token's connections: 403 AuthenticationUnsuccessful
// (https://github.com/dcblogdev/laravel-xero/issues/40). A token lacking the operation's scope: 401
// AuthorizationUnsuccessful (https://github.com/foxbytehq/laravel-xero-oauth2/issues/99).
export const toTenantNotConnected = (): XeroAnswer => toProblem(403, "AuthenticationUnsuccessful");
export const toMissingScope = (): XeroAnswer => toProblem(401, "AuthorizationUnsuccessful");

// Xero answers an unknown id with a plain-text 404 (https://github.com/XeroAPI/Xero-OpenAPI/issues/163).
export function toNotFound(): XeroAnswer {
  return { status: 404, body: "The resource you're looking for cannot be found" };
}

/** 400 ValidationException: the elements that failed, each carrying its ValidationErrors. */
export function toValidationException(elements: readonly XeroObject[]): XeroAnswer {
  return {
    status: 400,
    body: {
      ErrorNumber: 10,
      Type: "ValidationException",
      Message: "A validation exception occurred",
      Elements: [...elements],
    },
  };
}

/** 400 for one request-level validation failure that belongs to no element (e.g. emailing a draft invoice). */
export function toValidationMessage(message: string): XeroAnswer {
  return toValidationException([{ ValidationErrors: [{ Message: message }] }]);
}

/** 400 for a body that cannot be read (bad JSON, wrong types): Xero's PostDataInvalidException. */
export function toPostDataInvalid(message: string): XeroAnswer {
  return { status: 400, body: { ErrorNumber: 14, Type: "PostDataInvalidException", Message: message } };
}

/** 400 for a `where` or `order` Xero cannot parse: QueryParseException. */
export function toQueryParseError(message: string): XeroAnswer {
  return { status: 400, body: { ErrorNumber: 16, Type: "QueryParseException", Message: message } };
}

export function toServerError(
  message = "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.",
): XeroAnswer {
  return { status: 500, body: { ErrorNumber: 500, Type: "UnknownErrorException", Message: message } };
}

export function toServiceUnavailable(): XeroAnswer {
  return {
    status: 503,
    body: {
      ErrorNumber: 503,
      Type: "ServiceUnavailableException",
      Message: "The Xero API is temporarily unavailable. Please try again later.",
    },
  };
}

export type RateLimitProblem = "minute" | "day" | "concurrent" | "appminute";

// 429 with Retry-After (seconds) and X-Rate-Limit-Problem naming the limit: minute, day, concurrent or appminute.
// https://developer.xero.com/documentation/guides/oauth2/limits/ — the daily value is "day", as real answers show
// (https://github.com/XeroAPI/xero-python/issues/74).
export function toRateLimited(problem: RateLimitProblem, retryAfterSeconds: number): XeroAnswer {
  return {
    status: 429,
    body: {
      Type: null,
      Title: "Too Many Requests",
      Status: 429,
      Detail: `Rate limit exceeded (${problem})`,
      Instance: randomUUID(),
      Extensions: {},
    },
    headers: { "Retry-After": String(retryAfterSeconds), "X-Rate-Limit-Problem": problem },
  };
}
