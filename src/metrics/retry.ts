import { MetricsError } from './failure.ts';

export interface RetryOptions {
  /** Absolute time (ms since epoch) after which no new attempt starts. */
  deadline: number;
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each retry, e.g. to count retries. */
  onRetry?: (error: MetricsError, attempt: number, delayMs: number) => void;
  random?: () => number;
  now?: () => number;
}

/**
 * Runs `work` again after a retryable MetricsError (throttling, transient errors), with exponential
 * backoff and full jitter (AWS's recommendation: spreads the retries of many callers), honouring the
 * provider's Retry-After, and never sleeping past the deadline: if the next attempt could not start
 * in time, the last error is thrown as is.
 */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!(error instanceof MetricsError) || !error.retryable || attempt >= attempts) throw error;
      const backoff = random() * Math.min(cap, base * 2 ** (attempt - 1));
      const delay = Math.max(backoff, error.retryAfterMs ?? 0);
      if (now() + delay >= options.deadline) throw error;
      options.onRetry?.(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
