import type { TokenCredential } from '@azure/identity';
import { azureTimeoutPolicy } from '../../outbound.ts';
import { MetricsClient, type Metric, type MetricsQueryResult, type MetricValue } from '@azure/monitor-query-metrics';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CloudResource } from '../../stores/graph.ts';
import { catalogLookup, type AzureAddress, type AzureMetric } from '../catalog.ts';
import type { AccountLookup, AzureCredentials } from '../credentials.ts';
import { beforeDeadline } from '../deadline.ts';
import { isTransientNetwork, isUnknownHost, MetricsError, parseRetryAfter } from '../failure.ts';
import { withRetry } from '../retry.ts';
import { failureFor, type MetricFailure, type MetricSeries, type MetricsRequest, type MetricsResult, type MetricsSource } from '../source.ts';
import { groupByAddress, periodFor, readWindow, type ProviderOptions, type ReadWindow } from './common.ts';

/** metrics:getBatch takes at most 50 resources (same subscription, region and type) per call. */
export const maxResourcesPerCall = 50;

export interface AzureMonitorOptions extends ProviderOptions {
  accounts: AccountLookup;
  credentials: AzureCredentials;
  /** Metrics endpoint per region; default `https://<region>.metrics.monitor.azure.com`. */
  endpoint?: (region: string) => string;
}

interface Item {
  resource: CloudResource;
  address: AzureAddress;
}

/**
 * Azure Monitor metrics through `@azure/monitor-query-metrics` (the data-plane `metrics:getBatch`
 * API, successor of `@azure/monitor-query`'s metrics client): one call reads the catalog's metrics
 * for up to 50 resources of one subscription, region and type, and does not count against the ARM
 * read quota that per-resource `microsoft.insights/metrics` calls drain.
 */
export class AzureMonitorSource implements MetricsSource {
  readonly name = 'azure-monitor';
  /** getBatch requests sent (retries included). */
  calls = 0;
  private readonly limit: LimitFunction;
  private readonly clients = new Map<string, MetricsClient>();
  private readonly credentialIds = new WeakMap<TokenCredential, number>();

  constructor(private readonly options: AzureMonitorOptions) {
    this.limit = pLimit(options.concurrency ?? 8);
  }

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'azure' && catalogLookup(resource).ok;
  }

  async read(request: MetricsRequest): Promise<MetricsResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    const { groups, failures } = groupByAddress<AzureAddress>(request, this.name, 'subscription', (a) => [a.subscriptionId, a.region, a.namespace.toLowerCase()].join('\u0000'));
    const window = readWindow(request.windowMinutes, periodFor(request.windowMinutes), this.options.now);
    const tasks: Promise<MetricsResult>[] = [];
    for (const items of groups.values()) {
      for (let i = 0; i < items.length; i += maxResourcesPerCall) {
        const chunk = items.slice(i, i + maxResourcesPerCall);
        tasks.push(this.limit(() => this.readChunk(request.orgId, chunk, window, deadline)));
      }
    }
    const results = await Promise.all(tasks);
    return { series: results.flatMap((r) => r.series), failures: [...failures, ...results.flatMap((r) => r.failures)] };
  }

  private async readChunk(orgId: string, items: Item[], window: ReadWindow, deadline: number): Promise<MetricsResult> {
    const { subscriptionId, region, namespace, metrics } = (items[0] as Item).address;
    const where = `Azure Monitor in ${region}`;
    const failAll = (error: unknown): MetricsResult => {
      const failure = toMetricsError(error, region, subscriptionId);
      return { series: [], failures: items.map((i) => failureFor(i.resource, this.name, failure.reason, failure.message, metrics.map((m) => m.name))) };
    };
    let client: MetricsClient;
    try {
      const account = await this.options.accounts(orgId, subscriptionId);
      if (!account || account.provider !== 'azure') throw new MetricsError('unknown_account', `Azure subscription ${subscriptionId} is not one of this organization's accounts; add it to tenants.yaml.`);
      client = this.client(region, this.options.credentials.forAccount(account));
    } catch (error) {
      return failAll(error);
    }
    let results: MetricsQueryResult[];
    try {
      results = await beforeDeadline(deadline, where, (signal) => withRetry(async () => {
        try {
          return await client.queryResources(items.map((i) => i.resource.id), metrics.map((m) => m.name), namespace, {
            startTime: new Date(window.start),
            endTime: new Date(window.end),
            interval: grain(window.periodSeconds),
            aggregation: [...new Set(metrics.map((m) => m.aggregation.toLowerCase()))].join(','),
            // The batch API takes options for the call; abort when the deadline passes.
            ...({ abortSignal: signal } as object),
          });
        } catch (error) {
          throw toMetricsError(error, region, subscriptionId);
        }
      }, { deadline, ...this.options.retry }));
    } catch (error) {
      return failAll(error);
    }
    const series: MetricSeries[] = [];
    const failures: MetricFailure[] = [];
    for (const item of items) {
      const result = results.find((r) => r.resourceId?.toLowerCase() === item.resource.id.toLowerCase());
      for (const metric of metrics) {
        const found = result?.metrics.find((m) => sameMetric(m, metric.name));
        if (!result || !found) {
          series.push(this.series(item, metric, [], window));
          continue;
        }
        if (found.errorCode && found.errorCode !== 'Success') {
          failures.push(failureFor(item.resource, this.name, 'invalid_request', `Azure Monitor could not read ${metric.name} (${found.errorCode}): ${found.errorMessage ?? 'no detail'}`, [metric.name]));
          continue;
        }
        series.push(this.series(item, metric, found.timeseries.flatMap((t) => t.data ?? []), window));
      }
    }
    return { series, failures };
  }

  private series(item: Item, metric: AzureMetric, data: MetricValue[], window: ReadWindow): MetricSeries {
    const field = metric.aggregation.toLowerCase() as 'average' | 'total' | 'maximum' | 'minimum';
    const points = data
      .filter((d) => typeof d[field] === 'number')
      .map((d) => ({ t: d.timeStamp.toISOString(), v: d[field] as number }))
      .sort((a, b) => a.t.localeCompare(b.t));
    return {
      resourceId: item.resource.id,
      metric: metric.name,
      unit: metric.unit,
      points,
      windowStart: new Date(window.windowStart).toISOString(),
      ...(metric.threshold === undefined ? {} : { threshold: metric.threshold }),
      citation: `Azure Monitor ${item.address.namespace} "${metric.name}" ${metric.aggregation}/${grain(window.periodSeconds)}, ${item.address.region}, subscription ${item.address.subscriptionId}`,
    };
  }

  private client(region: string, credential: TokenCredential): MetricsClient {
    let id = this.credentialIds.get(credential);
    if (id === undefined) {
      id = this.clients.size + 1;
      this.credentialIds.set(credential, id);
    }
    const key = `${region}\u0000${id}`;
    let client = this.clients.get(key);
    if (!client) {
      const endpoint = this.options.endpoint?.(region) ?? `https://${region}.metrics.monitor.azure.com`;
      // Retries are ours (withRetry): bounded by the investigation's deadline and counted.
      client = new MetricsClient(endpoint, credential, { retryOptions: { maxRetries: 0 } });
      client.pipeline.addPolicy(azureTimeoutPolicy());
      client.pipeline.addPolicy({
        name: 'countMetricsBatchCalls',
        sendRequest: (req, next) => {
          this.calls += 1;
          return next(req);
        },
      }, { afterPhase: 'Sign' });
      this.clients.set(key, client);
    }
    return client;
  }
}

function grain(periodSeconds: number): string {
  return periodSeconds >= 3600 ? `PT${periodSeconds / 3600}H` : `PT${periodSeconds / 60}M`;
}

/** The batch API answers with localized names ("Http Server Errors" for Http5xx); the id ends with the real one. */
function sameMetric(metric: Metric, name: string): boolean {
  const lower = name.toLowerCase();
  return metric.id?.toLowerCase().endsWith(`/${lower}`) || metric.name.toLowerCase() === lower;
}

const credentialErrorNames = new Set(['AuthenticationError', 'AggregateAuthenticationError', 'CredentialUnavailableError', 'AuthenticationRequiredError']);

/** Maps an Azure SDK error (RestError, identity errors, network errors) to a failure a person can act on. */
export function toMetricsError(error: unknown, region: string, subscriptionId: string): MetricsError {
  if (error instanceof MetricsError) return error;
  const e = error as { name?: string; code?: string; statusCode?: number; message?: string; details?: { error?: { code?: string; message?: string } }; response?: { headers?: { get(name: string): string | undefined } } };
  const message = e.details?.error?.message ?? e.message ?? String(error);
  const code = e.details?.error?.code ?? e.code;
  const status = e.statusCode;
  if (credentialErrorNames.has(e.name ?? '')) {
    return new MetricsError('credentials', `Azure credentials for subscription ${subscriptionId} are missing or expired: ${e.message ?? ''}`.trim(), { cause: error });
  }
  if (status === 429 || status === 529 || code === 'TooManyRequests') {
    return new MetricsError('throttled', `Azure Monitor in ${region} is throttling requests (${status}); retried until the deadline. Try again in a minute.`, { retryable: true, retryAfterMs: parseRetryAfter(e.response?.headers?.get('retry-after')), cause: error });
  }
  if (status === 401) return new MetricsError('credentials', `Azure Monitor rejected the token for subscription ${subscriptionId} (${code ?? 401}): ${message}`, { cause: error });
  if (status === 403) return new MetricsError('access_denied', `Azure Monitor refused access to subscription ${subscriptionId} (${code ?? 403}): ${message} Grant the bot Monitoring Reader on the subscription.`, { cause: error });
  if (status === 404) return new MetricsError('not_found', `Azure subscription ${subscriptionId} or its resources were not found (${code ?? 404}): ${message}`, { cause: error });
  if (isUnknownHost(error)) return new MetricsError('not_found', `Azure region ${region} has no metrics endpoint (${e.message}).`, { cause: error });
  if (e.name === 'AbortError') return new MetricsError('timeout', `Azure Monitor in ${region} did not answer in time.`, { cause: error });
  if ((status !== undefined && status >= 500) || isTransientNetwork(error)) {
    return new MetricsError('unavailable', `Azure Monitor in ${region} is unavailable (${status ?? e.code}): ${message}`, { retryable: true, cause: error });
  }
  if (status !== undefined && status >= 400) return new MetricsError('invalid_request', `Azure Monitor in ${region} rejected the query (${code ?? status}): ${message}`, { cause: error });
  return new MetricsError('unavailable', `Azure Monitor in ${region} failed: ${message}`, { cause: error });
}
