import { describeError } from '../errors.ts';
import { serviceMetrics } from '../observability/metrics.ts';
import type { CloudResource } from '../stores/graph.ts';
import { failureFor, type MetricFailure, type MetricSeries, type MetricsRequest, type MetricsSource } from './source.ts';

export interface SourcedSeries {
  source: string;
  series: MetricSeries;
}

export interface MetricsReading {
  series: SourcedSeries[];
  failures: MetricFailure[];
  /** Resources no source serves (no recording, and no live provider for their type). */
  unserved: CloudResource[];
}

/**
 * Reads the metrics of one investigation's resources. A resource outside the channel's accounts is
 * refused here, before any source sees it. Each resource goes to the first source that serves it
 * (recordings first, then the live provider of its cloud); sources run in parallel, each with all
 * of its resources in one read so it can batch them. A source that throws or overruns `timeoutMs`
 * becomes failures for its resources: this never rejects.
 */
// A backstop only: each provider enforces its own METRICS_TIMEOUT_SECONDS (at most 120 s) and reports what is missing.
const backstopMs = 125_000;

export async function readMetrics(sources: readonly MetricsSource[], request: MetricsRequest, timeoutMs = backstopMs): Promise<MetricsReading> {
  const failures: MetricFailure[] = [];
  const unserved: CloudResource[] = [];
  const bySource = new Map<MetricsSource, CloudResource[]>();
  for (const resource of request.resources) {
    if (!request.accountIds.includes(resource.accountId)) {
      failures.push(failureFor(resource, 'metrics', 'out_of_scope', `${resource.name} is in account ${resource.accountId}, which this channel may not use.`));
      continue;
    }
    const source = sources.find((s) => s.supports(request.orgId, resource));
    if (!source) {
      unserved.push(resource);
      continue;
    }
    bySource.set(source, [...(bySource.get(source) ?? []), resource]);
  }
  const reads = [...bySource.entries()].map(async ([source, resources]) => {
    try {
      const result = await guard(source.read({ ...request, resources }), timeoutMs, `${source.name} did not answer within ${Math.round(timeoutMs / 1000)} s`);
      return { series: result.series.map((series) => ({ source: source.name, series })), failures: result.failures };
    } catch (error) {
      const reason = error instanceof DeadlineError ? 'timeout' : 'unavailable';
      return { series: [], failures: resources.map((r) => failureFor(r, source.name, reason, describeError(error))) };
    }
  });
  const results = await Promise.all(reads);
  for (const failure of results.flatMap((r) => r.failures)) serviceMetrics.providerErrors.inc({ source: failure.source, reason: failure.reason });
  return { series: results.flatMap((r) => r.series), failures: [...failures, ...results.flatMap((r) => r.failures)], unserved };
}

class DeadlineError extends Error {}

async function guard<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
