import { z } from 'zod';
import { readMetrics, type SourcedSeries } from '../../src/metrics/read.ts';
import type { MetricFailure, MetricSummary } from '../../src/metrics/source.ts';
import { describeBaseline, summarizeSeries } from '../../src/metrics/summarize.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { resolveResource } from '../resource-graph/resolve.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const name = z.string().min(1).max(300);

const schema = z.object({
  resource: name.optional().describe('Resource name or id'),
  resources: z.array(name).min(1).max(10).optional().describe('Several resources read together (one batched read per cloud)'),
  windowMinutes: z.number().int().min(5).max(1440).default(60).describe('How far back to look'),
});

export interface MetricsView {
  /** The first resource asked for, when found. */
  resourceName?: string;
  /** Every resource found, in the order asked. */
  resources: CloudResource[];
  summaries: MetricSummary[];
  /** Why metrics are missing, one line each (source: resource (metrics): reason): the answer says so instead of hiding it. */
  failures: string[];
  /** The same failures as values. */
  failed: MetricFailure[];
  /** "resource metric" pairs whose window held no point. */
  empty: string[];
  /** The series behind the summaries, for charts. */
  series: SourcedSeries[];
}

export const getMetricsTool: ToolFactory<typeof schema, MetricsView> = (context, deps) => ({
  name: 'get_metrics',
  description: 'Key metrics of one or more resources, from CloudWatch, Azure Monitor, Cloud Monitoring or recordings: min, max, avg, p95, last, change against the previous window, baseline departures and threshold breaches, each with its source.',
  schema,
  async run(input) {
    const names = [...(input.resource ? [input.resource] : []), ...(input.resources ?? [])];
    const found = await Promise.all(names.map((n) => resolveResource(deps.graph, context, n)));
    const resources = unique(found.filter((r): r is CloudResource => r !== undefined));
    const view: MetricsView = { resources, summaries: [], failures: [], failed: [], empty: [], series: [] };
    if (resources.length === 0) return view;
    view.resourceName = resources[0]?.name;
    const reading = await readMetrics(deps.metrics, { orgId: context.orgId, accountIds: context.accountIds, resources, windowMinutes: input.windowMinutes });
    const nameOf = new Map(resources.map((r) => [r.id, r.name]));
    for (const { source, series } of reading.series) {
      const summary = summarizeSeries(series, nameOf.get(series.resourceId) ?? series.resourceId, input.windowMinutes, source);
      if (summary) view.summaries.push(summary);
      else view.empty.push(`${nameOf.get(series.resourceId) ?? series.resourceId} ${series.metric}`);
    }
    view.series = reading.series;
    view.failed = reading.failures;
    view.failures = reading.failures.map(failureLine);
    return view;
  },
  toText(view) {
    if (view.resources.length === 0) return 'No such resource in this channel\'s accounts.';
    const lines: string[] = [];
    for (const resource of view.resources) {
      const own = view.summaries.filter((s) => s.resourceId === resource.id);
      lines.push(`Metrics of ${resource.name}, last ${own[0]?.windowMinutes ?? ''} min:`.replace(', last  min', ''));
      lines.push(...(own.length ? own.map(summaryLine) : ['  no data']));
    }
    if (view.empty.length) lines.push(`No points in the window: ${view.empty.join(', ')}`);
    lines.push(...view.failures.map((f) => `unavailable: ${f}`));
    return withinBudget(lines.join('\n'));
  },
});

/** One compact, cited line: what a small model needs and where it came from. */
export function summaryLine(s: MetricSummary): string {
  const unit = s.unit ? ` ${s.unit}` : '';
  const facts = [`last ${s.last}${unit}`, `avg ${s.avg}`, `p95 ${s.p95}`, `min ${s.min}`, `max ${s.max}`, s.trend];
  if (s.change?.percent !== undefined) facts.push(`${s.change.percent >= 0 ? '+' : ''}${s.change.percent}% vs previous ${s.windowMinutes} min`);
  const baseline = describeBaseline(s);
  if (baseline) facts.push(baseline);
  if (s.anomaly) facts.push(s.anomaly);
  if (s.partial) facts.push('partial data');
  return `  ${s.metric}: ${facts.join(', ')} [${s.source}${s.citation ? `: ${s.citation}` : ''}]`;
}

export function failureLine(f: MetricFailure): string {
  return `${f.source}: ${f.resourceName}${f.metrics.length ? ` (${f.metrics.join(', ')})` : ''}: ${f.message}`;
}

function unique(resources: CloudResource[]): CloudResource[] {
  return [...new Map(resources.map((r) => [r.id, r])).values()];
}
