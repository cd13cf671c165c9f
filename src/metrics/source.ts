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
  points: MetricPoint[];
  /** Alarm threshold for this metric, when one is known. */
  threshold?: number;
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
  last: number;
  trend: 'rising' | 'falling' | 'flat';
  threshold?: number;
  /** A short statement when something stands out, e.g. "above threshold 80 for the last 12 min". */
  anomaly?: string;
  /** Where the numbers came from: recorded, cloudwatch, azure-monitor, cloud-monitoring. */
  source: string;
}

/** Reads metrics for one resource. Providers implement it; the recorded source replays demo data. */
export interface MetricsSource {
  readonly name: string;
  supports(resource: CloudResource): boolean;
  series(orgId: string, resource: CloudResource, windowMinutes: number): Promise<MetricSeries[]>;
}
