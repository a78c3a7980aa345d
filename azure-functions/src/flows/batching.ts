// Small helpers every flow shares: chunking into Xero-sized batches and retrying transient failures with backoff.
import { withRetry, type RetryPolicy, type Sleep } from "../core/retry";
import type { Logger } from "../core/logger";

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** Runs an operation, retrying what is retryable (429, 5xx, timeouts) with backoff and Retry-After. */
export type Retrying = <T>(operation: () => Promise<T>) => Promise<T>;

export function createRetrying(options: {
  sleep: Sleep;
  logger: Logger;
  random?: () => number;
  policy?: Partial<RetryPolicy>;
}): Retrying {
  return (operation) =>
    withRetry(() => operation(), {
      sleep: options.sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      onRetry: (error, attempt, delayMs) =>
        options.logger.warn("retrying a transient failure", { error, attempt, delayMs }),
    });
}
