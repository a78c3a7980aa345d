import { createMemoryRateGate } from "../../../src/adapters/xero/rate-gate";
import { ManualClock } from "../../../src/core/clock";

describe("the in-memory rate gate (shared budget rules)", () => {
  test("the 61st call in a minute waits for the window on the clock, and Retry-After blocks", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const waits: number[] = [];
    const gate = createMemoryRateGate({
      clock,
      sleep: (ms) => {
        waits.push(ms);
        clock.advance(ms);
        return Promise.resolve();
      },
    });
    for (let index = 0; index < 60; index++) await gate.run("t", () => Promise.resolve("ok"));
    expect(waits).toStrictEqual([]);
    await gate.run("t", () => Promise.resolve("ok"));
    expect(waits.length).toBe(1);
    expect(clock.now() - Date.UTC(2026, 0, 1)).toBeGreaterThanOrEqual(60_000);
    await expect(
      gate.run(
        "t",
        () => Promise.reject(new Error("429")),
        () => ({ retryAfterMs: 5_000 }),
      ),
    ).rejects.toThrow("429");
    const before = clock.now();
    await gate.run("t", () => Promise.resolve("ok"));
    expect(clock.now() - before).toBeGreaterThanOrEqual(5_000);
    expect(await gate.callsRemainingToday("t")).toBe(5000 - 63);
  });

  test("a spent day fails fast as transient with the wait as Retry-After", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const gate = createMemoryRateGate({
      clock,
      sleep: (ms) => Promise.resolve(clock.advance(ms)),
      limits: { concurrent: 5, perMinute: 60, perDay: 2 },
    });
    await gate.run("t", () => Promise.resolve(1));
    await gate.run("t", () => Promise.resolve(2));
    await expect(gate.run("t", () => Promise.resolve(3))).rejects.toMatchObject({
      kind: "transient",
      details: { rateLimitProblem: "day" },
    });
  });

  test("no more than five calls in flight", async () => {
    const clock = new ManualClock();
    const gate = createMemoryRateGate({ clock, sleep: (ms) => Promise.resolve(clock.advance(ms)) });
    let inFlight = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const calls = Array.from({ length: 8 }, () =>
      gate.run("t", async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight -= 1;
      }),
    );
    for (let round = 0; round < 8; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()?.();
    }
    await Promise.all(calls);
    expect(peak).toBe(5);
  });
});
