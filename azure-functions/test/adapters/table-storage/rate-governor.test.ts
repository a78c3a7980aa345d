import type { Azurite } from "../../../../sandbox/src/azurite";
import { createRateGovernor, toRateObservationFromError } from "../../../src/adapters/table-storage/rate-governor";
import { ManualClock } from "../../../src/core/clock";
import { SyncError } from "../../../src/core/errors";
import { createMemoryLogger } from "../../../src/core/logger";
import { findSecretsInLogs } from "../../support/log-scan";
import { freshTable, recordingSleep, startStorage } from "../../support/storage";

const logger = createMemoryLogger();

describe("rate governor (Azurite)", () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startStorage();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("shares one concurrency budget between instances", async () => {
    const table = await freshTable(azurite, "rate");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const governors = Array.from({ length: 4 }, () => createRateGovernor({ table, clock, limits: { concurrent: 2, perMinute: 60, perDay: 5000 }, pollIntervalMs: 5 }));
    let running = 0;
    let peak = 0;
    const calls = Array.from({ length: 8 }, (_unused, index) =>
      (governors[index % 4] ?? createRateGovernor({ table, clock })).run("tenant-1", async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 15));
        running--;
        return index;
      }),
    );
    expect(await Promise.all(calls)).toStrictEqual(Array.from({ length: 8 }, (_unused, index) => index));
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThan(0);
    expect(await governors[0]?.callsRemainingToday("tenant-1")).toBe(5000 - 8);
    expect((await governors[0]?.snapshot("tenant-1"))?.inFlight).toStrictEqual({});
  });

  it("waits for the minute window with the injected sleep, and gives up beyond maxWaitMs", async () => {
    const table = await freshTable(azurite, "rate");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sleeps: number[] = [];
    const governor = createRateGovernor({
      table,
      clock,
      limits: { concurrent: 5, perMinute: 3, perDay: 5 },
      maxWaitMs: 120_000,
      sleep: recordingSleep(sleeps, clock),
      random: () => 0,
      logger,
    });
    for (let index = 0; index < 4; index++) await governor.run("t", () => Promise.resolve(index));
    expect(sleeps).toStrictEqual([60_000]);
    await governor.run("t", () => Promise.resolve(5));
    const failure = await governor.acquire("t").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SyncError);
    expect((failure as SyncError).toJSON()).toMatchObject({ kind: "transient", details: { rateLimitProblem: "day" } });
    expect(await governor.callsRemainingToday("t")).toBe(0);
  });

  it("learns from answers and from a 429's Retry-After", async () => {
    const table = await freshTable(azurite, "rate");
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const sleeps: number[] = [];
    const governor = createRateGovernor({ table, clock, sleep: recordingSleep(sleeps, clock) });
    await governor.run("t", () => Promise.resolve("answer"), () => ({ dayRemaining: 1234 }));
    expect(await governor.callsRemainingToday("t")).toBe(1234);
    const rateLimited = new SyncError("429", { kind: "transient", details: { status: 429, retryAfterMs: 5000, rateLimitProblem: "minute" } });
    await expect(governor.run("t", () => Promise.reject(rateLimited), ({ error }) => toRateObservationFromError(error))).rejects.toBe(rateLimited);
    await governor.run("t", () => Promise.resolve("after"));
    expect(sleeps).toStrictEqual([5000]);
  });

  it("logged its waits without a token, secret or code", () => {
    expect(logger.entries.map((entry) => entry.message)).toContain("waiting for Xero's rate limit");
    expect(findSecretsInLogs(logger.entries, [])).toStrictEqual([]);
  });
});
