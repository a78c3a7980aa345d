import fc from "fast-check";
import { SyncError } from "../../src/core/errors";
import { computeRetryDelayMs, defaultRetryPolicy, withRetry } from "../../src/core/retry";
import { noSleep, recordingSleep } from "../support/storage";

describe("computeRetryDelayMs", () => {
  it("stays within the exponential ceiling", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = computeRetryDelayMs(attempt, defaultRetryPolicy, () => r);
        const ceiling = Math.min(defaultRetryPolicy.maxDelayMs, defaultRetryPolicy.baseDelayMs * 2 ** (attempt - 1));
        return delay >= 0 && delay <= ceiling;
      }),
    );
  });

  it("prefers Retry-After", () => {
    expect(computeRetryDelayMs(1, defaultRetryPolicy, () => 0.5, 7000)).toBe(7000);
  });
});

describe("withRetry", () => {
  it("retries transient errors with the computed delays, then succeeds", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        if (calls < 3) return Promise.reject(new SyncError("busy", { kind: "transient", details: calls === 2 ? { retryAfterMs: 1234 } : {} }));
        return Promise.resolve("done");
      },
      { sleep: recordingSleep(sleeps), random: () => 0.5 },
    );
    expect(result).toBe("done");
    expect(sleeps).toStrictEqual([250, 1234]);
  });

  it("does not retry permanent errors", async () => {
    let calls = 0;
    await expect(
      withRetry(() => {
        calls++;
        return Promise.reject(new SyncError("bad", { kind: "validation" }));
      }, { sleep: noSleep }),
    ).rejects.toMatchObject({ kind: "validation" });
    expect(calls).toBe(1);
  });

  it("gives up after maxAttempts and rethrows a long Retry-After at once", async () => {
    let calls = 0;
    await expect(withRetry(() => { calls++; return Promise.reject(new Error("boom")); }, { sleep: noSleep, policy: { maxAttempts: 3 } })).rejects.toBeInstanceOf(SyncError);
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      withRetry(() => { calls++; return Promise.reject(new SyncError("day limit", { kind: "transient", details: { retryAfterMs: 3_600_000 } })); }, { sleep: noSleep }),
    ).rejects.toMatchObject({ details: { retryAfterMs: 3_600_000 } });
    expect(calls).toBe(1);
  });
});
