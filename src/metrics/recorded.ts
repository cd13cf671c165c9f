import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CompanionError } from '../errors.ts';
import type { CloudResource } from '../stores/graph.ts';
import { formatZodIssues } from '../validation.ts';
import { failureFor, type MetricFailure, type MetricSeries, type MetricsRequest, type MetricsResult, type MetricsSource } from './source.ts';

/**
 * Recorded metric series (demo data, replayed incidents). Values are evenly spaced; the last one is
 * replayed as "now", so a recording always looks current. Replies label them as recorded. It serves
 * the resources it has recordings for; live providers serve the rest.
 * The format is documented in docs/recorded-metrics.md (JSON Schema: docs/schemas/recorded-metrics.schema.json).
 */
export const RecordedMetricsFile = z.object({
  version: z.literal(1),
  series: z.array(z.object({
    /** The resource's provider id, exactly as the estate spells it. */
    resourceId: z.string().min(1),
    /** The metric as the provider (and the metric catalog) spells it: CPUUtilization, cpu_percent, compute.googleapis.com/instance/cpu/utilization. */
    metric: z.string().min(1),
    unit: z.string().default(''),
    /** Alarm level; with `bound` "lower" it is a floor (free storage, available memory), else a ceiling. */
    threshold: z.number().optional(),
    bound: z.enum(['upper', 'lower']).optional(),
    intervalSeconds: z.number().int().positive().default(60),
    /** Oldest first; the last value is "now". Two windows' worth gives a baseline. */
    values: z.array(z.number()).min(1),
  }).strict()),
}).strict();
export type RecordedMetricsFile = z.infer<typeof RecordedMetricsFile>;

type RecordedSeries = RecordedMetricsFile['series'][number];

export class RecordedMetricsSource implements MetricsSource {
  readonly name = 'recorded';
  private readonly byOrg = new Map<string, Map<string, RecordedSeries[]>>();

  constructor(private readonly now: () => number = Date.now) {}

  add(orgId: string, file: RecordedMetricsFile): void {
    const org = this.byOrg.get(orgId) ?? new Map<string, RecordedSeries[]>();
    for (const series of file.series) org.set(series.resourceId, [...(org.get(series.resourceId) ?? []), series]);
    this.byOrg.set(orgId, org);
  }

  async load(orgId: string, path: string): Promise<void> {
    const parsed = RecordedMetricsFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) {
      throw new CompanionError('input_invalid', `${path} is not a valid recorded metrics file:\n${formatZodIssues(parsed.error)}`);
    }
    this.add(orgId, parsed.data);
  }

  supports(orgId: string, resource: CloudResource): boolean {
    return (this.byOrg.get(orgId)?.get(resource.id)?.length ?? 0) > 0;
  }

  async read(request: MetricsRequest): Promise<MetricsResult> {
    const series: MetricSeries[] = [];
    const failures: MetricFailure[] = [];
    for (const resource of request.resources) {
      if (!request.accountIds.includes(resource.accountId)) {
        failures.push(failureFor(resource, this.name, 'out_of_scope', `${resource.name} is in account ${resource.accountId}, which this channel may not use.`));
        continue;
      }
      series.push(...this.series(request.orgId, resource, request.windowMinutes));
    }
    return { series, failures };
  }

  /** The window asked for and the one before it (the baseline), as far as the recording reaches. */
  private series(orgId: string, resource: CloudResource, windowMinutes: number): MetricSeries[] {
    const recorded = this.byOrg.get(orgId)?.get(resource.id) ?? [];
    const end = Math.floor(this.now() / 60_000) * 60_000;
    return recorded.map((series) => {
      const count = Math.min(series.values.length, Math.max(1, Math.floor((windowMinutes * 60) / series.intervalSeconds)));
      const values = series.values.slice(-2 * count);
      const at = (i: number): string => new Date(end - (values.length - 1 - i) * series.intervalSeconds * 1000).toISOString();
      return {
        resourceId: resource.id,
        metric: series.metric,
        unit: series.unit,
        ...(series.threshold === undefined ? {} : { threshold: series.threshold }),
        ...(series.bound === 'lower' ? { bound: 'lower' as const } : {}),
        points: values.map((v, i) => ({ t: at(i), v })),
        windowStart: at(values.length - count),
        citation: `recorded series ${series.metric}, ${series.intervalSeconds}s interval`,
      };
    });
  }
}
