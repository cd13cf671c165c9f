import type { BaselineCheck, MetricPoint, MetricSeries, MetricSummary, WindowChange } from './source.ts';

/**
 * Reduces a series to the few numbers a person (or a small model) needs: min, max, average, p95 and
 * last over the window, the change against the previous window, and whether the latest stretch
 * departs from the baseline. Undefined when the window holds no point.
 */
export function summarizeSeries(series: MetricSeries, resourceName: string, windowMinutes: number, source: string): MetricSummary | undefined {
  const { current, previous } = splitWindow(series);
  const values = current.map((p) => p.v);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const summary: MetricSummary = {
    resourceId: series.resourceId, resourceName, metric: series.metric, unit: series.unit, windowMinutes,
    min: round(sorted[0] as number), max: round(sorted[sorted.length - 1] as number), avg: round(mean(values)),
    p95: round(percentile(sorted, 0.95)), last: round(values[values.length - 1] as number), points: values.length,
    trend: trendOf(values), source,
  };
  const change = changeOf(values, previous.map((p) => p.v));
  if (change) summary.change = change;
  const baseline = baselineOf([...previous, ...current].map((p) => p.v), values.length);
  if (baseline) summary.baseline = baseline;
  if (series.threshold !== undefined) {
    summary.threshold = series.threshold;
    if (series.bound === 'lower') summary.bound = 'lower';
    const anomaly = thresholdBreach(current, series.threshold, series.bound ?? 'upper');
    if (anomaly) summary.anomaly = anomaly;
  }
  if (series.citation) summary.citation = series.citation;
  if (series.partial) summary.partial = true;
  return summary;
}

/** Points in the window asked for, and those of the window before it. */
export function splitWindow(series: MetricSeries): { current: MetricPoint[]; previous: MetricPoint[] } {
  if (!series.windowStart) return { current: series.points, previous: [] };
  const start = Date.parse(series.windowStart);
  return {
    current: series.points.filter((p) => Date.parse(p.t) >= start),
    previous: series.points.filter((p) => Date.parse(p.t) < start),
  };
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

function changeOf(current: readonly number[], previous: readonly number[]): WindowChange | undefined {
  if (previous.length === 0) return undefined;
  const previousAvg = mean(previous);
  const change: WindowChange = { previousAvg: round(previousAvg) };
  if (Math.abs(previousAvg) > 1e-12) change.percent = Math.round(((mean(current) - previousAvg) / Math.abs(previousAvg)) * 1000) / 10;
  return change;
}

/**
 * The latest stretch (last quarter of the window, at least 3 points) against everything before it:
 * it departs when its mean is more than three spreads from the baseline's median, the spread being
 * the larger of the robust deviation (MAD), the standard deviation and 5 % of the median, so neither
 * a flat line nor ordinary noise raises the flag.
 */
function baselineOf(all: readonly number[], inWindow: number): BaselineCheck | undefined {
  const latestCount = Math.max(3, Math.floor(inWindow / 4));
  if (inWindow < 4 || all.length - latestCount < 6) return undefined;
  const latestValues = all.slice(-latestCount);
  const before = all.slice(0, -latestCount);
  const center = median(before);
  const mad = median(before.map((v) => Math.abs(v - center)));
  const spread = Math.max(1.4826 * mad, stddev(before), 0.05 * Math.abs(center), 1e-9);
  const latest = mean(latestValues);
  const departs = Math.abs(latest - center) > 3 * spread;
  return { latest: round(latest), baseline: round(center), departs, direction: departs ? (latest > center ? 'above' : 'below') : 'within' };
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

function thresholdBreach(points: readonly MetricPoint[], threshold: number, bound: 'upper' | 'lower'): string | undefined {
  const past = (v: number | undefined): boolean => v !== undefined && (bound === 'upper' ? v > threshold : v < threshold);
  let firstBreach: number | undefined;
  for (let i = points.length - 1; i >= 0 && past(points[i]?.v); i -= 1) firstBreach = i;
  if (firstBreach === undefined) return undefined;
  const start = Date.parse(points[firstBreach]?.t ?? '');
  const end = Date.parse(points[points.length - 1]?.t ?? '');
  const minutes = Math.max(1, Math.round((end - start) / 60_000) + 1);
  return `${bound === 'upper' ? 'above' : 'below'} threshold ${threshold} for the last ${minutes} min`;
}

/** One plain sentence on the baseline, or undefined when nothing departs. */
export function describeBaseline(summary: MetricSummary): string | undefined {
  const b = summary.baseline;
  if (!b?.departs) return undefined;
  return `latest ${b.latest} is well ${b.direction} its baseline ${b.baseline}`;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function stddev(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
