// Xero's API limits, per connected organisation and per app, with the windows following the injectable clock.
// https://developer.xero.com/documentation/guides/oauth2/limits/
//   concurrent: 5 calls in progress at once (per organisation)
//   minute:     60 calls in a rolling minute (per organisation)
//   daily:      5,000 calls in a rolling 24 hours (per organisation; 1,000 on the Starter tier)
//   app minute: 10,000 calls in a rolling minute across all organisations
// Every answer carries X-MinLimit-Remaining, X-DayLimit-Remaining and X-AppMinLimit-Remaining; a refused call gets
// 429 with Retry-After and X-Rate-Limit-Problem (minute, day, concurrent, appminute). Refused calls do not use up the
// budget. The day is a rolling 24 hours here; Xero's reset time per organisation is not documented.
import type { Clock } from "../../clock";
import type { RateLimitProblem } from "../http/xero-errors";

export interface RateLimits {
  concurrent: number;
  perMinute: number;
  perDay: number;
  appPerMinute: number;
}

export const defaultRateLimits: RateLimits = { concurrent: 5, perMinute: 60, perDay: 5000, appPerMinute: 10_000 };

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

/** A rolling window: the instants of the calls it admitted, oldest first. */
class SlidingWindow {
  private readonly stamps: number[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly lengthMs: number,
  ) {}

  private prune(now: number): void {
    while (this.head < this.stamps.length && (this.stamps[this.head] ?? 0) <= now - this.lengthMs) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
  }

  remaining(now: number): number {
    this.prune(now);
    return Math.max(0, this.limit - (this.stamps.length - this.head));
  }

  /** Whole seconds until a slot frees up (at least 1). */
  retryAfterSeconds(now: number): number {
    this.prune(now);
    const oldest = this.stamps[this.head] ?? now;
    return Math.max(1, Math.ceil((oldest + this.lengthMs - now) / 1000));
  }

  record(now: number): void {
    this.stamps.push(now);
  }
}

interface TenantBudget {
  minute: SlidingWindow;
  day: SlidingWindow;
  inFlight: number;
}

export interface RateHeaders {
  "X-MinLimit-Remaining"?: string;
  "X-DayLimit-Remaining"?: string;
  "X-AppMinLimit-Remaining": string;
}

export type Admission =
  | { ok: true; headers: RateHeaders; release: () => void }
  | { ok: false; headers: RateHeaders; problem: RateLimitProblem; retryAfterSeconds: number };

export class RateLimiter {
  private readonly tenants = new Map<string, TenantBudget>();
  private readonly app: SlidingWindow;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {
    this.app = new SlidingWindow(limits.appPerMinute, minuteMs);
  }

  private budget(tenantId: string): TenantBudget {
    let budget = this.tenants.get(tenantId);
    if (budget === undefined) {
      budget = {
        minute: new SlidingWindow(this.limits.perMinute, minuteMs),
        day: new SlidingWindow(this.limits.perDay, dayMs),
        inFlight: 0,
      };
      this.tenants.set(tenantId, budget);
    }
    return budget;
  }

  /** Headers for an answer that did not reach an organisation (only the app limit applies). */
  appHeaders(): RateHeaders {
    return { "X-AppMinLimit-Remaining": String(this.app.remaining(this.clock.now())) };
  }

  headers(tenantId: string): RateHeaders {
    const now = this.clock.now();
    const budget = this.budget(tenantId);
    return {
      "X-MinLimit-Remaining": String(budget.minute.remaining(now)),
      "X-DayLimit-Remaining": String(budget.day.remaining(now)),
      "X-AppMinLimit-Remaining": String(this.app.remaining(now)),
    };
  }

  /** Admits a call for the tenant or says which limit refuses it; an admitted call must be released when answered. */
  admit(tenantId: string): Admission {
    const now = this.clock.now();
    const budget = this.budget(tenantId);
    const refuse = (problem: RateLimitProblem, retryAfterSeconds: number): Admission => ({
      ok: false,
      headers: this.headers(tenantId),
      problem,
      retryAfterSeconds,
    });
    if (budget.day.remaining(now) === 0) return refuse("day", budget.day.retryAfterSeconds(now));
    if (this.app.remaining(now) === 0) return refuse("appminute", this.app.retryAfterSeconds(now));
    if (budget.minute.remaining(now) === 0) return refuse("minute", budget.minute.retryAfterSeconds(now));
    if (budget.inFlight >= this.limits.concurrent) return refuse("concurrent", 1);
    budget.minute.record(now);
    budget.day.record(now);
    this.app.record(now);
    budget.inFlight += 1;
    let released = false;
    return {
      ok: true,
      headers: this.headers(tenantId),
      release: () => {
        if (released) return;
        released = true;
        budget.inFlight -= 1;
      },
    };
  }
}
