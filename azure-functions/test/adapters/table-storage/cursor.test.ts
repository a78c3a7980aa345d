import { z } from "zod";
import type { Azurite } from "../../../../sandbox/src/azurite";
import { SyncCursor, advanceCursor, planReadWindow } from "../../../src/adapters/table-storage/cursor";
import { createCursorStore } from "../../../src/adapters/table-storage/cursor-store";
import { SyncError } from "../../../src/core/errors";
import { freshTable, startStorage } from "../../support/storage";

const now = Date.UTC(2026, 4, 10, 12, 0, 0);

describe("cursor maths", () => {
  it("reads the look-back window on the first run", () => {
    expect(planReadWindow(undefined, { now, lookbackDays: 7 })).toStrictEqual({ kind: "read", modifiedSince: new Date(Date.UTC(2026, 4, 3, 12)), until: new Date(now), restart: false });
  });

  it("reads since the cursor, minus the overlap", () => {
    expect(planReadWindow({ modifiedUpTo: "2026-05-10T11:00:00.000Z" }, { now, lookbackDays: 7, overlapMs: 60_000 })).toStrictEqual({
      kind: "read",
      modifiedSince: new Date(Date.UTC(2026, 4, 10, 10, 59)),
      until: new Date(now),
      restart: false,
    });
  });

  it("reads the whole window again when sync last X days grows past where the reads began", () => {
    const cursor = { modifiedUpTo: "2026-05-10T11:00:00.000Z", coveredFrom: "2026-05-03T11:30:00.000Z" };
    // 7 days from a later "now": the window starts after coveredFrom (minus scheduling jitter) — carry on.
    expect(planReadWindow(cursor, { now, lookbackDays: 7, overlapMs: 0 })).toMatchObject({ restart: false, modifiedSince: new Date(Date.parse(cursor.modifiedUpTo)) });
    // 30 days: the window reaches 23 days before the reads began — read it all again.
    expect(planReadWindow(cursor, { now, lookbackDays: 30 })).toStrictEqual({
      kind: "read",
      modifiedSince: new Date(Date.UTC(2026, 3, 10, 12)),
      until: new Date(now),
      restart: true,
    });
    // A smaller look-back never restarts; neither does a cursor from before coveredFrom was recorded.
    expect(planReadWindow(cursor, { now, lookbackDays: 1 })).toMatchObject({ restart: false });
    expect(planReadWindow({ modifiedUpTo: cursor.modifiedUpTo }, { now, lookbackDays: 30 })).toMatchObject({ restart: false });
  });

  it("does no work for a cursor in the year 2200", () => {
    expect(planReadWindow({ modifiedUpTo: "2200-01-01T00:00:00.000Z" }, { now, lookbackDays: 7 })).toStrictEqual({ kind: "nothingToDo", reason: "cursor-in-future" });
    // A cursor just ahead within the tolerated skew still reads (from now).
    expect(planReadWindow({ modifiedUpTo: "2026-05-10T12:01:00.000Z" }, { now, lookbackDays: 7, overlapMs: 0 })).toMatchObject({ kind: "read", modifiedSince: new Date(now) });
  });

  it("advances to the window end when complete, to the last written record otherwise, never backwards", () => {
    const window = { until: new Date(now) };
    const previous = { modifiedUpTo: "2026-05-10T10:00:00.000Z" };
    expect(advanceCursor(previous, window, { complete: true })).toStrictEqual({ modifiedUpTo: "2026-05-10T12:00:00.000Z" });
    expect(advanceCursor(previous, window, { complete: false, lastWrittenModifiedOn: new Date(Date.UTC(2026, 4, 10, 11)) })).toStrictEqual({ modifiedUpTo: "2026-05-10T11:00:00.000Z" });
    expect(advanceCursor(previous, window, { complete: false, lastWrittenModifiedOn: new Date(Date.UTC(2026, 4, 10, 9)) })).toBe(previous);
    expect(advanceCursor(previous, window, { complete: false, lastWrittenModifiedOn: undefined })).toBe(previous);
    expect(advanceCursor(undefined, window, { complete: false, lastWrittenModifiedOn: new Date(Date.UTC(2027, 0, 1)) })).toStrictEqual({ modifiedUpTo: "2026-05-10T12:00:00.000Z" });
  });
});

describe("cursor store (Azurite)", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("saves with ETags and refuses a save based on a stale read", async () => {
    const store = createCursorStore(await freshTable(azurite, "cursor"), SyncCursor);
    expect(await store.get("c1", "PaymentsFromXero")).toBeUndefined();
    const etag = await store.save("c1", "PaymentsFromXero", { modifiedUpTo: "2026-05-10T10:00:00.000Z" }, undefined);
    const read = await store.get("c1", "PaymentsFromXero");
    expect(read?.cursor).toStrictEqual({ modifiedUpTo: "2026-05-10T10:00:00.000Z" });
    await store.save("c1", "PaymentsFromXero", { modifiedUpTo: "2026-05-10T11:00:00.000Z" }, read?.etag);
    await expect(store.save("c1", "PaymentsFromXero", { modifiedUpTo: "2026-05-10T12:00:00.000Z" }, etag)).rejects.toMatchObject({ kind: "conflict" });
    await expect(store.save("c1", "PaymentsFromXero", { modifiedUpTo: "not a date" }, undefined)).rejects.toThrow();
    await store.reset("c1", "PaymentsFromXero");
    expect(await store.get("c1", "PaymentsFromXero")).toBeUndefined();
  });

  it("refuses a stored cursor that no longer matches its schema", async () => {
    const table = await freshTable(azurite, "cursor");
    await createCursorStore(table, z.object({ page: z.number() })).save("c1", "f", { page: 1 }, undefined);
    await expect(createCursorStore(table, SyncCursor).get("c1", "f")).rejects.toBeInstanceOf(SyncError);
  });
});
