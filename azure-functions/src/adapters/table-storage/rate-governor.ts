// The rate governor: one budget per Xero organisation, shared by every instance through one `ratebudget` row updated
// with ETags (read, decide with the pure rate-budget functions, write conditionally; on a conflict, read again).
// Every Xero call takes a permit first and gives it back with what Xero's answer reported.
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import type { Clock } from "../../core/clock";
import { SyncError, toSyncError } from "../../core/errors";
import { silentLogger, type Logger } from "../../core/logger";
import { realSleep, type Sleep } from "../../core/retry";
import {
  RateBudgetState,
  callsRemainingToday,
  defaultRateLimits,
  emptyRateBudget,
  pruneRateBudget,
  releasePermit,
  tryAcquire,
  type RateLimits,
  type RateObservation,
} from "./rate-budget";
import { isConcurrencyConflict, readEntity, toKey } from "./tables";

export interface RatePermit {
  tenantId: string;
  permitId: string;
}

export interface RateGovernorOptions {
  table: TableClient;
  clock: Clock;
  limits?: RateLimits;
  sleep?: Sleep;
  logger?: Logger;
  /** Wait in-process at most this long for a permit; beyond, a transient SyncError with retryAfterMs (default 30 s). */
  maxWaitMs?: number;
  /** A permit not released by then is considered lost (its holder crashed); default 2 minutes. */
  permitTtlMs?: number;
  /** Re-check interval while waiting for a concurrent slot (default 50 ms). */
  pollIntervalMs?: number;
  random?: () => number;
}

export interface RateGovernor {
  acquire(tenantId: string): Promise<RatePermit>;
  release(permit: RatePermit, observation?: RateObservation): Promise<void>;
  /** acquire → call → release with what the answer (or the error) reported. */
  run<T>(tenantId: string, call: () => Promise<T>, observe?: (outcome: { result?: T; error?: unknown }) => RateObservation | undefined): Promise<T>;
  /** For the connector's mag_xerocallsremainingtoday. */
  callsRemainingToday(tenantId: string): Promise<number>;
  snapshot(tenantId: string): Promise<RateBudgetState>;
}

interface BudgetEntity {
  partitionKey: string;
  rowKey: string;
  state: string;
}

const rowKey = "budget";

export function createRateGovernor(options: RateGovernorOptions): RateGovernor {
  const { table, clock } = options;
  const limits = options.limits ?? defaultRateLimits;
  const sleep = options.sleep ?? realSleep;
  const logger = options.logger ?? silentLogger;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const permitTtlMs = options.permitTtlMs ?? 120_000;
  const pollIntervalMs = options.pollIntervalMs ?? 50;
  const random = options.random ?? Math.random;

  const load = async (tenantId: string): Promise<{ state: RateBudgetState; etag: string | undefined }> => {
    const entity = await readEntity<BudgetEntity>(table, toKey(tenantId), rowKey);
    if (entity === undefined) return { state: emptyRateBudget, etag: undefined };
    const parsed = RateBudgetState.safeParse(JSON.parse(entity.state));
    return { state: parsed.success ? parsed.data : emptyRateBudget, etag: entity.etag };
  };

  /** Writes conditionally; false when another instance wrote first. */
  const save = async (tenantId: string, state: RateBudgetState, etag: string | undefined): Promise<boolean> => {
    const entity: BudgetEntity = { partitionKey: toKey(tenantId), rowKey, state: JSON.stringify(state) };
    try {
      if (etag === undefined) await table.createEntity(entity);
      else await table.updateEntity(entity, "Replace", { etag });
      return true;
    } catch (error) {
      if (isConcurrencyConflict(error)) return false;
      throw toSyncError(error, "storage");
    }
  };

  /** Applies `change` to the stored state until the conditional write succeeds; `state: undefined` writes nothing. */
  const mutate = async <R>(tenantId: string, change: (state: RateBudgetState) => { state: RateBudgetState | undefined; result: R }): Promise<R> => {
    for (;;) {
      const { state, etag } = await load(tenantId);
      const { state: next, result } = change(state);
      if (next === undefined || (await save(tenantId, next, etag))) return result;
      // Lost the race: back off a little so twenty instances do not collide in lockstep.
      await sleep(Math.floor(random() * 10));
    }
  };

  const acquire = async (tenantId: string): Promise<RatePermit> => {
    const permitId = randomUUID();
    const startedAt = clock.now();
    let waited = 0;
    for (;;) {
      // A refusal writes nothing: waiting instances only read, so they never slow down the ones being granted.
      const decision = await mutate(tenantId, (state) => {
        const outcome = tryAcquire(state, { now: clock.now(), limits, permitId, permitTtlMs });
        return { state: outcome.granted ? outcome.state : undefined, result: outcome };
      });
      if (decision.granted) return { tenantId, permitId };
      const waitMs = Math.max(decision.waitMs, pollIntervalMs);
      if (clock.now() - startedAt + waitMs > maxWaitMs || waited + waitMs > maxWaitMs) {
        throw new SyncError(`Xero's ${decision.reason} limit for this organisation is reached`, {
          kind: "transient",
          details: { source: "xero", rateLimitProblem: decision.reason, retryAfterMs: decision.waitMs || pollIntervalMs },
        });
      }
      if (decision.reason !== "concurrent") logger.info("waiting for Xero's rate limit", { tenantId, reason: decision.reason, waitMs });
      waited += waitMs;
      await sleep(waitMs);
    }
  };

  const release = async (permit: RatePermit, observation?: RateObservation): Promise<void> => {
    await mutate(permit.tenantId, (state) => ({
      state: releasePermit(state, { permitId: permit.permitId, now: clock.now(), limits, ...(observation === undefined ? {} : { observation }) }),
      result: undefined,
    }));
  };

  return {
    acquire,
    release,
    async run(tenantId, call, observe) {
      const permit = await acquire(tenantId);
      let observation: RateObservation | undefined;
      try {
        const result = await call();
        observation = observe?.({ result });
        return result;
      } catch (error) {
        observation = observe?.({ error });
        throw error;
      } finally {
        await release(permit, observation);
      }
    },
    async callsRemainingToday(tenantId) {
      const { state } = await load(tenantId);
      return callsRemainingToday(state, clock.now(), limits);
    },
    async snapshot(tenantId) {
      const { state } = await load(tenantId);
      return pruneRateBudget(state, clock.now());
    },
  };
}

/** What a failed call teaches the budget: a 429's Retry-After and problem (kept on the normalised SyncError). */
export function toRateObservationFromError(error: unknown): RateObservation | undefined {
  const normalised = toSyncError(error);
  if (normalised.details.status !== 429 && normalised.details.retryAfterMs === undefined) return undefined;
  const observation: RateObservation = { retryAfterMs: normalised.details.retryAfterMs ?? 60_000 };
  if (normalised.details.rateLimitProblem !== undefined) observation.problem = normalised.details.rateLimitProblem;
  return observation;
}
