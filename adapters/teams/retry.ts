/**
 * Teams' bot APIs answer 429 when a thread's rate limit (7 ops/s, 60/30 s, 1800/h per bot per thread)
 * is hit, and ask bots to retry 412, 502 and 504 too, with exponential backoff and jitter
 * (platform-rules §2.8). The Retry-After header wins when the service sends one.
 *
 * The connector client's own HTTP pipeline (@azure/core-rest-pipeline) already retries 429 with
 * Retry-After and 5xx up to three times; this layer adds 412, 429 without Retry-After, and a longer
 * horizon for a thread that stays throttled.
 */
export const retriableStatuses: ReadonlySet<number> = new Set([412, 429, 502, 504]);

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 30_000 };

/** The HTTP status and Retry-After (ms) of a failed connector call, as the SDK's RestError carries them. */
export function failureOf(error: unknown): { status?: number; retryAfterMs?: number } {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown; headers?: unknown } };
  const status = [e.statusCode, e.status, e.response?.status].find((v): v is number => typeof v === 'number');
  const retryAfter = headerValue(e.response?.headers, 'retry-after');
  const seconds = retryAfter === undefined ? NaN : Number(retryAfter);
  return { ...(status === undefined ? {} : { status }), ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}) };
}

export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy = defaultRetryPolicy, onRetry?: (status: number, delayMs: number) => void): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const { status, retryAfterMs } = failureOf(error);
      if (status === undefined || !retriableStatuses.has(status) || attempt >= policy.attempts) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = retryAfterMs !== undefined ? Math.min(retryAfterMs, policy.maxDelayMs) : Math.round(backoff / 2 + random() * (backoff / 2));
      onRetry?.(status, delay);
      await sleep(delay);
    }
  }
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
  const value = typeof h.get === 'function' ? h.get(name) : h[name] ?? h[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}
