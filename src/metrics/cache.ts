import type { CloudResource } from '../stores/graph.ts';
import type { MetricFailure, MetricSeries, MetricsRequest, MetricsResult, MetricsSource } from './source.ts';

export interface CacheStats {
  hits: number;
  misses: number;
}

interface Entry {
  at: number;
  result: Promise<MetricsResult>;
}

export interface CacheOptions {
  ttlMs: number;
  /** Oldest entries are dropped past this many. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Serves identical queries (same organization, resource and window) from memory for a short TTL,
 * and coalesces concurrent ones into one provider call (single flight): a burst of alerts about
 * one resource costs one read. Answers with failures are not kept, so a throttled read is retried
 * by the next question, not replayed.
 */
export class CachedMetricsSource implements MetricsSource {
  readonly name: string;
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly inner: MetricsSource, options: CacheOptions) {
    this.name = inner.name;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  supports(orgId: string, resource: CloudResource): boolean {
    return this.inner.supports(orgId, resource);
  }

  async read(request: MetricsRequest): Promise<MetricsResult> {
    const now = this.now();
    const cached: Promise<MetricsResult>[] = [];
    const missing: CloudResource[] = [];
    for (const resource of request.resources) {
      const entry = this.entries.get(this.key(request, resource));
      if (entry && now - entry.at < this.ttlMs) {
        this.stats.hits += 1;
        cached.push(entry.result);
      } else {
        this.stats.misses += 1;
        missing.push(resource);
      }
    }
    if (missing.length > 0) {
      const batch = this.inner.read({ ...request, resources: missing });
      for (const resource of missing) {
        const key = this.key(request, resource);
        const result = batch.then((all) => only(all, resource.id));
        this.entries.set(key, { at: now, result });
        cached.push(result);
        void result.then((r) => { if (r.failures.length > 0) this.forget(key, result); }, () => this.forget(key, result));
      }
      this.evict();
    }
    const results = await Promise.all(cached);
    return { series: results.flatMap((r) => r.series), failures: results.flatMap((r) => r.failures) };
  }

  private key(request: MetricsRequest, resource: CloudResource): string {
    return JSON.stringify([request.orgId, resource.id, request.windowMinutes]);
  }

  private forget(key: string, result: Promise<MetricsResult>): void {
    if (this.entries.get(key)?.result === result) this.entries.delete(key);
  }

  private evict(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(key);
    }
  }
}

function only(result: MetricsResult, resourceId: string): MetricsResult {
  const series: MetricSeries[] = result.series.filter((s) => s.resourceId === resourceId);
  const failures: MetricFailure[] = result.failures.filter((f) => f.resourceId === resourceId);
  return { series, failures };
}
