import type { MetricPoint, MetricSeries, MetricSummary } from '../metrics/source.ts';
import { splitWindow } from '../metrics/summarize.ts';
import { metricRole, type MetricMeaning } from './metric-meanings.ts';
import type { MetricEvidence } from './types.ts';

/**
 * One metric read as evidence: past its threshold (in the right direction: a ceiling or a floor),
 * for how long, off its baseline, and when it went bad. Pure; the series gives onset and duration,
 * the summary the baseline.
 */
export interface ReadEvidence extends MetricEvidence {
  meaning: MetricMeaning;
  /** 0..1: how bad (breach length and size, or an approach to the threshold, or a departure). */
  severity: number;
  /**
   * `breached`, `approaching` (off baseline, close to the threshold), `departs` (off baseline, no
   * threshold), `collapsed` (a load metric fell to about zero: the resource stopped working), `ok`.
   */
  level: 'breached' | 'approaching' | 'departs' | 'collapsed' | 'ok';
  trend: MetricSummary['trend'];
}

export function readEvidence(summary: MetricSummary, resourceType: string, series: MetricSeries | undefined): ReadEvidence {
  const role = metricRole(resourceType, summary.metric);
  const bound = series?.bound ?? role.bound;
  const threshold = summary.threshold;
  const current = series ? splitWindow(series).current : [];
  const interval = intervalMinutes(current);
  const bad = (v: number): boolean => threshold !== undefined && (bound === 'upper' ? v > threshold : v < threshold);
  const breachPoints = trailing(current, (p) => bad(p.v));
  const breached = threshold !== undefined && (current.length ? breachPoints > 0 : bad(summary.last));
  const breachMinutes = breached ? Math.max(1, Math.round(breachPoints * interval)) : 0;
  const badDirection = bound === 'upper' ? 'above' : 'below';
  const departs = summary.baseline?.departs ? summary.baseline.direction as 'above' | 'below' : undefined;
  const departsBad = departs === badDirection;
  const trendBad = summary.trend === (bound === 'upper' ? 'rising' : 'falling');
  const near = threshold !== undefined && (bound === 'upper' ? summary.last >= 0.9 * threshold : summary.last <= 1.1 * threshold);

  let level: ReadEvidence['level'] = 'ok';
  let severity = 0;
  let meaning = role.meaning;
  const base = summary.baseline?.baseline;
  // The baseline's median is robust to the drop itself; the spread test (departs) is not, so it is not required.
  const collapsed = role.meaning === 'saturation' && bound === 'upper' && base !== undefined && summary.last <= 0.1 * base
    && base >= meaningfulLoad(summary.unit) && trailing(current, (p) => p.v <= 0.1 * base) >= 3;
  if (collapsed) {
    // CPU at zero on a resource that was busy: it is hung or gets no work, not "very healthy".
    level = 'collapsed';
    meaning = 'availability';
    severity = 0.6;
  } else if (breached) {
    level = 'breached';
    const excess = threshold === 0 ? Math.min(1, Math.abs(summary.last) / 10) : Math.min(1, Math.abs(summary.last - (threshold ?? 0)) / Math.abs(threshold ?? 1));
    severity = Math.min(1, 0.6 + 0.25 * Math.min(1, breachMinutes / 30) + 0.15 * excess);
  } else if (near && (departsBad || trendBad)) {
    level = 'approaching';
    severity = departsBad && trendBad ? 0.4 : 0.3;
  } else if (threshold === undefined && departsBad && ['saturation', 'errors', 'throttling', 'latency', 'backlog', 'availability', 'capacity'].includes(role.meaning)) {
    level = 'departs';
    severity = 0.25;
  }

  const onset = level === 'ok' ? undefined : onsetMinutesAgo(current, summary, collapsed ? 'lower' : bound, interval);
  const evidence: ReadEvidence = {
    resourceId: summary.resourceId, resourceName: summary.resourceName, metric: summary.metric, unit: summary.unit, last: summary.last,
    ...(threshold === undefined ? {} : { threshold }), bound, breached, breachMinutes,
    ...(onset === undefined ? {} : { onsetMinutesAgo: onset }),
    ...(departs ? { departs } : {}),
    ...(summary.baseline ? { baseline: summary.baseline.baseline } : {}),
    text: '', meaning, severity, level, trend: summary.trend,
  };
  evidence.text = collapsed ? `${summary.metric} ${formatValue(summary.last, summary.unit, summary.metric)} (collapsed from baseline ${formatValue(base ?? 0, summary.unit, summary.metric)} for ${Math.max(1, Math.round(trailing(current, (p) => p.v <= 0.1 * (base ?? 0)) * interval))} min)` : describeEvidence(evidence);
  return evidence;
}

/** A baseline worth noticing the loss of: 5 % CPU, a 0.05 ratio, or anything above zero in other units. */
function meaningfulLoad(unit: string): number {
  const u = unit.toLowerCase();
  return u === 'percent' || u === '%' ? 5 : u === 'ratio' ? 0.05 : 1e-9;
}

/**
 * When it went bad, in minutes before the end of the window: the start of the trailing stretch past
 * the midpoint between its baseline and its latest value (or past the threshold when no baseline).
 * Compared across resources, it orders onsets: what went bad first is the likelier cause.
 */
function onsetMinutesAgo(points: readonly MetricPoint[], summary: MetricSummary, bound: 'upper' | 'lower', interval: number): number | undefined {
  if (points.length === 0) return undefined;
  const base = summary.baseline?.baseline;
  const level = base !== undefined && base !== summary.last ? (base + summary.last) / 2 : summary.threshold;
  if (level === undefined) return undefined;
  const past = (v: number): boolean => (bound === 'upper' ? v > level : v < level);
  const run = trailing(points, (p) => past(p.v));
  return run > 0 ? Math.round(run * interval) : undefined;
}

function trailing(points: readonly MetricPoint[], test: (p: MetricPoint) => boolean): number {
  let n = 0;
  for (let i = points.length - 1; i >= 0 && test(points[i] as MetricPoint); i -= 1) n += 1;
  return n;
}

function intervalMinutes(points: readonly MetricPoint[]): number {
  if (points.length < 2) return 1;
  const first = Date.parse((points[0] as MetricPoint).t);
  const last = Date.parse((points[points.length - 1] as MetricPoint).t);
  const step = (last - first) / (points.length - 1) / 60_000;
  return Number.isFinite(step) && step > 0 ? step : 1;
}

/** "CPUUtilization 92% (> 80% for 6 min)", "FreeStorageSpace 2 GB (< 10 GB for 15 min)", "CPUUtilization 77%, rising (baseline 55%)". */
export function describeEvidence(e: MetricEvidence & { level?: ReadEvidence['level']; trend?: MetricSummary['trend'] }): string {
  const value = formatValue(e.last, e.unit, e.metric);
  const thr = e.threshold === undefined ? '' : formatValue(e.threshold, e.unit, e.metric);
  const op = e.bound === 'lower' ? '<' : '>';
  if (e.breached) return `${e.metric} ${value} (${op} ${thr} for ${e.breachMinutes} min)`;
  const notes: string[] = [];
  if (e.trend && e.trend !== 'flat') notes.push(e.trend);
  if (e.departs && e.baseline !== undefined) notes.push(`baseline ${formatValue(e.baseline, e.unit, e.metric)}`);
  if (thr) notes.push(`threshold ${thr}`);
  return `${e.metric} ${value}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** A value as people read it: 92%, 2.4 s, 163 ms, 52% for a GCP ratio, 4.2 GB. */
export function formatValue(v: number, unit: string, metric = ''): string {
  const round = (x: number, d = 2): string => String(Math.round(x * 10 ** d) / 10 ** d);
  switch (unit.toLowerCase()) {
    case 'percent': case '%': return `${round(v, 1)}%`;
    case 'ratio': case '10^2.%': return /utiliz|ratio|percent/i.test(metric) ? `${round(v * 100, 1)}%` : round(v);
    case 'seconds': case 's': return `${round(v)} s`;
    case 'milliseconds': case 'ms': return `${round(v, 0)} ms`;
    case 'bytes': case 'by': return bytes(v);
    case 'count': case '': return round(v);
    default: return `${round(v)} ${unit}`;
  }
}

function bytes(v: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = v;
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${Math.round(n * 10) / 10} ${units[i]}`;
}
