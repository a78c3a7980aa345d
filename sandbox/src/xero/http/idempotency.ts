// Idempotency-Key on PUT/POST: a retry with the same key and the same request replays the first answer and changes
// nothing; the key is at most 128 characters (the spec's idempotencyKey parameter says "128 character max").
// https://developer.xero.com/documentation/guides/idempotent-requests/idempotency/
// Modelled choices (the page could not be fetched from here): the key is scoped to the organisation; reusing it for
// a different request is refused with 400; a retry while the first call is still running gets 409; answers with
// 429 or 5xx are not remembered, so a retry after them runs again.
import { createHash } from "node:crypto";
import type { XeroAnswer } from "./xero-errors";

export const maxIdempotencyKeyLength = 128;

type Entry = { state: "running"; fingerprint: string } | { state: "done"; fingerprint: string; answer: XeroAnswer };

export type IdempotencyLookup =
  | { kind: "new"; finish(answer: XeroAnswer): void; abandon(): void }
  | { kind: "replay"; answer: XeroAnswer }
  | { kind: "conflict" }
  | { kind: "mismatch" };

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  replays = 0;

  /** The request's identity: method, path with query, and body bytes. */
  static fingerprint(method: string, pathWithQuery: string, body: string): string {
    return createHash("sha256").update(`${method}\n${pathWithQuery}\n${body}`).digest("hex");
  }

  begin(tenantId: string, key: string, fingerprint: string): IdempotencyLookup {
    const id = `${tenantId}\n${key}`;
    const entry = this.entries.get(id);
    if (entry !== undefined) {
      if (entry.fingerprint !== fingerprint) return { kind: "mismatch" };
      if (entry.state === "running") return { kind: "conflict" };
      this.replays += 1;
      return { kind: "replay", answer: entry.answer };
    }
    this.entries.set(id, { state: "running", fingerprint });
    return {
      kind: "new",
      finish: (answer) => {
        if (answer.status === 429 || answer.status >= 500) this.entries.delete(id);
        else this.entries.set(id, { state: "done", fingerprint, answer });
      },
      abandon: () => this.entries.delete(id),
    };
  }
}
