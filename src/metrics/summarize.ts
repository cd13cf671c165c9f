import type { MetricSeries, MetricSummary } from './source.ts';

/** Reduces a series to the few numbers a person (or a small model) needs. */
export function summarizeSeries(series: MetricSeries, resourceName: string, windowMinutes: number, source: string): MetricSummary | undefined {
  const values = series.points.map((p) => p.v);
  if (values.length === 0) return undefined;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const avg = values.reduce((sum, v) => sum + v, 0) / values.length;
  const last = values[values.length - 1] as number;
  const summary: MetricSummary = {
    resourceId: series.resourceId, resourceName, metric: series.metric, unit: series.unit, windowMinutes,
    min: round(min), max: round(max), avg: round(avg), last: round(last), trend: trendOf(values), source,
  };
  if (series.threshold !== undefined) {
    summary.threshold = series.threshold;
    const anomaly = thresholdBreach(series, series.threshold);
    if (anomaly) summary.anomaly = anomaly;
  }
  return summary;
}

/** Compares the mean of the last quarter of the window with the first quarter. */
function trendOf(values: readonly number[]): MetricSummary['trend'] {
  if (values.length < 4) return 'flat';
  const quarter = Math.max(1, Math.floor(values.length / 4));
  const head = mean(values.slice(0, quarter));
  const tail = mean(values.slice(-quarter));
  const scale = Math.max(Math.abs(head), Math.abs(tail), 1e-9);
  const change = (tail - head) / scale;
  if (change > 0.15) return 'rising';
  if (change < -0.15) return 'falling';
  return 'flat';
}

function thresholdBreach(series: MetricSeries, threshold: number): string | undefined {
  const points = series.points;
  let firstBreach: number | undefined;
  for (let i = points.length - 1; i >= 0 && (points[i]?.v ?? -Infinity) > threshold; i -= 1) firstBreach = i;
  if (firstBreach === undefined) return undefined;
  const start = Date.parse(points[firstBreach]?.t ?? '');
  const end = Date.parse(points[points.length - 1]?.t ?? '');
  const minutes = Math.max(1, Math.round((end - start) / 60_000) + 1);
  return `above threshold ${threshold} for the last ${minutes} min`;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
