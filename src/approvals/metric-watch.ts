import { describeError } from '../errors.ts';
import { readMetrics } from '../metrics/read.ts';
import type { MetricsSource } from '../metrics/source.ts';
import { summarizeSeries } from '../metrics/summarize.ts';
import type { ResourceGraph } from '../stores/graph.ts';
import type { MetricReading, MetricWatch } from './verification.ts';

/**
 * The metrics sources as a MetricWatch: the target is looked up in the graph within the channel's
 * accounts, its metrics read through the same routing as investigations, and each series reduced
 * to its last value and whether it was past its threshold in the window.
 */
export function metricWatch(graph: ResourceGraph, sources: readonly MetricsSource[]): MetricWatch {
  return {
    async read({ orgId, accountIds, resourceId, windowMinutes }) {
      try {
        const resource = await graph.getResource({ orgId, accountIds }, resourceId);
        if (!resource) return { readings: [], notes: [`${resourceId} is not in this channel's resource graph`] };
        const reading = await readMetrics(sources, { orgId, accountIds, resources: [resource], windowMinutes });
        const readings = reading.series.flatMap(({ source, series }): MetricReading[] => {
          const summary = summarizeSeries(series, resource.name, windowMinutes, source);
          if (!summary) return [];
          return [{
            resourceId, metric: summary.metric, unit: summary.unit, value: summary.last, breached: summary.anomaly !== undefined,
            ...(summary.threshold !== undefined ? { threshold: summary.threshold } : {}),
          }];
        });
        const notes = [
          ...reading.failures.map((f) => f.message),
          ...reading.unserved.map((r) => `no metrics source serves ${r.name}`),
        ];
        return { readings, notes };
      } catch (error) {
        return { readings: [], notes: [describeError(error)] };
      }
    },
  };
}
