import { ManualClock } from "../../../src/clock";
import { RateLimiter, defaultRateLimits } from "../../../src/xero/limits/rate-limiter";
import { expectNoSpecViolations, rejectionOf, renewToken, startHarness, type Harness } from "../harness";

const minute = 60_000;

describe("RateLimiter", () => {
  it("refuses the 61st call in a minute, says how long to wait, and admits again as the window rolls", () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter(defaultRateLimits, clock);
    for (let call = 0; call < 60; call += 1) {
      const admission = limiter.admit("t");
      if (!admission.ok) throw new Error(`call ${call} refused`);
      admission.release();
      clock.advance(500);
    }
    const refused = limiter.admit("t");
    expect(refused).toMatchObject({ ok: false, problem: "minute", retryAfterSeconds: 30 });
    clock.advance(30_000);
    expect(limiter.admit("t").ok).toBe(true);
  });

  it("keeps each organisation's budget apart and shares the app budget", () => {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter({ ...defaultRateLimits, appPerMinute: 3 }, clock);
    expect(limiter.admit("a").ok).toBe(true);
    expect(limiter.admit("b").ok).toBe(true);
    expect(limiter.admit("c").ok).toBe(true);
    expect(limiter.admit("d")).toMatchObject({ ok: false, problem: "appminute" });
    expect(limiter.headers("a")).toEqual({
      "X-MinLimit-Remaining": "59",
      "X-DayLimit-Remaining": "4999",
      "X-AppMinLimit-Remaining": "0",
    });
  });

  it("counts calls in progress and frees the slot on release", () => {
    const limiter = new RateLimiter({ ...defaultRateLimits, concurrent: 2 }, new ManualClock(0));
    const first = limiter.admit("t");
    const second = limiter.admit("t");
    expect(limiter.admit("t")).toMatchObject({ ok: false, problem: "concurrent" });
    if (!first.ok || !second.ok) throw new Error("the first two calls are admitted");
    first.release();
    first.release();
    expect(limiter.admit("t").ok).toBe(true);
    expect(limiter.admit("t").ok).toBe(false);
  });
});

describe("Xero emulator: rate limits through xero-node", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { perDay: 100 } });
  });
  afterAll(async () => {
    await h.emulator.stop();
    expectNoSpecViolations(h.emulator);
  });

  it("puts the three remaining-counters on every answer", async () => {
    const answer = await h.xero.accountingApi.getOrganisations(h.tenantId);
    const headers = answer.response.headers as Record<string, string>;
    expect(Number(headers["x-minlimit-remaining"])).toBe(59);
    expect(Number(headers["x-daylimit-remaining"])).toBe(99);
    expect(Number(headers["x-appminlimit-remaining"])).toBe(9999);
  });

  it("answers the 61st call of a minute with 429, Retry-After and X-Rate-Limit-Problem: minute", async () => {
    h.clock.advance(2 * minute);
    for (let call = 0; call < 60; call += 1) await h.xero.accountingApi.getCurrencies(h.tenantId);
    const rejection = await rejectionOf(h.xero.accountingApi.getCurrencies(h.tenantId));
    expect(rejection.statusCode).toBe(429);
    expect(rejection.headers["x-rate-limit-problem"]).toBe("minute");
    expect(Number(rejection.headers["retry-after"])).toBe(60);
    expect(rejection.headers["x-minlimit-remaining"]).toBe("0");
    h.clock.advance(minute);
    expect((await h.xero.accountingApi.getCurrencies(h.tenantId)).response.status).toBe(200);
  });

  it("runs out of the day's budget and gets it back 24 hours on, on the emulated clock", async () => {
    h.clock.advance(2 * minute);
    for (;;) {
      try {
        await h.xero.accountingApi.getCurrencies(h.tenantId);
      } catch (error) {
        const { statusCode, headers } = JSON.parse(String(error)).response as {
          statusCode: number;
          headers: Record<string, string>;
        };
        expect(statusCode).toBe(429);
        if (headers["x-rate-limit-problem"] === "day") {
          expect(headers["x-daylimit-remaining"]).toBe("0");
          expect(Number(headers["retry-after"])).toBeGreaterThan(23 * 60 * 60 - 600);
          break;
        }
        h.clock.advance(minute);
      }
    }
    h.clock.advance(24 * 60 * minute);
    renewToken(h);
    const answer = await h.xero.accountingApi.getCurrencies(h.tenantId);
    expect(answer.response.status).toBe(200);
  });

  it("refuses a sixth concurrent call while five are in progress", async () => {
    h.clock.advance(24 * 60 * minute);
    renewToken(h);
    h.emulator.faults.inject({ kind: "slow", count: 5, delayMs: 400 });
    const calls = Array.from({ length: 6 }, () =>
      h.xero.accountingApi.getCurrencies(h.tenantId).then(
        () => 200,
        (error: unknown) =>
          JSON.parse(String(error)).response as { statusCode: number; headers: Record<string, string> },
      ),
    );
    const results = await Promise.all(calls);
    const refused = results.filter((result) => result !== 200);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ statusCode: 429, headers: { "x-rate-limit-problem": "concurrent" } });
  });
});
