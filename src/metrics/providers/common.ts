import type { RetryOptions } from '../retry.ts';

/** What every live provider source takes besides its SDK specifics. */
export interface ProviderOptions {
  /** One read gives up (and reports a timeout for what is still missing) after this long. */
  timeoutMs?: number;
  /** Provider calls in flight at once, per source. */
  concurrency?: number;
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'onRetry'>;
  now?: () => number;
}

/** Points per window stay near 60–300: 1-minute data up to 3 h, 5-minute to a day, hourly beyond. */
export function periodFor(windowMinutes: number): number {
  if (windowMinutes <= 180) return 60;
  if (windowMinutes <= 1440) return 300;
  return 3600;
}

export interface ReadWindow {
  periodSeconds: number;
  /** Start of the previous window (the baseline): ms since epoch. */
  start: number;
  /** Start of the window asked for. */
  windowStart: number;
  /** End, aligned down to the period so identical questions ask identical queries. */
  end: number;
}

/** The window asked for plus the one before it, aligned to the period. */
export function readWindow(windowMinutes: number, periodSeconds: number, now: () => number = Date.now): ReadWindow {
  const periodMs = periodSeconds * 1000;
  const end = Math.floor(now() / periodMs) * periodMs;
  const windowStart = end - windowMinutes * 60_000;
  return { periodSeconds, start: windowStart - windowMinutes * 60_000, windowStart, end };
}
