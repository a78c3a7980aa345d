// The realtime table on a real Azurite: markers merge and settle by ETag, event identities are claimed once and swept.
import type { Azurite } from "../../../sandbox/src/azurite";
import { ManualClock } from "../../src/core/clock";
import { createTableRealtimeStore, type RealtimeStore } from "../../src/realtime/realtime-store";
import { freshTable, startStorage } from "../support/storage";

describe("the realtime table (Azurite)", () => {
  let azurite: Azurite;
  let store: RealtimeStore;
  let clock: ManualClock;
  beforeAll(async () => {
    azurite = await startStorage();
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
  });
  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    store = createTableRealtimeStore(await freshTable(azurite, "realtime"), clock);
  });

  it("merges events for one record into one marker and lists a flow's markers oldest first", async () => {
    expect(await store.mark("conn-1", "InvoicesToXero", "B", "c-1")).toStrictEqual({ merged: false });
    clock.advance(10);
    expect(await store.mark("conn-1", "InvoicesToXero", "a", "c-2")).toStrictEqual({ merged: false });
    expect(await store.mark("conn-1", "InvoicesToXero", "b", "c-3")).toStrictEqual({ merged: true });
    await store.mark("conn-1", "PaymentsFromXero", "x", "c-4");
    const markers = await store.listMarkers("conn-1", "InvoicesToXero", 10);
    expect(markers.map((marker) => [marker.recordId, marker.events])).toStrictEqual([
      ["b", 2],
      ["a", 1],
    ]);
    expect(await store.listMarkers("conn-1", "InvoicesToXero", 1)).toHaveLength(1);
  });

  it("settles only markers no event touched since they were listed", async () => {
    await store.mark("conn-1", "InvoicesToXero", "a", "c-1");
    await store.mark("conn-1", "InvoicesToXero", "b", "c-2");
    const listed = await store.listMarkers("conn-1", "InvoicesToXero", 10);
    await store.mark("conn-1", "InvoicesToXero", "b", "c-3");
    expect(await store.settle("conn-1", "InvoicesToXero", listed)).toStrictEqual(["b"]);
    expect(await store.isMarked("conn-1", "InvoicesToXero", "a")).toBe(false);
    expect(await store.isMarked("conn-1", "InvoicesToXero", "b")).toBe(true);
  });

  it("claims an event identity once, releases it, and sweeps old ones", async () => {
    expect(await store.claimEvent("T-1", "evt|1")).toBe(true);
    expect(await store.claimEvent("t-1", "evt|1")).toBe(false);
    await store.releaseEvent("T-1", "evt|1");
    expect(await store.claimEvent("T-1", "evt|1")).toBe(true);
    clock.advance(4 * 86_400_000);
    expect(await store.claimEvent("T-1", "evt|2")).toBe(true);
    expect(await store.sweepEvents(new Date(clock.now() - 86_400_000))).toBe(1);
    expect(await store.claimEvent("T-1", "evt|1")).toBe(true);
    expect(await store.claimEvent("T-1", "evt|2")).toBe(false);
  });

  it("keeps the organisation index", async () => {
    await store.setOrganisation("ORG-1", "conn-1");
    expect(await store.getOrganisation("org-1")).toBe("conn-1");
    await store.deleteOrganisation("org-1");
    expect(await store.getOrganisation("org-1")).toBeUndefined();
  });

  it("records a connection's registration state, replacing the whole row (a success clears the failure)", async () => {
    expect(await store.getRegistration("conn-1")).toBeUndefined();
    const failed = {
      registered: false,
      failedFor: true,
      failures: 2,
      retryAfter: "2026-03-02T09:30:00.000Z",
      lastError: "Real-time could not be switched on: …",
    };
    await store.saveRegistration("conn-1", failed);
    expect(await store.getRegistration("conn-1")).toStrictEqual(failed);
    await store.saveRegistration("conn-1", { registered: true, syncedAt: "2026-03-02T09:31:00.000Z" });
    expect(await store.getRegistration("conn-1")).toStrictEqual({
      registered: true,
      syncedAt: "2026-03-02T09:31:00.000Z",
    });
    await store.saveRegistration("conn-2", { registered: false, held: true });
    expect(await store.getRegistration("conn-2")).toStrictEqual({ registered: false, held: true });
    expect(await store.getRegistration("conn-1")).toMatchObject({ registered: true });
  });

  it("keeps one registration claim per connection until it is released or expires", async () => {
    const first = await store.claimRegistration("conn-1", 60_000);
    expect(first).toBeDefined();
    expect(await store.claimRegistration("conn-1", 60_000)).toBeUndefined();
    expect(await store.claimRegistration("conn-2", 60_000)).toBeDefined();
    await first?.release();
    const second = await store.claimRegistration("conn-1", 60_000);
    expect(second).toBeDefined();
    // A crashed holder: its claim expires and the next writer takes it; the late release leaves the new claim alone.
    clock.advance(60_001);
    const third = await store.claimRegistration("conn-1", 60_000);
    expect(third).toBeDefined();
    await second?.release();
    expect(await store.claimRegistration("conn-1", 60_000)).toBeUndefined();
    await third?.release();
    expect(await store.claimRegistration("conn-1", 60_000)).toBeDefined();
  });

  it("two writers racing for a free claim: exactly one gets it", async () => {
    const claims = await Promise.all([1, 2, 3, 4].map(() => store.claimRegistration("conn-race", 60_000)));
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
  });
});
