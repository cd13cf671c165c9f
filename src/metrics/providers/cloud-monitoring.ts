import monitoring from '@google-cloud/monitoring';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CloudResource } from '../../stores/graph.ts';
import { catalogLookup, type GcpAddress, type GcpMetric } from '../catalog.ts';
import type { AccountLookup } from '../credentials.ts';
import { beforeDeadline } from '../deadline.ts';
import { isTransientNetwork, isUnknownHost, MetricsError } from '../failure.ts';
import { withRetry } from '../retry.ts';
import { failureFor, type MetricPoint, type MetricSeries, type MetricsRequest, type MetricsResult, type MetricsSource } from '../source.ts';
import { groupByAddress, periodFor, readWindow, type ProviderOptions, type ReadWindow } from './common.ts';

type ClientOptions = NonNullable<ConstructorParameters<typeof monitoring.MetricServiceClient>[0]>;
type ListRequest = Parameters<monitoring.MetricServiceClient['listTimeSeries']>[0];
type TimeSeries = monitoring.protos.google.monitoring.v3.ITimeSeries;

/** Resources per timeSeries.list call: one filter names them all with OR, kept well under the filter length limit. */
export const maxResourcesPerCall = 40;

export interface CloudMonitoringOptions extends ProviderOptions {
  accounts: AccountLookup;
  /**
   * Options for the MetricServiceClient, e.g. `credentials` or `apiEndpoint`. Authentication is
   * application default credentials unless these say otherwise; the REST transport is always used.
   */
  clientOptions?: Omit<ClientOptions, 'fallback'>;
}

interface Item {
  resource: CloudResource;
  address: GcpAddress;
}

/**
 * Google Cloud Monitoring through `@google-cloud/monitoring`'s `timeSeries.list`, on its REST
 * transport (`fallback: true`: plain HTTPS, so it works through HTTP proxies). A call names one
 * metric type (the API's rule), and every resource of one project wanting it, aligned and reduced
 * on the server to one series per resource: cost is per series returned.
 */
export class CloudMonitoringSource implements MetricsSource {
  readonly name = 'cloud-monitoring';
  /** timeSeries.list pages requested (retries included). */
  calls = 0;
  private readonly limit: LimitFunction;
  private client: monitoring.MetricServiceClient | undefined;

  constructor(private readonly options: CloudMonitoringOptions) {
    this.limit = pLimit(options.concurrency ?? 8);
  }

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'gcp' && catalogLookup(resource).ok;
  }

  async read(request: MetricsRequest): Promise<MetricsResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    const { groups: byProject, failures } = groupByAddress<GcpAddress>(request, this.name, 'project', (a) => a.project);
    const window = readWindow(request.windowMinutes, periodFor(request.windowMinutes), this.options.now);
    const tasks: Promise<MetricsResult>[] = [];
    for (const [project, items] of byProject) {
      const account = await this.options.accounts(request.orgId, project);
      if (!account || account.provider !== 'gcp') {
        const message = `GCP project ${project} is not one of this organization's accounts; add it to tenants.yaml.`;
        failures.push(...items.map((i) => failureFor(i.resource, this.name, 'unknown_account', message)));
        continue;
      }
      // One call per metric type (and resource type), naming every resource that wants it.
      const byMetric = new Map<string, { metric: GcpMetric; items: Item[] }>();
      for (const item of items) {
        for (const metric of item.address.metrics) {
          const key = `${item.address.resourceType}\u0000${metric.name}`;
          const entry = byMetric.get(key) ?? { metric, items: [] };
          entry.items.push(item);
          byMetric.set(key, entry);
        }
      }
      for (const { metric, items: wanting } of byMetric.values()) {
        for (let i = 0; i < wanting.length; i += maxResourcesPerCall) {
          const chunk = wanting.slice(i, i + maxResourcesPerCall);
          tasks.push(this.limit(() => this.readMetric(project, metric, chunk, window, deadline)));
        }
      }
    }
    const results = await Promise.all(tasks);
    return { series: results.flatMap((r) => r.series), failures: [...failures, ...results.flatMap((r) => r.failures)] };
  }

  private async readMetric(project: string, metric: GcpMetric, items: Item[], window: ReadWindow, deadline: number): Promise<MetricsResult> {
    const labelKeys = Object.keys((items[0] as Item).address.labels);
    const resourceType = (items[0] as Item).address.resourceType;
    const filter = [
      `metric.type = ${quote(metric.name)}`,
      `resource.type = ${quote(resourceType)}`,
      `(${items.map((i) => `(${labelKeys.map((k) => `${k} = ${quote(i.address.labels[k] as string)}`).join(' AND ')})`).join(' OR ')})`,
    ].join(' AND ');
    const base: ListRequest = {
      name: `projects/${project}`,
      filter,
      interval: { startTime: { seconds: window.start / 1000 }, endTime: { seconds: window.end / 1000 } },
      aggregation: { alignmentPeriod: { seconds: window.periodSeconds }, perSeriesAligner: metric.aligner, crossSeriesReducer: metric.reducer, groupByFields: labelKeys },
      view: 'FULL',
      pageSize: 10_000,
    } as ListRequest;
    const collected: TimeSeries[] = [];
    try {
      const client = this.metricClient();
      await beforeDeadline(deadline, `Cloud Monitoring for project ${project}`, async () => {
        let pageToken: string | undefined;
        do {
          const token = pageToken;
          const [series, , response] = await withRetry(async () => {
            this.calls += 1;
            try {
              // Retries are ours (withRetry): bounded by the investigation's deadline and counted.
              return await client.listTimeSeries({ ...base, ...(token ? { pageToken: token } : {}) }, { autoPaginate: false, maxRetries: 0, timeout: Math.max(1, deadline - Date.now()) });
            } catch (error) {
              throw toMetricsError(error, project);
            }
          }, { deadline, ...this.options.retry });
          collected.push(...series);
          pageToken = (response as { nextPageToken?: string } | undefined)?.nextPageToken || undefined;
        } while (pageToken);
      });
    } catch (error) {
      const failure = toMetricsError(error, project);
      return { series: [], failures: items.map((i) => failureFor(i.resource, this.name, failure.reason, failure.message, [metric.name])) };
    }
    const series: MetricSeries[] = items.map((item) => {
      const own = collected.filter((s) => labelKeys.every((k) => labelOf(s, k) === item.address.labels[k]));
      const byTime = new Map<string, MetricPoint>();
      for (const s of own) for (const point of pointsOf(s)) if (!byTime.has(point.t)) byTime.set(point.t, point);
      return {
        resourceId: item.resource.id,
        metric: metric.name,
        unit: metric.unit,
        points: [...byTime.values()].sort((a, b) => a.t.localeCompare(b.t)),
        windowStart: new Date(window.windowStart).toISOString(),
        ...(metric.threshold === undefined ? {} : { threshold: metric.threshold }),
        citation: `Cloud Monitoring ${metric.name} {${labelKeys.map((k) => `${k.replace(/^(resource|metric)\.labels\./, '')}=${item.address.labels[k]}`).join(', ')}} ${metric.aligner}/${window.periodSeconds}s, project ${project}`,
      };
    });
    return { series, failures: [] };
  }

  private metricClient(): monitoring.MetricServiceClient {
    this.client ??= new monitoring.MetricServiceClient({ ...this.options.clientOptions, fallback: true });
    return this.client;
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function labelOf(series: TimeSeries, key: string): string | undefined {
  const [scope, , name] = key.split('.');
  const labels = scope === 'resource' ? series.resource?.labels : series.metric?.labels;
  return name ? (labels as Record<string, string> | null | undefined)?.[name] : undefined;
}

/** Points oldest first, timed at the end of their interval; distributions count by their mean. */
function pointsOf(series: TimeSeries): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const point of series.points ?? []) {
    const end = point.interval?.endTime;
    const value = point.value;
    const v = value?.doubleValue ?? (value?.int64Value !== undefined && value?.int64Value !== null ? Number(value.int64Value) : undefined) ?? value?.distributionValue?.mean ?? (typeof value?.boolValue === 'boolean' ? Number(value.boolValue) : undefined);
    if (!end || v === undefined || v === null || !Number.isFinite(Number(v))) continue;
    out.push({ t: new Date(Number(end.seconds ?? 0) * 1000 + Math.floor((end.nanos ?? 0) / 1e6)).toISOString(), v: Number(v) });
  }
  return out;
}

function errorEnvelope(data: unknown): string | undefined {
  let body = data;
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data);
    } catch {
      return data.slice(0, 300) || undefined;
    }
  }
  const error = (body as { error?: { message?: string; status?: string } } | undefined)?.error;
  return error?.message ? `${error.status ? `${error.status}: ` : ''}${error.message}` : undefined;
}

// gRPC status codes, as google-gax reports errors it decoded itself.
const Status = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** Maps a google-gax / google-auth-library error to a failure a person can act on. */
export function toMetricsError(error: unknown, project: string): MetricsError {
  if (error instanceof MetricsError) return error;
  const e = error as { code?: number | string; message?: string; details?: string; response?: { status?: number; data?: unknown } };
  const message = e.details || e.message || String(error);
  const oauth = e.response?.data as { error?: unknown; error_description?: string } | undefined;
  if (oauth?.error === 'invalid_grant' || oauth?.error === 'unauthorized_client' || /default credentials|Could not refresh access token/i.test(e.message ?? '')) {
    return new MetricsError('credentials', `Google credentials for project ${project} are missing or expired (${typeof oauth?.error === 'string' ? oauth.error : 'no credentials'}): ${oauth?.error_description ?? e.message ?? ''} Run with application default credentials (a service account, or \`gcloud auth application-default login\`).`, { cause: error });
  }
  // The REST transport surfaces HTTP errors as they came (gaxios): Google's JSON error envelope.
  const status = e.response?.status;
  if (status !== undefined) {
    const detail = errorEnvelope(e.response?.data) ?? message;
    if (status === 429) return new MetricsError('throttled', `Cloud Monitoring is throttling queries for project ${project} (${detail}); retried until the deadline. Try again in a minute.`, { retryable: true, cause: error });
    if (status === 401) return new MetricsError('credentials', `Cloud Monitoring rejected the credentials for project ${project}: ${detail}`, { cause: error });
    if (status === 403) return new MetricsError('access_denied', `Cloud Monitoring refused access to project ${project}: ${detail} Grant the bot roles/monitoring.viewer there.`, { cause: error });
    if (status === 404) return new MetricsError('not_found', `GCP project ${project} was not found: ${detail}`, { cause: error });
    if (status >= 500) return new MetricsError('unavailable', `Cloud Monitoring is unavailable for project ${project} (${status}): ${detail}`, { retryable: true, cause: error });
    return new MetricsError('invalid_request', `Cloud Monitoring rejected the query for project ${project} (${status}): ${detail}`, { cause: error });
  }
  switch (e.code) {
    case Status.RESOURCE_EXHAUSTED:
      return new MetricsError('throttled', `Cloud Monitoring is throttling queries for project ${project}; retried until the deadline. Try again in a minute.`, { retryable: true, cause: error });
    case Status.UNAUTHENTICATED:
      return new MetricsError('credentials', `Cloud Monitoring rejected the credentials for project ${project}: ${message}`, { cause: error });
    case Status.PERMISSION_DENIED:
      return new MetricsError('access_denied', `Cloud Monitoring refused access to project ${project}: ${message} Grant the bot roles/monitoring.viewer there.`, { cause: error });
    case Status.NOT_FOUND:
      return new MetricsError('not_found', `GCP project ${project} was not found: ${message}`, { cause: error });
    case Status.INVALID_ARGUMENT:
      return new MetricsError('invalid_request', `Cloud Monitoring rejected the query for project ${project}: ${message}`, { cause: error });
    case Status.DEADLINE_EXCEEDED:
      return new MetricsError('timeout', `Cloud Monitoring did not answer in time for project ${project}.`, { cause: error });
    case Status.UNAVAILABLE:
    case Status.INTERNAL:
      return new MetricsError('unavailable', `Cloud Monitoring is unavailable for project ${project}: ${message}`, { retryable: true, cause: error });
  }
  if (isUnknownHost(error)) return new MetricsError('not_found', `The Cloud Monitoring endpoint could not be resolved: ${message}`, { cause: error });
  if (isTransientNetwork(error)) return new MetricsError('unavailable', `Cloud Monitoring is unreachable: ${message}`, { retryable: true, cause: error });
  return new MetricsError('unavailable', `Cloud Monitoring failed for project ${project}: ${message}`, { cause: error });
}
