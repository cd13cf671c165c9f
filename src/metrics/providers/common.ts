import type { CloudResource } from '../../stores/graph.ts';
import { catalogLookup } from '../catalog.ts';
import type { RetryOptions } from '../retry.ts';
import { failureFor, type MetricFailure, type MetricsRequest } from '../source.ts';

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

/** A resource with its provider address, ready to be batched into provider calls. */
export interface AddressedResource<A> {
  resource: CloudResource;
  address: A;
}

/**
 * The first step of every provider read: refuse resources outside the channel's accounts before
 * any API call, resolve each one's address from the catalog, and group them by the key the provider
 * batches on (account and region, subscription and namespace, project).
 */
export function groupByAddress<A>(
  request: MetricsRequest,
  source: string,
  accountWord: string,
  keyOf: (address: A) => string,
): { groups: Map<string, AddressedResource<A>[]>; failures: MetricFailure[] } {
  const failures: MetricFailure[] = [];
  const groups = new Map<string, AddressedResource<A>[]>();
  for (const resource of request.resources) {
    if (!request.accountIds.includes(resource.accountId)) {
      failures.push(failureFor(resource, source, 'out_of_scope', `${resource.name} is in ${accountWord} ${resource.accountId}, which this channel may not use.`));
      continue;
    }
    const lookup = catalogLookup(resource);
    if (!lookup.ok) {
      if (lookup.reason === 'bad_id') failures.push(failureFor(resource, source, 'invalid_request', lookup.message));
      continue;
    }
    const address = lookup.address as A;
    const key = keyOf(address);
    const group = groups.get(key) ?? [];
    group.push({ resource, address });
    groups.set(key, group);
  }
  return { groups, failures };
}
