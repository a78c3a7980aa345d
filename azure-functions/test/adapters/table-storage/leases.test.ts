import type { Azurite } from "../../../../sandbox/src/azurite";
import { createLeaseStore, withLeaseWaiting, type Every } from "../../../src/adapters/table-storage/leases";
import { ManualClock } from "../../../src/core/clock";
import { freshTable, startStorage } from "../../support/storage";

describe("leases (Azurite)", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("lets exactly one of many concurrent acquirers hold a lease", async () => {
    const leases = createLeaseStore(await freshTable(azurite, "lease"), new ManualClock());
    const results = await Promise.all(Array.from({ length: 10 }, () => leases.acquire("c1", "InvoicesToXero", 60_000)));
    expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
  });

  it("expires by the clock, renews, and is released only by its holder", async () => {
    const clock = new ManualClock();
    const leases = createLeaseStore(await freshTable(azurite, "lease"), clock);
    const first = await leases.acquire("c1", "PaymentsFromXero", 60_000, "a");
    expect(first).toBeDefined();
    expect(await leases.acquire("c1", "PaymentsFromXero", 60_000, "b")).toBeUndefined();
    expect(await leases.acquire("c1", "InvoicesToXero", 60_000, "b")).toBeDefined();
    clock.advance(30_000);
    const renewed = first === undefined ? undefined : await leases.renew(first, 60_000);
    clock.advance(45_000);
    expect(await leases.acquire("c1", "PaymentsFromXero", 60_000, "b")).toBeUndefined();
    clock.advance(20_000);
    const taken = await leases.acquire("c1", "PaymentsFromXero", 60_000, "b");
    expect(taken?.owner).toBe("b");
    if (renewed === undefined || first === undefined) throw new Error("expected leases");
    await expect(leases.renew(renewed, 60_000)).rejects.toMatchObject({ kind: "conflict" });
    expect(await leases.release(renewed)).toBe(false);
    expect(await leases.release(taken ?? renewed)).toBe(true);
    expect(await leases.acquire("c1", "PaymentsFromXero", 60_000, "c")).toBeDefined();
  });

  it("withLease runs work once and releases, and skips when held", async () => {
    const leases = createLeaseStore(await freshTable(azurite, "lease"), new ManualClock());
    const inner = await leases.withLease("c1", "ReferenceData", 60_000, async ({ renew }) => {
      await renew();
      return leases.withLease("c1", "ReferenceData", 60_000, () => Promise.resolve("nested"));
    });
    expect(inner).toStrictEqual({ ran: true, value: { ran: false } });
    expect(await leases.withLease("c1", "ReferenceData", 60_000, () => Promise.resolve("again"))).toStrictEqual({ ran: true, value: "again" });
  });

  it("withLeaseWaiting serialises concurrent critical sections and gives up after its wait", async () => {
    const clock = new ManualClock();
    const leases = createLeaseStore(await freshTable(azurite, "lease"), clock);
    const key = { connectionId: "org-contoso", flow: "DefaultConnector" };
    const sleep = (ms: number): Promise<void> => {
      clock.advance(ms);
      return new Promise((resolve) => setTimeout(resolve, 5));
    };
    let inside = 0;
    let most = 0;
    const section = async (): Promise<number> => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
      return inside;
    };
    const options = { durationMs: 60_000, waitMs: 60_000, pollMs: 10, clock, sleep };
    await Promise.all(Array.from({ length: 5 }, () => withLeaseWaiting(leases, key, options, section)));
    expect(most).toBe(1);

    const held = await leases.acquire(key.connectionId, key.flow, 600_000, "elsewhere");
    expect(held).toBeDefined();
    await expect(withLeaseWaiting(leases, key, { ...options, waitMs: 100 }, section)).rejects.toMatchObject({ kind: "conflict" });
  });

  it("withLease's heartbeat keeps a long run's lease past its duration, and stops with the run", async () => {
    const clock = new ManualClock();
    const ticks: Array<() => void> = [];
    let intervalMs = 0;
    const every: Every = (ms, tick) => {
      intervalMs = ms;
      ticks.push(tick);
      return () => ticks.splice(ticks.indexOf(tick), 1);
    };
    const leases = createLeaseStore(await freshTable(azurite, "lease"), clock, { every });
    const contenders: Array<boolean> = [];
    let finish: () => void = () => undefined;
    const running = leases.withLease("c1", "InvoicesToXero", 60_000, () => new Promise<string>((resolve) => (finish = () => resolve("done"))));
    while (ticks.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(intervalMs).toBe(20_000);
    for (let beat = 0; beat < 6; beat++) {
      clock.advance(20_000);
      ticks.forEach((tick) => tick());
      await new Promise((resolve) => setTimeout(resolve, 30));
      contenders.push((await leases.acquire("c1", "InvoicesToXero", 60_000, "other")) !== undefined);
    }
    expect(contenders).toStrictEqual([false, false, false, false, false, false]);
    finish();
    expect(await running).toStrictEqual({ ran: true, value: "done" });
    expect(ticks).toHaveLength(0);
    expect(await leases.acquire("c1", "InvoicesToXero", 60_000, "other")).toBeDefined();
  });
});
