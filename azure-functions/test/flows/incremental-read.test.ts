import type { IncrementalQuery } from "../../src/adapters/xero/pull-port";
import { ManualClock } from "../../src/core/clock";
import { silentLogger } from "../../src/core/logger";
import { createMemoryCursorStore, readIncrementally, type PageResult } from "../../src/flows/incremental-read";
import type { RunScope } from "../../src/flows/ports";

interface Fake {
  id: string;
  updatedAt: number;
}

const start = Date.UTC(2026, 2, 10, 12, 0, 0);
const minute = 60_000;
const day = 86_400_000;

/** Xero's list semantics: updated at or after If-Modified-Since, UpdatedDateUTC ascending, pages of `pageSize`. */
function fakeXero(records: Fake[]) {
  const queries: IncrementalQuery[] = [];
  return {
    queries,
    records,
    source: {
      read(query: IncrementalQuery): Promise<Fake[]> {
        queries.push(query);
        // Copies: an answer is a snapshot, later changes in Xero do not reach it.
        if (query.ids !== undefined)
          return Promise.resolve(
            records.filter((record) => query.ids?.includes(record.id)).map((record) => ({ ...record })),
          );
        const since = query.modifiedSince?.getTime() ?? Number.NEGATIVE_INFINITY;
        const sorted = records.filter((record) => record.updatedAt >= since).sort((a, b) => a.updatedAt - b.updatedAt);
        const size = query.pageSize ?? 100;
        const page = query.page ?? 1;
        return Promise.resolve(sorted.slice((page - 1) * size, page * size).map((record) => ({ ...record })));
      },
      id: (record: Fake) => record.id,
      updatedAt: (record: Fake) => new Date(record.updatedAt).toISOString(),
    },
  };
}

function setup() {
  const clock = new ManualClock(start);
  const cursors = createMemoryCursorStore();
  const scope: RunScope = {
    connectionId: "c1",
    connectorId: "k1",
    isDefaultConnector: true,
    flow: "PaymentsFromXero",
    modifiedSince: new Date(start - 7 * day),
    correlationId: "t",
  };
  const deps = { cursors, clock, retrying: <T>(operation: () => Promise<T>) => operation(), logger: silentLogger };
  return { clock, cursors, scope, deps };
}

const writeAll =
  (written: string[]) =>
  (records: Fake[]): Promise<PageResult> => {
    written.push(...records.map((record) => record.id));
    return Promise.resolve({ synced: records.length, failed: 0, retryIds: [] });
  };

test("the first run reads the data flow's last X days; the cursor then sits at the run's start", async () => {
  const { deps, scope, cursors } = setup();
  const xero = fakeXero([
    { id: "old", updatedAt: start - 8 * day },
    { id: "new", updatedAt: start - day },
  ]);
  const written: string[] = [];
  const result = await readIncrementally(deps, scope, xero.source, writeAll(written));
  expect(written).toStrictEqual(["new"]);
  expect(xero.queries).toStrictEqual([{ modifiedSince: new Date(start - 7 * day), page: 1, pageSize: 100 }]);
  expect(result).toStrictEqual({ synced: 1, failed: 0, reads: 1, cursorInFuture: false, complete: true });
  expect(cursors.peek("c1", "PaymentsFromXero")).toStrictEqual({
    modifiedUpTo: new Date(start).toISOString(),
    coveredFrom: new Date(start - 7 * day).toISOString(),
    retry: [],
  });
});

test("when sync last X days grows, the wider window is read again, page by page, and then carries on", async () => {
  const { deps, scope, clock, cursors } = setup();
  const xero = fakeXero([
    { id: "older", updatedAt: start - 20 * day },
    { id: "old", updatedAt: start - 10 * day },
    { id: "recent", updatedAt: start - day },
  ]);
  const written: string[] = [];
  await readIncrementally(deps, scope, xero.source, writeAll(written));
  expect(written).toStrictEqual(["recent"]);

  // The admin sets "sync last X days" to 30: the next schedule's window starts 30 days back.
  clock.advance(60 * minute);
  const wider = { ...scope, modifiedSince: new Date(clock.now() - 30 * day) };
  const first = await readIncrementally(deps, wider, xero.source, writeAll(written), { pageSize: 1, maxPages: 1 });
  expect(first.complete).toBe(false);
  expect(written).toStrictEqual(["recent", "older"]);
  // Part way through the backfill the cursor sits inside it (behind where it was), and knows the wider start.
  expect(cursors.peek("c1", "PaymentsFromXero")).toMatchObject({
    modifiedUpTo: new Date(start - 20 * day - 1).toISOString(),
    coveredFrom: wider.modifiedSince.toISOString(),
  });
  // Later runs carry on from there rather than starting over again.
  await readIncrementally(deps, wider, xero.source, writeAll(written), { pageSize: 1, maxPages: 5 });
  expect(written).toStrictEqual(["recent", "older", "older", "old", "recent"]);
  expect(cursors.peek("c1", "PaymentsFromXero")?.modifiedUpTo).toBe(new Date(clock.now()).toISOString());
});

test("the next run reads from the cursor minus the overlap", async () => {
  const { deps, scope, clock } = setup();
  const xero = fakeXero([]);
  await readIncrementally(deps, scope, xero.source, writeAll([]));
  clock.advance(60 * minute);
  await readIncrementally(deps, scope, xero.source, writeAll([]));
  expect(xero.queries[1]).toStrictEqual({ modifiedSince: new Date(start - 5 * minute), page: 1, pageSize: 100 });
});

test("a cursor in the future (the year 2200) does no work", async () => {
  const { deps, scope, cursors } = setup();
  await cursors.save("c1", "PaymentsFromXero", { modifiedUpTo: "2200-01-01T00:00:00.000Z", retry: [] }, undefined);
  const xero = fakeXero([{ id: "a", updatedAt: start - minute }]);
  const handle = jest.fn(writeAll([]));
  const result = await readIncrementally(deps, scope, xero.source, handle);
  expect(result).toStrictEqual({ synced: 0, failed: 0, reads: 0, cursorInFuture: true, complete: false });
  expect(xero.queries).toStrictEqual([]);
  expect(handle).not.toHaveBeenCalled();
});

test("full pages continue from the last change read, saving the cursor only after each page is written", async () => {
  const { deps, scope, cursors } = setup();
  const xero = fakeXero([1, 2, 3, 4, 5].map((n) => ({ id: `r${n}`, updatedAt: start - day + n * minute })));
  const saved: string[] = [];
  const written: string[] = [];
  const result = await readIncrementally(
    deps,
    scope,
    xero.source,
    async (records) => {
      // What the cursor says when the page is handled: never past what was written before this page.
      saved.push(cursors.peek("c1", "PaymentsFromXero")?.modifiedUpTo ?? "none");
      return writeAll(written)(records);
    },
    { pageSize: 2 },
  );
  expect(xero.queries.map((query) => [query.modifiedSince?.getTime(), query.page])).toStrictEqual([
    [start - 7 * day, 1],
    [start - day + 2 * minute - 1, 1],
    [start - day + 3 * minute - 1, 1],
    [start - day + 4 * minute - 1, 1],
    [start - day + 5 * minute - 1, 1],
  ]);
  // Each next page re-reads the boundary record (writes are idempotent); with Xero's 100 a page that is 1 in 100.
  expect(written).toStrictEqual(["r1", "r2", "r2", "r3", "r3", "r4", "r4", "r5", "r5"]);
  expect(saved).toStrictEqual([
    "none",
    ...[2, 3, 4, 5].map((n) => new Date(start - day + n * minute - 1).toISOString()),
  ]);
  expect(result.complete).toBe(true);
  expect(cursors.peek("c1", "PaymentsFromXero")?.modifiedUpTo).toBe(new Date(start).toISOString());
});

test("a record changed while paging moves to the end and is still read (no page shifts one past us)", async () => {
  const { deps, scope } = setup();
  const xero = fakeXero([1, 2, 3, 4].map((n) => ({ id: `r${n}`, updatedAt: start - day + n * minute })));
  const written: string[] = [];
  await readIncrementally(
    deps,
    scope,
    xero.source,
    async (records) => {
      // After the first page, r1 changes in Xero: with page numbers, r3 would slide onto page 1 and be skipped.
      if (written.length === 0) (xero.records[0] as Fake).updatedAt = start - minute;
      return writeAll(written)(records);
    },
    { pageSize: 2 },
  );
  expect(new Set(written)).toStrictEqual(new Set(["r1", "r2", "r3", "r4"]));
});

test("records whose write failed are read again by id next run, then given up on after the attempts", async () => {
  const { deps, scope, clock, cursors } = setup();
  const xero = fakeXero([{ id: "bad", updatedAt: start - day }]);
  const failing = (records: Fake[]): Promise<PageResult> =>
    Promise.resolve({ synced: 0, failed: records.length, retryIds: records.map((record) => record.id) });
  await readIncrementally(deps, scope, xero.source, failing, { maxRetryAttempts: 2 });
  expect(cursors.peek("c1", "PaymentsFromXero")?.retry).toStrictEqual([{ id: "bad", attempts: 1 }]);
  clock.advance(day);
  await readIncrementally(deps, scope, xero.source, failing, { maxRetryAttempts: 2 });
  expect(xero.queries[1]).toStrictEqual({ ids: ["bad"], page: 1, pageSize: 100 });
  expect(cursors.peek("c1", "PaymentsFromXero")?.retry).toStrictEqual([{ id: "bad", attempts: 2 }]);
  clock.advance(day);
  await readIncrementally(deps, scope, xero.source, failing, { maxRetryAttempts: 2 });
  expect(cursors.peek("c1", "PaymentsFromXero")?.retry).toStrictEqual([]);
});

test("a page that is all one instant goes on by page number", async () => {
  const { deps, scope } = setup();
  const xero = fakeXero([1, 2, 3].map((n) => ({ id: `r${n}`, updatedAt: start - day })));
  const written: string[] = [];
  await readIncrementally(deps, scope, xero.source, writeAll(written), { pageSize: 2 });
  expect(xero.queries.map((query) => query.page)).toStrictEqual([1, 2]);
  expect(written).toStrictEqual(["r1", "r2", "r3"]);
});
