// Idempotency keys. Xero replays the first answer for a repeated key, so a retry after a timeout cannot create a
// second invoice: https://developer.xero.com/documentation/guides/idempotent-requests/idempotency (≤ 128 characters).
// A key is derived from the records of the request, each record's push attempt (mag_xeropushattempt) and the request
// itself: the same batch retried gets the same key; a record pushed again after a fixed failure gets a fresh one
// (otherwise Xero would replay the old validation error); a changed request never reuses a key (Xero refuses a key
// "already used for a different request"). Unknown outcomes of changed requests are covered by reconciliation.
import { createHash } from "node:crypto";

export interface KeyPart {
  id: string;
  attempt: number;
}

export function toIdempotencyKey(operation: string, parts: readonly KeyPart[], request?: unknown): string {
  const canonical = parts
    .map((part) => `${part.id.toLowerCase()}#${part.attempt}`)
    .sort()
    .join(",");
  const digest = createHash("sha256")
    .update(`${operation}|${canonical}|${request === undefined ? "" : JSON.stringify(request)}`)
    .digest("base64url");
  return `${operation}-${digest}`.slice(0, 128);
}
