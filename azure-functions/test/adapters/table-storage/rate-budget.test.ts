import fc from "fast-check";
import {
  applyObservation,
  callsInLastDay,
  callsRemainingToday,
  emptyRateBudget,
  releasePermit,
  toRateObservation,
  tryAcquire,
  type RateBudgetState,
  type RateLimits,
} from "../../../src/adapters/table-storage/rate-budget";

const limits: RateLimits = { concurrent: 5, perMinute: 60, perDay: 5000 };
const start = Date.UTC(2026, 0, 1);
const ttl = 120_000;

describe("tryAcquire", () => {
  it("grants up to the concurrency limit, then asks to wait for a release", () => {
    let state: RateBudgetState = emptyRateBudget;
    for (let index = 0; index < 5; index++) {
      const decision = tryAcquire(state, { now: start, limits, permitId: `p${index}`, permitTtlMs: ttl });
      expect(decision.granted).toBe(true);
      state = decision.state;
    }
    expect(tryAcquire(state, { now: start, limits, permitId: "p5", permitTtlMs: ttl })).toMatchObject({ granted: false, reason: "concurrent", waitMs: 0 });
    state = releasePermit(state, { permitId: "p0", now: start, limits });
    expect(tryAcquire(state, { now: start, limits, permitId: "p5", permitTtlMs: ttl }).granted).toBe(true);
  });

  it("lets a permit lapse when its holder never releases it", () => {
    const held = tryAcquire(emptyRateBudget, { now: start, limits: { ...limits, concurrent: 1 }, permitId: "lost", permitTtlMs: ttl }).state;
    expect(tryAcquire(held, { now: start + 1000, limits: { ...limits, concurrent: 1 }, permitId: "x", permitTtlMs: ttl }).granted).toBe(false);
    expect(tryAcquire(held, { now: start + ttl + 1, limits: { ...limits, concurrent: 1 }, permitId: "x", permitTtlMs: ttl }).granted).toBe(true);
  });

  it("waits exactly until the oldest call of the minute leaves the window", () => {
    let state: RateBudgetState = emptyRateBudget;
    for (let index = 0; index < 60; index++) {
      const decision = tryAcquire(state, { now: start + index * 100, limits, permitId: `p${index}`, permitTtlMs: ttl });
      state = releasePermit(decision.state, { permitId: `p${index}`, now: start + index * 100, limits });
    }
    expect(tryAcquire(state, { now: start + 6000, limits, permitId: "next", permitTtlMs: ttl })).toMatchObject({ granted: false, reason: "minute", waitMs: 54_000 });
    expect(tryAcquire(state, { now: start + 60_001, limits, permitId: "next", permitTtlMs: ttl }).granted).toBe(true);
  });

  it("honours Retry-After and the app-wide minute limit", () => {
    const blocked = applyObservation(emptyRateBudget, { retryAfterMs: 7000, problem: "minute" }, start, limits);
    expect(tryAcquire(blocked, { now: start + 1000, limits, permitId: "a", permitTtlMs: ttl })).toMatchObject({ granted: false, reason: "blocked", waitMs: 6000 });
    expect(tryAcquire(blocked, { now: start + 7000, limits, permitId: "a", permitTtlMs: ttl }).granted).toBe(true);
    const appLimited = applyObservation(emptyRateBudget, { appMinuteRemaining: 0 }, start, limits);
    expect(tryAcquire(appLimited, { now: start + 59_999, limits, permitId: "a", permitTtlMs: ttl }).granted).toBe(false);
  });

  it("learns from Xero's remaining counts when others used the budget", () => {
    const learned = applyObservation(emptyRateBudget, { minuteRemaining: 2, dayRemaining: 100 }, start, limits);
    expect(learned.minute).toHaveLength(58);
    expect(callsInLastDay(learned, start)).toBe(4900);
    expect(callsRemainingToday(learned, start, limits)).toBe(100);
    // Our own count is never lowered by a stale header.
    expect(callsInLastDay(applyObservation(learned, { dayRemaining: 4999 }, start, limits), start)).toBe(4900);
  });

  it("stops at the daily limit and frees calls as the rolling day moves", () => {
    let state = applyObservation(emptyRateBudget, { dayRemaining: 0 }, start, limits);
    const refused = tryAcquire(state, { now: start + 1000, limits, permitId: "a", permitTtlMs: ttl });
    expect(refused).toMatchObject({ granted: false, reason: "day" });
    if (refused.granted) throw new Error("unreachable");
    state = refused.state;
    expect(tryAcquire(state, { now: start + 1000 + refused.waitMs, limits, permitId: "a", permitTtlMs: ttl }).granted).toBe(true);
  });

  it("never exceeds any limit, whatever the sequence of calls (property)", () => {
    type Step = { kind: "acquire" } | { kind: "release"; index: number } | { kind: "tick"; ms: number };
    const step = fc.oneof(
      fc.constant<Step>({ kind: "acquire" }),
      fc.nat({ max: 10 }).map<Step>((index) => ({ kind: "release", index })),
      fc.integer({ min: 1, max: 3_600_000 }).map<Step>((ms) => ({ kind: "tick", ms })),
    );
    const small: RateLimits = { concurrent: 3, perMinute: 10, perDay: 40 };
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        let state: RateBudgetState = emptyRateBudget;
        let now = start;
        const granted: number[] = [];
        const held: string[] = [];
        let counter = 0;
        for (const current of steps) {
          if (current.kind === "tick") now += current.ms;
          else if (current.kind === "release") {
            const permitId = held.splice(current.index % Math.max(1, held.length), 1)[0];
            if (permitId !== undefined) state = releasePermit(state, { permitId, now, limits: small });
          } else {
            const permitId = `p${counter++}`;
            const decision = tryAcquire(state, { now, limits: small, permitId, permitTtlMs: 10 * 3_600_000 });
            state = decision.state;
            if (decision.granted) {
              granted.push(now);
              held.push(permitId);
            }
          }
          if (held.length > small.concurrent) return false;
          if (granted.filter((time) => time > now - 60_000).length > small.perMinute) return false;
          if (granted.filter((time) => time > now - 86_400_000).length > small.perDay) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe("toRateObservation", () => {
  it("reads Xero's headers from a plain object or Headers", () => {
    expect(toRateObservation({ "X-MinLimit-Remaining": "55", "x-daylimit-remaining": "4900", "x-appminlimit-remaining": "9999" })).toStrictEqual({
      minuteRemaining: 55,
      dayRemaining: 4900,
      appMinuteRemaining: 9999,
    });
    expect(toRateObservation(new Headers({ "retry-after": "12", "x-rate-limit-problem": "minute" }))).toStrictEqual({ retryAfterMs: 12_000, problem: "minute" });
  });
});
