// The `$batch` wire format as pure functions: build the multipart/mixed body, parse the answer back into one result
// per operation. https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
// - a batch holds at most 1,000 operations; change sets are atomic (all or nothing) and hold writes only;
// - operations outside change sets run independently (with `Prefer: odata.continue-on-error` a failure does not stop
//   the rest);
// - when a change set fails, the answer for it is ONE application/http part carrying the error.

export type BatchMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface BatchOperation {
  method: BatchMethod;
  /** Relative to the Web API root, e.g. `invoices(…)`; or a `$<Content-ID>` reference inside a change set. */
  path: string;
  headers?: Readonly<Record<string, string>>;
  body?: unknown;
}

/** A change set: its operations commit or roll back together. */
export interface ChangeSet {
  changeSet: readonly BatchOperation[];
}

export type BatchItem = BatchOperation | ChangeSet;

export interface BatchPartResult {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the part had a JSON body, the raw text otherwise, undefined when empty. */
  body: unknown;
}

export const maxBatchOperations = 1000;

export function isChangeSet(item: BatchItem): item is ChangeSet {
  return "changeSet" in item;
}

export function countOperations(item: BatchItem): number {
  return isChangeSet(item) ? item.changeSet.length : 1;
}

/** Splits items into batches of at most `limit` operations, never splitting a change set. */
export function splitIntoBatches(items: readonly BatchItem[], limit = maxBatchOperations): BatchItem[][] {
  const batches: BatchItem[][] = [];
  let current: BatchItem[] = [];
  let size = 0;
  for (const item of items) {
    const count = countOperations(item);
    if (count > limit) throw new RangeError(`a change set of ${count} operations exceeds the ${limit}-operation batch limit`);
    if (size + count > limit) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += count;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const crlf = "\r\n";

function toRequestPart(operation: BatchOperation, webApiPath: string, contentId: number | undefined): string[] {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  lines.push("");
  const target = operation.path.startsWith("$") ? operation.path : `${webApiPath}${operation.path}`;
  lines.push(`${operation.method} ${target} HTTP/1.1`);
  const headers: Record<string, string> = { ...(operation.headers ?? {}) };
  if (operation.body !== undefined) headers["Content-Type"] ??= "application/json; type=entry";
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push("");
  lines.push(operation.body === undefined ? "" : JSON.stringify(operation.body));
  return lines;
}

export interface BatchRequest {
  boundary: string;
  contentType: string;
  body: string;
}

/**
 * The multipart body. `webApiPath` is the absolute path of the Web API root (e.g. `/org/api/data/v9.2/`); Content-IDs
 * count from 1 across the whole batch so answers map back to operations.
 */
export function toBatchRequest(items: readonly BatchItem[], webApiPath: string, boundaryId: string): BatchRequest {
  const boundary = `batch_${boundaryId}`;
  const lines: string[] = [];
  let contentId = 0;
  items.forEach((item, index) => {
    lines.push(`--${boundary}`);
    if (isChangeSet(item)) {
      const changeSetBoundary = `changeset_${boundaryId}_${index}`;
      lines.push(`Content-Type: multipart/mixed; boundary=${changeSetBoundary}`, "");
      for (const operation of item.changeSet) {
        contentId++;
        lines.push(`--${changeSetBoundary}`, ...toRequestPart(operation, webApiPath, contentId));
      }
      lines.push(`--${changeSetBoundary}--`);
    } else {
      lines.push(...toRequestPart(item, webApiPath, undefined));
    }
  });
  lines.push(`--${boundary}--`, "");
  return { boundary, contentType: `multipart/mixed; boundary=${boundary}`, body: lines.join(crlf) };
}

export function boundaryOf(contentType: string | null | undefined): string | undefined {
  const match = /boundary="?([^";]+)"?/i.exec(contentType ?? "");
  return match?.[1];
}

interface MimePart {
  headers: Record<string, string>;
  body: string;
}

/** Splits a multipart body into its parts (headers lower-cased); tolerant of LF-only line ends. */
export function splitMultipart(body: string, boundary: string): MimePart[] {
  const parts: MimePart[] = [];
  const delimiter = `--${boundary}`;
  const sections = body.split(delimiter);
  // sections[0] is the preamble; a section starting with "--" is the close delimiter's epilogue.
  for (const section of sections.slice(1)) {
    if (section.startsWith("--")) break;
    const text = section.replace(/^\r?\n/, "");
    const split = /\r?\n\r?\n/.exec(text);
    const headerText = split === null ? text : text.slice(0, split.index);
    const rest = split === null ? "" : text.slice(split.index + split[0].length);
    parts.push({ headers: parseHeaderLines(headerText.split(/\r?\n/)), body: rest.replace(/\r?\n$/, "") });
  }
  return parts;
}

function parseHeaderLines(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const separator = line.indexOf(":");
    if (separator <= 0) continue;
    headers[line.slice(0, separator).trim().toLowerCase()] = line.slice(separator + 1).trim();
  }
  return headers;
}

const withoutContentId = (part: BatchPartResult): BatchPartResult => ({ status: part.status, headers: part.headers, body: part.body });

/** An embedded HTTP response: status line, headers, blank line, body. */
function parseHttpPart(part: MimePart): BatchPartResult & { contentId?: string } {
  const text = part.body;
  const split = /\r?\n\r?\n/.exec(text);
  const head = split === null ? text : text.slice(0, split.index);
  const rawBody = (split === null ? "" : text.slice(split.index + split[0].length)).trim();
  const [statusLine = "", ...headerLines] = head.split(/\r?\n/);
  const status = Number(/^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(statusLine)?.[1] ?? 0);
  let body: unknown;
  if (rawBody !== "") {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = rawBody;
    }
  }
  const result: BatchPartResult & { contentId?: string } = { status, headers: parseHeaderLines(headerLines), body };
  const contentId = part.headers["content-id"];
  if (contentId !== undefined) result.contentId = contentId;
  return result;
}

/**
 * One result per operation of `items`, in order. A failed change set gives its single error to each of its
 * operations; operations the service never answered (the batch stopped) get status 0.
 */
export function fromBatchResponse(items: readonly BatchItem[], responseBody: string, contentType: string): BatchPartResult[] {
  const boundary = boundaryOf(contentType);
  const parts = boundary === undefined ? [] : splitMultipart(responseBody, boundary);
  const results: BatchPartResult[] = [];
  const unanswered: BatchPartResult & { contentId?: string } = { status: 0, headers: {}, body: undefined };
  let contentId = 0;
  items.forEach((item, index) => {
    const part = parts[index];
    const firstContentId = contentId + 1;
    if (isChangeSet(item)) contentId += item.changeSet.length;
    if (!isChangeSet(item)) {
      if (part === undefined) results.push(unanswered);
      else results.push(withoutContentId(parseHttpPart(part)));
      return;
    }
    if (part === undefined) {
      for (let i = 0; i < item.changeSet.length; i++) results.push(unanswered);
      return;
    }
    const nestedBoundary = boundaryOf(part.headers["content-type"]);
    if (nestedBoundary === undefined) {
      // The change set failed and rolled back: one error answer for all of it.
      const failure = withoutContentId(parseHttpPart(part));
      for (let i = 0; i < item.changeSet.length; i++) results.push(failure);
      return;
    }
    const answers = splitMultipart(part.body, nestedBoundary).map(parseHttpPart);
    item.changeSet.forEach((_operation, position) => {
      const id = String(firstContentId + position);
      results.push(withoutContentId(answers.find((candidate) => candidate.contentId === id) ?? answers[position] ?? unanswered));
    });
  });
  return results;
}
