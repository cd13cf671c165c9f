import { z } from 'zod';
import type { MetricSummary } from '../../src/metrics/source.ts';
import { summarizeSeries } from '../../src/metrics/summarize.ts';
import { resolveResource } from '../resource-graph/resolve.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const schema = z.object({
  resource: z.string().min(1).max(300).describe('Resource name or id'),
  windowMinutes: z.number().int().min(5).max(1440).default(60).describe('How far back to look'),
});

export interface MetricsView {
  resourceName?: string;
  summaries: MetricSummary[];
  /** Sources that failed, with the reason: the answer says so instead of hiding it. */
  failures: string[];
}

export const getMetricsTool: ToolFactory<typeof schema, MetricsView> = (context, deps) => ({
  name: 'get_metrics',
  description: 'Summaries (min, max, avg, last, trend, threshold breaches) of the key metrics of one resource.',
  schema,
  async run(input) {
    const resource = await resolveResource(deps.graph, context, input.resource);
    if (!resource) return { summaries: [], failures: [] };
    const sources = deps.metrics.filter((s) => s.supports(resource));
    const settled = await Promise.allSettled(sources.map(async (source) => ({ source, series: await source.series(context.orgId, resource, input.windowMinutes) })));
    const summaries: MetricSummary[] = [];
    const failures: string[] = [];
    settled.forEach((result, index) => {
      if (result.status === 'rejected') {
        failures.push(`${sources[index]?.name ?? 'metrics'}: ${(result.reason as Error).message}`);
        return;
      }
      for (const series of result.value.series) {
        const summary = summarizeSeries(series, resource.name, input.windowMinutes, result.value.source.name);
        if (summary) summaries.push(summary);
      }
    });
    return { resourceName: resource.name, summaries, failures };
  },
  toText(view) {
    if (!view.resourceName) return 'No such resource in this channel\'s accounts.';
    const lines = view.summaries.map((s) => `${s.metric} (${s.unit}, ${s.source}): last ${s.last}, avg ${s.avg}, min ${s.min}, max ${s.max}, ${s.trend}${s.anomaly ? `; ${s.anomaly}` : ''}`);
    return withinBudget([`Metrics of ${view.resourceName}:`, ...(lines.length ? lines : ['no data']), ...view.failures.map((f) => `unavailable: ${f}`)].join('\n'));
  },
});
