// Incremental reads from Xero, shared by the pull flows. A cursor per connection and flow says "everything Xero
// changed before this instant is written to Dynamics 365". A run asks Xero for what changed since the cursor (minus a
// small overlap) with If-Modified-Since, oldest change first (`order=UpdatedDateUTC ASC`), one page at a time; each
// page is written to Dynamics 365 before the cursor moves past it, so a crash between the two only re-reads a page
// (the writes are idempotent) and never skips one. The next page starts at the last change read rather than at
// page n + 1: a record changed while we page moves to the end and is read again instead of shifting one past us.
// Records whose write failed are kept in the cursor and read again by id next run, a few times at most.
// If-Modified-Since and paging: https://developer.xero.com/documentation/api/accounting/requests-and-responses
import { z } from "zod";
import { advanceCursor, planReadWindow, SyncCursor } from "../adapters/table-storage/cursor";
import type { CursorStore } from "../adapters/table-storage/cursor-store";
import { xeroPageSize, type IncrementalQuery } from "../adapters/xero/pull-port";
import type { Clock } from "../core/clock";
import { SyncError } from "../core/errors";
import type { Logger } from "../core/logger";
import { chunk, type Retrying } from "./batching";
import type { RunScope } from "./ports";

export const PullCursor = SyncCursor.extend({
  /** Records whose write failed, read again by id on the next runs. */
  retry: z.array(z.object({ id: z.string(), attempts: z.number().int().positive() })).default([]),
});
export type PullCursor = z.infer<typeof PullCursor>;
export type PullCursorStore = CursorStore<PullCursor>;

/** What writing one page achieved. `retryIds`: records to read again (their write failed). */
export interface PageResult {
  synced: number;
  failed: number;
  retryIds: string[];
}

/** `retried`: the records are earlier failures read again by id (write them even if they look unchanged). */
export interface PageContext {
  retried: boolean;
}

export interface IncrementalSource<R> {
  read(query: IncrementalQuery): Promise<R[]>;
  id(record: R): string;
  /** UpdatedDateUTC as an ISO instant. */
  updatedAt(record: R): string | undefined;
}

export interface IncrementalReadOptions {
  pageSize?: number;
  /** Pages per run; the cursor keeps the place and the next run carries on. */
  maxPages?: number;
  /** Re-read this much before the cursor (Xero's and our clocks, commits landing late). */
  overlapMs?: number;
  /** Runs a failed record is read again before it is left to the sync log. */
  maxRetryAttempts?: number;
}

export interface IncrementalReadResult {
  synced: number;
  failed: number;
  /** Xero reads made. */
  reads: number;
  /** The cursor was in the future (a bad clock or write): nothing was read. */
  cursorInFuture: boolean;
  /** Every change up to the run's start was read (false when the page limit stopped it). */
  complete: boolean;
}

const dayMs = 86_400_000;

export interface IncrementalReadDependencies {
  cursors: PullCursorStore;
  clock: Clock;
  retrying: Retrying;
  logger: Logger;
}

export async function readIncrementally<R>(
  deps: IncrementalReadDependencies,
  scope: RunScope,
  source: IncrementalSource<R>,
  handle: (records: R[], page: PageContext) => Promise<PageResult>,
  options: IncrementalReadOptions = {},
): Promise<IncrementalReadResult> {
  const { cursors, clock, retrying, logger } = deps;
  const pageSize = options.pageSize ?? xeroPageSize;
  const maxPages = options.maxPages ?? 50;
  const maxRetryAttempts = options.maxRetryAttempts ?? 5;
  const now = clock.now();
  const stored = await cursors.get(scope.connectionId, scope.flow);
  let etag = stored?.etag;
  const lookbackDays = Math.max(0, (now - scope.modifiedSince.getTime()) / dayMs);
  const window = planReadWindow(stored?.cursor, {
    now,
    lookbackDays,
    ...(options.overlapMs === undefined ? {} : { overlapMs: options.overlapMs }),
  });
  const result: IncrementalReadResult = { synced: 0, failed: 0, reads: 0, cursorInFuture: false, complete: false };
  if (window.kind === "nothingToDo") {
    logger.warn("the pull cursor is in the future; nothing read", {
      flow: scope.flow,
      cursor: stored?.cursor.modifiedUpTo,
    });
    return { ...result, cursorInFuture: true };
  }

  if (window.restart) {
    logger.info("sync last X days grew; reading the wider window again", {
      flow: scope.flow,
      from: window.modifiedSince.toISOString(),
    });
  }
  // A restart reads like a first run: the cursor may move back to the wider window's pages as they are written.
  let position: SyncCursor | undefined =
    stored === undefined || window.restart ? undefined : { modifiedUpTo: stored.cursor.modifiedUpTo };
  const coveredFrom =
    stored === undefined || window.restart ? window.modifiedSince.toISOString() : stored.cursor.coveredFrom;
  const attempts = new Map((stored?.cursor.retry ?? []).map((entry) => [entry.id, entry.attempts] as const));
  const retry = new Map<string, number>();
  const remember = (ids: readonly string[]): void => {
    for (const id of ids) {
      const tried = (attempts.get(id) ?? 0) + 1;
      if (tried > maxRetryAttempts)
        logger.warn("a Xero record failed too often; it stays on the sync log", { flow: scope.flow, id });
      else retry.set(id, tried);
    }
  };
  const save = async (): Promise<void> => {
    const cursor: PullCursor = {
      modifiedUpTo: (position ?? { modifiedUpTo: window.modifiedSince.toISOString() }).modifiedUpTo,
      ...(coveredFrom === undefined ? {} : { coveredFrom }),
      retry: [...retry].map(([id, tried]) => ({ id, attempts: tried })),
    };
    etag = await cursors.save(scope.connectionId, scope.flow, cursor, etag);
  };
  const absorb = (page: PageResult): void => {
    result.synced += page.synced;
    result.failed += page.failed;
    remember(page.retryIds);
  };

  // Earlier failures first, by id (what Xero no longer returns is gone or no longer qualifies).
  for (const ids of chunk([...attempts.keys()], 50)) {
    // With a page, Xero answers in full (line items included), as the incremental pages do.
    const records = await retrying(() => source.read({ ids, page: 1, pageSize: Math.max(pageSize, ids.length) }));
    result.reads += 1;
    if (records.length > 0) absorb(await handle(records, { retried: true }));
  }

  let since = window.modifiedSince;
  let page = 1;
  for (let pages = 0; pages < maxPages; pages++) {
    const query: IncrementalQuery = { modifiedSince: since, page, pageSize };
    const records = await retrying(() => source.read(query));
    result.reads += 1;
    if (records.length > 0) absorb(await handle(records, { retried: false }));
    const stamps = records.map((record) => source.updatedAt(record));
    const last = latest(stamps);
    if (records.length < pageSize) {
      result.complete = true;
      break;
    }
    // A full page: the rest starts at its last change (a millisecond back, in case Xero's "since" is strict), so a
    // record changed meanwhile cannot shift one past us. A page that is all one instant goes on by page number.
    const next = last === undefined ? undefined : new Date(last - 1);
    position = advanceCursor(position, window, { complete: false, lastWrittenModifiedOn: next });
    await save();
    if (next !== undefined && last !== earliest(stamps) && next.getTime() > since.getTime()) {
      since = next;
      page = 1;
    } else {
      page += 1;
    }
  }
  if (result.complete) position = advanceCursor(position, window, { complete: true });
  await save();
  return result;
}

function earliest(instants: ReadonlyArray<string | undefined>): number | undefined {
  const values = instants.flatMap((instant) =>
    instant === undefined || Number.isNaN(Date.parse(instant)) ? [] : [Date.parse(instant)],
  );
  return values.length === 0 ? undefined : Math.min(...values);
}

function latest(instants: ReadonlyArray<string | undefined>): number | undefined {
  let max: number | undefined;
  for (const instant of instants) {
    if (instant === undefined) continue;
    const ms = Date.parse(instant);
    if (!Number.isNaN(ms) && (max === undefined || ms > max)) max = ms;
  }
  return max;
}

/** A cursor store in memory (tests, the single-process benchmark). */
export function createMemoryCursorStore(): PullCursorStore & {
  peek(connectionId: string, flow: string): PullCursor | undefined;
} {
  const rows = new Map<string, { cursor: PullCursor; etag: string }>();
  let version = 0;
  return {
    get(connectionId, flow) {
      return Promise.resolve(rows.get(`${connectionId}|${flow}`));
    },
    save(connectionId, flow, cursor, etag) {
      const key = `${connectionId}|${flow}`;
      if (rows.get(key)?.etag !== etag)
        return Promise.reject(
          new SyncError("the cursor moved while this run was reading", {
            kind: "conflict",
            details: { source: "storage" },
          }),
        );
      const next = String(++version);
      rows.set(key, { cursor: PullCursor.parse(cursor), etag: next });
      return Promise.resolve(next);
    },
    reset(connectionId, flow) {
      rows.delete(`${connectionId}|${flow}`);
      return Promise.resolve();
    },
    peek(connectionId, flow) {
      return rows.get(`${connectionId}|${flow}`)?.cursor;
    },
  };
}
