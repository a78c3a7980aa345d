// The rate gate every Xero call passes through: Xero's limits per organisation per app are 5 concurrent calls, 60 per
// minute and 5,000 per day; a 429 carries Retry-After and X-Rate-Limit-Problem, and every answer carries
// X-MinLimit-Remaining / X-DayLimit-Remaining: https://developer.xero.com/documentation/guides/oauth2/limits/
// The port lets a shared (Table Storage) budget replace the in-process one; both learn from the answer headers.
import { SyncError } from "../../core/errors";
import type { Clock } from "../../core/clock";
import type { Sleep } from "../../core/retry";

export type Release = () => void;

export interface RateObservation {
  status: number;
  headers: Readonly<Record<string, unknown>>;
  retryAfterMs?: number;
}

export interface XeroRateGate {
  /** Waits for a slot in the organisation's budget; call the release when the request is answered. */
  acquire(tenantId: string): Promise<Release>;
  /** Learns from an answer's headers (remaining calls, Retry-After). */
  observe(tenantId: string, observation: RateObservation): void;
  /** Calls Xero said are left today, when known. */
  remainingToday(tenantId: string): number | undefined;
}

export interface RateLimits {
  concurrent: number;
  perMinute: number;
  perDay: number;
}

export const xeroLimits: RateLimits = { concurrent: 5, perMinute: 60, perDay: 5000 };

/** A day's budget that runs out is not waited for in-process: the caller stops and the next run carries on. */
const maxWaitMs = 120_000;

interface TenantBudget {
  inFlight: number;
  waiters: Array<() => void>;
  minuteStarts: number[];
  day: string;
  dayCount: number;
  blockedUntil: number;
  remainingToday?: number;
}

function headerNumber(headers: Readonly<Record<string, unknown>>, name: string): number | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const parsed = Number(Array.isArray(value) ? value[0] : value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** The budget kept in this process (one instance, or tests); the clock and sleep are injected. */
export function createLocalRateGate(options: { clock: Clock; sleep: Sleep; limits?: RateLimits }): XeroRateGate {
  const limits = options.limits ?? xeroLimits;
  const budgets = new Map<string, TenantBudget>();
  const budgetOf = (tenantId: string): TenantBudget => {
    let budget = budgets.get(tenantId);
    if (budget === undefined) {
      budget = { inFlight: 0, waiters: [], minuteStarts: [], day: "", dayCount: 0, blockedUntil: 0 };
      budgets.set(tenantId, budget);
    }
    return budget;
  };

  const waitForWindow = async (budget: TenantBudget): Promise<void> => {
    for (;;) {
      const now = options.clock.now();
      const day = new Date(now).toISOString().slice(0, 10);
      if (budget.day !== day) {
        budget.day = day;
        budget.dayCount = 0;
        delete budget.remainingToday;
      }
      if (budget.dayCount >= limits.perDay || budget.remainingToday === 0) {
        const retryAfterMs = Date.parse(`${day}T00:00:00Z`) + 86_400_000 - now;
        throw new SyncError(`Xero's daily call limit for this organisation is used up`, {
          kind: "transient",
          details: { source: "xero", status: 429, rateLimitProblem: "day", retryAfterMs },
        });
      }
      budget.minuteStarts = budget.minuteStarts.filter((start) => start > now - 60_000);
      let waitMs = Math.max(0, budget.blockedUntil - now);
      const oldest = budget.minuteStarts[0];
      if (waitMs === 0 && budget.minuteStarts.length >= limits.perMinute && oldest !== undefined) waitMs = oldest + 60_000 - now;
      if (waitMs === 0) {
        budget.minuteStarts.push(now);
        budget.dayCount += 1;
        if (budget.remainingToday !== undefined) budget.remainingToday -= 1;
        return;
      }
      if (waitMs > maxWaitMs) {
        throw new SyncError("Xero asked us to wait before calling again", {
          kind: "transient",
          details: { source: "xero", status: 429, retryAfterMs: waitMs },
        });
      }
      await options.sleep(waitMs);
    }
  };

  return {
    async acquire(tenantId) {
      const budget = budgetOf(tenantId);
      while (budget.inFlight >= limits.concurrent) await new Promise<void>((resolve) => budget.waiters.push(resolve));
      budget.inFlight += 1;
      try {
        await waitForWindow(budget);
      } catch (error) {
        budget.inFlight -= 1;
        budget.waiters.shift()?.();
        throw error;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        budget.inFlight -= 1;
        budget.waiters.shift()?.();
      };
    },
    observe(tenantId, observation) {
      const budget = budgetOf(tenantId);
      const now = options.clock.now();
      const day = headerNumber(observation.headers, "x-daylimit-remaining");
      if (day !== undefined) budget.remainingToday = day;
      const minute = headerNumber(observation.headers, "x-minlimit-remaining");
      if (minute === 0) budget.blockedUntil = Math.max(budget.blockedUntil, now + 60_000 - (now % 60_000));
      if (observation.status === 429) budget.blockedUntil = Math.max(budget.blockedUntil, now + (observation.retryAfterMs ?? 60_000));
    },
    remainingToday(tenantId) {
      const budget = budgets.get(tenantId);
      if (budget === undefined) return undefined;
      return budget.remainingToday ?? limits.perDay - budget.dayCount;
    },
  };
}
