// Exponential backoff with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/),
// honouring a server's Retry-After. Sleep and randomness are injected so tests run instantly and deterministically.
import { toSyncError, type SyncError } from "./errors";

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryPolicy {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * A Retry-After longer than this is not waited for in-process: the error is rethrown so the queue (or the next
   * timer run) picks the work up later. Xero's daily limit answers with hours.
   */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1). A Retry-After wins over the backoff; otherwise a
 * uniformly random delay in [0, min(max, base·2^(attempt-1))].
 */
export function computeRetryDelayMs(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.max(0, retryAfterMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  sleep?: Sleep;
  random?: () => number;
  /** Whether to try again; defaults to the error's `retryable`. */
  shouldRetry?: (error: SyncError, attempt: number) => boolean;
  /** Called before each wait (log it). */
  onRetry?: (error: SyncError, attempt: number, delayMs: number) => void;
}

/** Runs `operation` until it succeeds, fails permanently, or runs out of attempts; throws the last SyncError. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.policy };
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const shouldRetry = options.shouldRetry ?? ((error: SyncError) => error.retryable);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (thrown) {
      const error = toSyncError(thrown);
      if (attempt >= policy.maxAttempts || !shouldRetry(error, attempt)) throw error;
      const retryAfterMs = error.details.retryAfterMs;
      if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) throw error;
      const delayMs = computeRetryDelayMs(attempt, policy, random, retryAfterMs);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
