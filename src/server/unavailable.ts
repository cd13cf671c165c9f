import type { Response } from 'express';
import { CompanionError } from '../errors.ts';
import { storeError } from '../stores/neo4j/driver.ts';

/** Seconds a client is told to wait when a store is down: about one transaction timeout. */
export const storeRetryAfterSeconds = 5;

/** Whether an error (or one it wraps: `cause`, or Bolt's `original`) means a store could not be used right now, rather than a bug. */
export function isStoreUnavailable(error: unknown): boolean {
  const inner = (e: unknown): unknown => (e as { cause?: unknown }).cause ?? (e as { original?: unknown }).original;
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; current = inner(current), depth += 1) {
    const mapped = storeError(current);
    if (mapped instanceof CompanionError && mapped.code === 'store_unavailable') return true;
  }
  return false;
}

/** 503 with Retry-After: the platform or client retries, by then on another replica or a recovered store. */
export function sendStoreUnavailable(res: Response): void {
  res.status(503).set('retry-after', String(storeRetryAfterSeconds)).json({
    error: 'store_unavailable',
    message: `A store this request needs (the database) is unavailable right now; retry in ${storeRetryAfterSeconds} s.`,
  });
}
