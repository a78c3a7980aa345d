// Incremental-read cursor maths, pure. A cursor says "everything modified up to here is written"; the next read asks
// for what changed since then, with a small overlap for clock skew and commits that land out of order. A cursor in
// the future (a bad clock, a bad write) does no work rather than guessing.
import { z } from "zod";

export const SyncCursor = z.object({
  /** Everything modified before this instant (ISO-8601, UTC) has been read and written. */
  modifiedUpTo: z.iso.datetime(),
  /**
   * Where the reads began: the first run's look-back window start. When "sync last X days" grows to reach before it,
   * the flow reads again from the new window start. (Cursors written before this field existed never widen.)
   */
  coveredFrom: z.iso.datetime().optional(),
});
export type SyncCursor = z.infer<typeof SyncCursor>;

export interface ReadWindowOptions {
  now: number;
  /** "Sync last X days" for the first run (mag_synclastxdays). */
  lookbackDays: number;
  /** Re-read this much before the cursor (default 5 minutes); reads are idempotent, so overlap is safe. */
  overlapMs?: number;
  /** Tolerated clock skew before a future cursor is treated as bad (default 5 minutes). */
  skewMs?: number;
}

/** `restart`: the look-back window grew past where the cursor's reads began, so reading starts over from it. */
export type ReadWindow =
  | { kind: "read"; modifiedSince: Date; until: Date; restart: boolean }
  | { kind: "nothingToDo"; reason: "cursor-in-future" };

/** A look-back window start must reach this far before `coveredFrom` to count as widened (scheduling jitter). */
const wideningToleranceMs = 60 * 60_000;

/**
 * What to read this run. Without a cursor, the look-back window; with one, since the cursor (minus overlap); with one
 * whose reads began after the (widened) look-back window's start, the whole window again.
 */
export function planReadWindow(cursor: SyncCursor | undefined, options: ReadWindowOptions): ReadWindow {
  const overlapMs = options.overlapMs ?? 5 * 60_000;
  const skewMs = options.skewMs ?? 5 * 60_000;
  const until = new Date(options.now);
  const windowStart = new Date(options.now - options.lookbackDays * 86_400_000);
  if (cursor === undefined) return { kind: "read", modifiedSince: windowStart, until, restart: false };
  if (cursor.coveredFrom !== undefined && windowStart.getTime() < Date.parse(cursor.coveredFrom) - wideningToleranceMs) {
    return { kind: "read", modifiedSince: windowStart, until, restart: true };
  }
  const position = Date.parse(cursor.modifiedUpTo);
  if (position > options.now + skewMs) return { kind: "nothingToDo", reason: "cursor-in-future" };
  return { kind: "read", modifiedSince: new Date(Math.min(position, options.now) - overlapMs), until, restart: false };
}

/**
 * The cursor after a run. When every record of the window was written, it moves to the window's end; when the run
 * stopped early (a page limit) with results in modified order, to the last written record's time. It never moves
 * back, and never past the window's end.
 */
export function advanceCursor(
  previous: SyncCursor | undefined,
  window: { until: Date },
  outcome: { complete: true } | { complete: false; lastWrittenModifiedOn: Date | undefined },
): SyncCursor | undefined {
  const target = outcome.complete ? window.until.getTime() : outcome.lastWrittenModifiedOn?.getTime();
  if (target === undefined) return previous;
  const bounded = Math.min(target, window.until.getTime());
  const current = previous === undefined ? Number.NEGATIVE_INFINITY : Date.parse(previous.modifiedUpTo);
  if (bounded <= current) return previous;
  return { modifiedUpTo: new Date(bounded).toISOString() };
}
