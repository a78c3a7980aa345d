import { z } from "zod";
import { SyncError, ensureErrorType, fromHttpFailure, kindForStatus, parseRetryAfter, toRecordMessage, toSyncError } from "../../src/core/errors";

const bearer = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA";

/** What xero-node 20 rejects with on a 400: `JSON.stringify(new ApiError(axiosError).generateError())`. */
function xeroNodeRejection(status: number, body: unknown, headers: Record<string, string> = {}): string {
  return JSON.stringify({
    response: {
      statusCode: status,
      body,
      headers,
      request: { url: { host: "api.xero.com", path: "/api.xro/2.0/Invoices" }, headers: { Authorization: bearer, "xero-tenant-id": "t-1" }, method: "POST" },
    },
    body,
  });
}

describe("toSyncError", () => {
  it("keeps only the allow-list of a xero-node validation rejection", () => {
    const body = {
      ErrorNumber: 10,
      Type: "ValidationException",
      Message: "A validation exception occurred",
      Elements: [{ InvoiceNumber: "INV-1", ValidationErrors: [{ Message: "Account code '999' is not a valid code for this document." }] }],
    };
    const error = toSyncError(xeroNodeRejection(400, body));
    expect(error.toJSON()).toStrictEqual({
      name: "SyncError",
      kind: "validation",
      retryable: false,
      origin: "user",
      message:
        "xero answered 400 ValidationException: A validation exception occurred; Account code '999' is not a valid code for this document.",
      details: {
        source: "xero",
        status: 400,
        type: "ValidationException",
        message: "A validation exception occurred",
        validationErrors: ["Account code '999' is not a valid code for this document."],
      },
    });
    expect(JSON.stringify(error.toJSON())).not.toContain("eyJ");
  });

  it("reads a 429 with Retry-After and the rate-limit problem", () => {
    const error = toSyncError(xeroNodeRejection(429, "oauth_problem=rate limit exceeded", { "retry-after": "17", "x-rate-limit-problem": "minute" }));
    expect(error.kind).toBe("transient");
    expect(error.retryable).toBe(true);
    expect(error.details).toStrictEqual({
      source: "xero",
      status: 429,
      message: "oauth_problem=rate limit exceeded",
      retryAfterMs: 17_000,
      rateLimitProblem: "minute",
    });
  });

  it("treats a problem+json 401 as auth with Xero's Detail", () => {
    const error = toSyncError({ response: { statusCode: 401, headers: {} }, body: { Title: "Unauthorized", Status: 401, Detail: "AuthenticationUnsuccessful", Type: null } });
    expect(error.kind).toBe("auth");
    expect(error.retryable).toBe(false);
    expect(error.details.detail).toBe("AuthenticationUnsuccessful");
  });

  it("reads xero-node's object rejection (axios response with headers object and request config) without its secrets", () => {
    const headers = { get: (name: string) => ({ "retry-after": "2", "x-rate-limit-problem": "concurrent" })[name] };
    const rejection = {
      response: { status: 429, headers, config: { headers: { Authorization: bearer } }, request: { _header: `Authorization: ${bearer}` } },
      body: { Title: "Too many requests", Detail: "Concurrent limit exceeded" },
    };
    const error = toSyncError(rejection);
    expect(error.toJSON()).toStrictEqual({
      name: "SyncError",
      kind: "transient",
      retryable: true,
      origin: "system",
      message: "xero answered 429: Concurrent limit exceeded; Too many requests",
      details: { source: "xero", status: 429, detail: "Concurrent limit exceeded", message: "Too many requests", retryAfterMs: 2000, rateLimitProblem: "concurrent" },
    });
  });

  it("maps invalid_grant from a token endpoint to auth", () => {
    const error = fromHttpFailure({ source: "xero-identity", status: 400, body: JSON.stringify({ error: "invalid_grant" }) });
    expect(error.kind).toBe("auth");
    expect(error.details.type).toBe("invalid_grant");
  });

  it("reads a Dataverse error body", () => {
    const error = fromHttpFailure({
      source: "dataverse",
      status: 412,
      body: { error: { code: "0x80060882", message: "The version of the existing record doesn't match the RowVersion property provided." } },
    });
    expect(error.kind).toBe("conflict");
    expect(error.details).toStrictEqual({
      source: "dataverse",
      status: 412,
      type: "0x80060882",
      message: "The version of the existing record doesn't match the RowVersion property provided.",
    });
  });

  it("recognises fetch network failures and aborts as transient", () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) });
    expect(toSyncError(refused, "dataverse").toJSON()).toMatchObject({ kind: "transient", retryable: true, details: { source: "dataverse", type: "ECONNREFUSED" } });
    const aborted = new DOMException("The operation was aborted", "AbortError");
    expect(toSyncError(aborted).kind).toBe("transient");
  });

  it("turns zod failures into validation errors with paths", () => {
    const result = z.object({ Name: z.string() }).safeParse({ Name: 3 });
    if (result.success) throw new Error("expected a failure");
    const error = toSyncError(result.error);
    expect(error.kind).toBe("validation");
    expect(error.details.validationErrors?.[0]).toMatch(/^Name: /);
  });

  it("redacts secrets from unknown errors and strings", () => {
    const error = toSyncError(new Error(`request failed with Authorization: ${bearer} and refresh_token=abcdef123456`));
    expect(error.message).not.toContain("eyJ");
    expect(error.message).not.toContain("abcdef123456");
    expect(error.origin).toBe("system");
    expect(toSyncError("plain failure code=SECRETCODE123").message).toBe("plain failure code=[redacted]");
  });

  it("returns a SyncError unchanged", () => {
    const original = new SyncError("x", { kind: "config" });
    expect(toSyncError(original)).toBe(original);
    expect(original.retryable).toBe(false);
  });
});

describe("ensureErrorType", () => {
  it("wraps non-errors and keeps errors", () => {
    const error = new Error("e");
    expect(ensureErrorType(error)).toBe(error);
    expect(ensureErrorType(undefined).message).toBe("Unknown error: undefined");
    expect(ensureErrorType({ access_token: "abcdefghijkl", n: 1 }).message).toBe('{"access_token":"[redacted]","n":1}');
  });
});

describe("helpers", () => {
  it("parses Retry-After in seconds and as an HTTP date", () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter("5", now)).toBe(5000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("maps statuses to kinds", () => {
    expect([400, 401, 403, 404, 409, 412, 429, 500, 503].map(kindForStatus)).toStrictEqual([
      "validation", "auth", "auth", "validation", "conflict", "conflict", "transient", "transient", "transient",
    ]);
  });

  it("shows user errors in Xero's words and system errors generically", () => {
    expect(toRecordMessage(new SyncError("Account code '999' is not valid", { kind: "validation" }))).toBe("Account code '999' is not valid");
    expect(toRecordMessage(new SyncError("socket hang up", { kind: "transient" }))).toBe("A temporary problem stopped this record from syncing; it will be retried.");
  });
});
