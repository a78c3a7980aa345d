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
});
