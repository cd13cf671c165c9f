import type { CloudResource } from '../stores/graph.ts';

export interface MetricPoint {
  /** ISO timestamp */
  t: string;
  v: number;
}

export interface MetricSeries {
  resourceId: string;
  metric: string;
  unit: string;
  /**
   * Points oldest first. Sources fetch two windows: points before `windowStart` are the previous
   * window, the baseline the current one is compared with.
   */
  points: MetricPoint[];
  /** ISO start of the window asked for; absent means every point is in the window. */
  windowStart?: string;
  /** Alarm threshold for this metric, when one is known (breached when above, or below for a `lower` bound). */
  threshold?: number;
  /** `upper` (default): bad above the threshold (CPU); `lower`: bad below it (free storage, available memory). */
  bound?: 'upper' | 'lower';
  /** Where the numbers came from, precise enough to find them again in the provider's console. */
  citation?: string;
  /** The provider reported this series as incomplete (e.g. CloudWatch `PartialData`). */
  partial?: boolean;
}

/** Current window against the previous one of the same length. */
export interface WindowChange {
  previousAvg: number;
  /** Relative change of the average in percent; absent when the previous average is zero. */
  percent?: number;
}

/** The latest stretch of the window against everything before it. */
export interface BaselineCheck {
  /** Mean of the latest stretch (the last quarter of the window, at least 3 points). */
  latest: number;
  /** Median of the points before it. */
  baseline: number;
  /** True when the latest stretch is far outside the baseline's usual spread. */
  departs: boolean;
  direction: 'above' | 'below' | 'within';
}

export interface MetricSummary {
  resourceId: string;
  resourceName: string;
  metric: string;
  unit: string;
  windowMinutes: number;
  min: number;
  max: number;
  avg: number;
  p95: number;
  last: number;
  /** Number of points in the window. */
  points: number;
  trend: 'rising' | 'falling' | 'flat';
  change?: WindowChange;
  baseline?: BaselineCheck;
  threshold?: number;
  /** Whether the threshold is a ceiling (`upper`, the default) or a floor (`lower`). */
  bound?: 'upper' | 'lower';
  /** A short statement when something stands out, e.g. "above threshold 80 for the last 12 min". */
  anomaly?: string;
  /** Where the numbers came from: recorded, cloudwatch, azure-monitor, cloud-monitoring. */
  source: string;
  /** The provider query behind the numbers (namespace, metric, dimensions, region or project). */
  citation?: string;
  partial?: boolean;
}

/** Why a metric could not be read; each maps to a sentence a person can act on. */
export type MetricFailureReason =
  | 'out_of_scope'
  | 'unknown_account'
  | 'credentials'
  | 'access_denied'
  | 'throttled'
  | 'timeout'
  | 'not_found'
  | 'invalid_request'
  | 'unsupported'
  | 'unavailable';

export interface MetricFailure {
  resourceId: string;
  resourceName: string;
  /** The metrics that could not be read; empty means all of the resource's metrics. */
  metrics: string[];
  source: string;
  reason: MetricFailureReason;
  /** What went wrong and, where possible, what to do about it. */
  message: string;
}

export interface MetricsRequest {
  orgId: string;
  /** Accounts the channel may use: a resource outside them is refused before any API call. */
  accountIds: readonly string[];
  resources: readonly CloudResource[];
  windowMinutes: number;
}

export interface MetricsResult {
  series: MetricSeries[];
  failures: MetricFailure[];
}

/**
 * Reads metrics for resources. Providers implement it (CloudWatch, Azure Monitor, Cloud
 * Monitoring); the recorded source replays demo data and incidents. `read` never rejects: whatever
 * cannot be read comes back as a failure with its reason.
 */
export interface MetricsSource {
  readonly name: string;
  /** Whether this source serves the resource for this organization. */
  supports(orgId: string, resource: CloudResource): boolean;
  read(request: MetricsRequest): Promise<MetricsResult>;
}

export function failureFor(resource: CloudResource, source: string, reason: MetricFailureReason, message: string, metrics: string[] = []): MetricFailure {
  return { resourceId: resource.id, resourceName: resource.name, metrics, source, reason, message };
}
