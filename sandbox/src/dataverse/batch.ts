// `$batch`: multipart/mixed bodies of requests and change sets. A change set is atomic (one failure rolls back the
// whole set), `Content-ID` values are referenced as `$n`, at most 1,000 operations, and without
// `Prefer: odata.continue-on-error` the batch stops at the first failure and answers 400 with that error.
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
import { randomUUID } from "node:crypto";
import { badRequest, DataverseError, ensureDataverseError } from "./errors";
import type { OrgContext, WriteSession } from "./operations";
import { newSession } from "./operations";
import type { WebApiRequest, WebApiResponse } from "./web-api";
import { errorResponse, routeWebApi } from "./web-api";

export const maxBatchOperations = 1000;

interface BatchOperation {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

type BatchItem = { kind: "single"; operation: BatchOperation } | { kind: "changeSet"; operations: BatchOperation[] };

const statusTexts: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  412: "Precondition Failed",
  429: "Too Many Requests",
  500: "Internal Server Error",
};

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary\s*=\s*"?([^";]+)"?/i.exec(contentType ?? "");
  return match?.[1];
}

/** Splits a multipart body into its parts (text between boundaries), tolerating CRLF or LF line breaks. */
function splitParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const pieces = body.split(delimiter);
  const parts: string[] = [];
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith("--")) break;
    parts.push(piece.replace(/^\r?\n/, ""));
  }
  return parts;
}

/** Headers up to the first blank line, then the rest. */
function readHeaders(text: string): { headers: Record<string, string>; rest: string; firstLine?: string } {
  const normalised = text.replace(/\r\n/g, "\n");
  const end = normalised.indexOf("\n\n");
  const head = end === -1 ? normalised : normalised.slice(0, end);
  const rest = end === -1 ? "" : normalised.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest };
}

function parseOperation(part: string): BatchOperation {
  const mime = readHeaders(part);
  const lines = mime.rest.split("\n");
  const requestLine = lines.shift() ?? "";
  const match = /^(GET|POST|PATCH|PUT|DELETE)\s+(\S+)(\s+HTTP\/1\.1)?$/i.exec(requestLine.trim());
  if (match?.[1] === undefined || match[2] === undefined)
    throw badRequest(`The batch request line '${requestLine.trim()}' is not valid.`, "0x80048d19");
  const inner = readHeaders(lines.join("\n"));
  const contentId = mime.headers["content-id"] ?? inner.headers["content-id"];
  return {
    method: match[1].toUpperCase(),
    target: match[2],
    headers: inner.headers,
    body: inner.rest.trim(),
    ...(contentId === undefined ? {} : { contentId }),
  };
}

export function parseBatch(body: string, contentType: string | undefined): BatchItem[] {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined)
    throw badRequest("The content type of a $batch request must be multipart/mixed with a boundary.", "0x80048d19");
  return splitParts(body, boundary).map((part): BatchItem => {
    const { headers, rest } = readHeaders(part);
    const inner = boundaryOf(headers["content-type"]);
    if (inner !== undefined && /multipart\/mixed/i.test(headers["content-type"] ?? "")) {
      return { kind: "changeSet", operations: splitParts(rest, inner).map(parseOperation) };
    }
    return { kind: "single", operation: parseOperation(part) };
  });
}

function toPart(response: WebApiResponse, contentId?: string): string {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  lines.push("", `HTTP/1.1 ${response.status} ${statusTexts[response.status] ?? ""}`.trimEnd());
  const headers = { ...response.headers };
  if (headers["OData-EntityId"] !== undefined) headers["Location"] = headers["OData-EntityId"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push("", response.body ?? "");
  return lines.join("\r\n");
}

export interface BatchContext {
  org: OrgContext;
  /** Called with the change events of committed work, for webhooks. */
  onCommit: (session: WriteSession) => void;
}

/** Resolves `$n` at the start of a URL to the record created by Content-ID n. */
function resolveTarget(target: string, session: WriteSession, webApiUrl: string): URL {
  const reference = /^\$(\w+)(.*)$/.exec(target);
  if (reference?.[1] !== undefined) {
    const created = session.contentIds.get(reference[1]);
    if (created === undefined)
      throw badRequest(
        `Content-ID reference '$${reference[1]}' does not match any request in the change set.`,
        "0x80060888",
      );
    const table = session.org.schema.table(created.table);
    return new URL(`${webApiUrl}${table.entitySetName}(${created.id})${reference[2] ?? ""}`);
  }
  if (/^https?:\/\//i.test(target)) return new URL(target);
  const root = new URL(webApiUrl);
  if (target.startsWith("/")) {
    // Host-relative (`/<org>/api/data/v9.2/…`) or, as Dataverse's own examples write it, org-relative (`/api/data/…`).
    const orgPath = root.pathname.replace(/\/api\/data\/v9\.\d\/$/, "");
    return new URL(target.startsWith(`${orgPath}/`) ? `${root.origin}${target}` : `${root.origin}${orgPath}${target}`);
  }
  return new URL(`${webApiUrl}${target}`);
}

function runOperation(
  context: BatchContext,
  session: WriteSession,
  operation: BatchOperation,
  outerHeaders: Record<string, string | undefined>,
): WebApiResponse {
  const url = resolveTarget(operation.target, session, context.org.webApiUrl);
  const marker = url.pathname.indexOf("/api/data/v9.");
  const path = marker === -1 ? "" : url.pathname.slice(url.pathname.indexOf("/", marker + "/api/data/".length) + 1);
  const request: WebApiRequest = {
    method: operation.method,
    url,
    headers: { prefer: outerHeaders["prefer"], ...operation.headers },
    body: operation.body,
  };
  return routeWebApi(request, {
    session,
    path: decodeURIComponent(path),
    ...(operation.contentId === undefined ? {} : { contentId: operation.contentId }),
  });
}

export function executeBatch(
  context: BatchContext,
  body: string,
  headers: Record<string, string | undefined>,
): WebApiResponse {
  const items = parseBatch(body, headers["content-type"]);
  const count = items.reduce((total, item) => total + (item.kind === "single" ? 1 : item.operations.length), 0);
  if (count > maxBatchOperations) {
    throw new DataverseError(
      400,
      "0x80060891",
      `The number of requests in the batch (${count}) exceeds the limit of ${maxBatchOperations}.`,
    );
  }
  const continueOnError = /odata\.continue-on-error/i.test(headers["prefer"] ?? "");
  const boundary = `batchresponse_${randomUUID()}`;
  const parts: string[] = [];
  let failed = false;
  for (const item of items) {
    if (item.kind === "single") {
      const snapshot = context.org.store.snapshot();
      const session = newSession(context.org);
      try {
        const response = runOperation(context, session, item.operation, headers);
        parts.push(toPart(response));
        context.onCommit(session);
      } catch (thrown) {
        context.org.store.restore(snapshot);
        parts.push(toPart(errorResponse(ensureDataverseError(thrown))));
        failed = true;
      }
    } else {
      const snapshot = context.org.store.snapshot();
      const session = newSession(context.org);
      const changeBoundary = `changesetresponse_${randomUUID()}`;
      const inner: string[] = [];
      try {
        for (const operation of item.operations) {
          if (operation.method === "GET")
            throw badRequest("GET requests are not allowed inside a change set.", "0x80060888");
          inner.push(toPart(runOperation(context, session, operation, headers), operation.contentId));
        }
        parts.push(
          `Content-Type: multipart/mixed; boundary=${changeBoundary}\r\n\r\n${inner.map((part) => `--${changeBoundary}\r\n${part}\r\n`).join("")}--${changeBoundary}--`,
        );
        context.onCommit(session);
      } catch (thrown) {
        context.org.store.restore(snapshot);
        parts.push(toPart(errorResponse(ensureDataverseError(thrown))));
        failed = true;
      }
    }
    if (failed && !continueOnError) {
      const last = parts[parts.length - 1] ?? "";
      return multipart(400, boundary, [last]);
    }
  }
  return multipart(200, boundary, parts);
}

function multipart(status: number, boundary: string, parts: string[]): WebApiResponse {
  return {
    status,
    headers: { "Content-Type": `multipart/mixed; boundary=${boundary}`, "OData-Version": "4.0" },
    body: `${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("")}--${boundary}--\r\n`,
  };
}
