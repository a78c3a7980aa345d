// The rate gate every Xero call passes through. In the service it is the infrastructure's RateGovernor (one budget
// per organisation shared by every instance through Table Storage); tests and the single-process sandbox use the
// in-memory gate below, which applies the same pure budget rules (../table-storage/rate-budget.ts) to a local state.
// Limits: https://developer.xero.com/documentation/guides/oauth2/limits/
import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock";
import { SyncError } from "../../core/errors";
import type { Sleep } from "../../core/retry";
import {
  callsRemainingToday,
  defaultRateLimits,
  emptyRateBudget,
  releasePermit,
  tryAcquire,
  type RateBudgetState,
  type RateLimits,
  type RateObservation,
} from "../table-storage/rate-budget";
import type { RateGovernor } from "../table-storage/rate-governor";

/** What the Xero adapter needs of a governor. */
export type XeroRateGate = Pick<RateGovernor, "run" | "callsRemainingToday">;

export interface MemoryRateGateOptions {
  clock: Clock;
  sleep: Sleep;
  limits?: RateLimits;
  /** Longest in-process wait; beyond it the call fails as transient with the wait as Retry-After. */
  maxWaitMs?: number;
}

export function createMemoryRateGate(options: MemoryRateGateOptions): XeroRateGate {
  const limits = options.limits ?? defaultRateLimits;
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  const states = new Map<string, RateBudgetState>();
  const waiters = new Map<string, Array<() => void>>();

  const acquire = async (tenantId: string): Promise<string> => {
    const permitId = randomUUID();
    let waited = 0;
    for (;;) {
      const decision = tryAcquire(states.get(tenantId) ?? emptyRateBudget, {
        now: options.clock.now(),
        limits,
        permitId,
        permitTtlMs: 120_000,
      });
      states.set(tenantId, decision.state);
      if (decision.granted) return permitId;
      if (decision.reason === "concurrent") {
        await new Promise<void>((resolve) => waiters.set(tenantId, [...(waiters.get(tenantId) ?? []), resolve]));
        continue;
      }
      if (waited + decision.waitMs > maxWaitMs) {
        throw new SyncError(`Xero's ${decision.reason} limit for this organisation is reached`, {
          kind: "transient",
          details: { source: "xero", rateLimitProblem: decision.reason, retryAfterMs: decision.waitMs },
        });
      }
      waited += decision.waitMs;
      await options.sleep(decision.waitMs);
    }
  };

  const release = (tenantId: string, permitId: string, observation: RateObservation | undefined): void => {
    const state = states.get(tenantId) ?? emptyRateBudget;
    states.set(
      tenantId,
      releasePermit(state, {
        permitId,
        now: options.clock.now(),
        limits,
        ...(observation === undefined ? {} : { observation }),
      }),
    );
    const queue = waiters.get(tenantId) ?? [];
    queue.shift()?.();
  };

  return {
    async run(tenantId, call, observe) {
      const permitId = await acquire(tenantId);
      let observation: RateObservation | undefined;
      try {
        const result = await call();
        observation = observe?.({ result });
        return result;
      } catch (error) {
        observation = observe?.({ error });
        throw error;
      } finally {
        release(tenantId, permitId, observation);
      }
    },
    callsRemainingToday(tenantId) {
      return Promise.resolve(callsRemainingToday(states.get(tenantId) ?? emptyRateBudget, options.clock.now(), limits));
    },
  };
}
