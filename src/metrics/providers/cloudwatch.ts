import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { awsRequestHandler } from '../../outbound.ts';
import pLimit, { type LimitFunction } from 'p-limit';
import type { CloudResource } from '../../stores/graph.ts';
import { catalogLookup, type AwsAddress, type AwsMetric } from '../../metrics/catalog.ts';
import type { AccountLookup, AwsCredentials } from '../credentials.ts';
import { beforeDeadline } from '../deadline.ts';
import { isTransientNetwork, isUnknownHost, MetricsError, parseRetryAfter } from '../failure.ts';
import { withRetry } from '../retry.ts';
import { failureFor, type MetricFailure, type MetricSeries, type MetricsRequest, type MetricsResult, type MetricsSource } from '../source.ts';
import { groupByAddress, periodFor, readWindow, type ProviderOptions } from './common.ts';

/** GetMetricData takes at most this many queries per call. */
export const maxQueriesPerCall = 500;

export interface CloudWatchOptions extends ProviderOptions {
  accounts: AccountLookup;
  credentials: AwsCredentials;
  /** Endpoint override per region (tests and private endpoints); default: the SDK's regional endpoint. */
  endpoint?: (region: string) => string | undefined;
}

interface Item {
  resource: CloudResource;
  address: AwsAddress;
}

interface QueryRef {
  resource: CloudResource;
  metric: AwsMetric;
  address: AwsAddress;
}

/**
 * AWS CloudWatch through `GetMetricData`: the catalog's metrics of every resource in one account
 * and region go out together, up to 500 queries per call, following `NextToken` pages. Calls run in
 * parallel under a concurrency limit, throttling is retried with backoff and jitter before the
 * deadline, and whatever fails comes back as failures naming the metrics and the reason.
 */
export class CloudWatchSource implements MetricsSource {
  readonly name = 'cloudwatch';
  /** GetMetricData requests sent (pages and retries included), for the bench and tests. */
  calls = 0;
  private readonly limit: LimitFunction;
  private readonly clients = new Map<string, CloudWatchClient>();

  constructor(private readonly options: CloudWatchOptions) {
    this.limit = pLimit(options.concurrency ?? 8);
  }

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'aws' && catalogLookup(resource).ok;
  }

  async read(request: MetricsRequest): Promise<MetricsResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    const { groups, failures } = groupByAddress<AwsAddress>(request, this.name, 'account', (a) => `${a.accountId}\u0000${a.region}`);
    const window = readWindow(request.windowMinutes, periodFor(request.windowMinutes), this.options.now);
    const settled = await Promise.all([...groups.values()].map((items) => this.readGroup(request.orgId, items, window, deadline)));
    return { series: settled.flatMap((r) => r.series), failures: [...failures, ...settled.flatMap((r) => r.failures)] };
  }

  private async readGroup(orgId: string, items: Item[], window: ReturnType<typeof readWindow>, deadline: number): Promise<MetricsResult> {
    const first = items[0] as Item;
    const { accountId, region } = first.address;
    const resources = items.map((i) => i.resource);
    let client: CloudWatchClient;
    try {
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new MetricsError('not_found', `"${region}" is not an AWS region name.`);
      const account = await this.options.accounts(orgId, accountId);
      if (!account || account.provider !== 'aws') throw new MetricsError('unknown_account', `AWS account ${accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
      client = this.client(orgId, account.accountId, region, () => this.options.credentials.forAccount(orgId, account, region));
    } catch (error) {
      const failure = toMetricsError(error, region);
      return { series: [], failures: resources.map((r) => failureFor(r, this.name, failure.reason, failure.message)) };
    }
    const refs = new Map<string, QueryRef>();
    const queries: MetricDataQuery[] = [];
    for (const item of items) {
      for (const metric of item.address.metrics) {
        const id = `m${queries.length}`;
        refs.set(id, { resource: item.resource, metric, address: item.address });
        queries.push({
          Id: id,
          Label: `${item.resource.name} ${metric.name}`,
          ReturnData: true,
          MetricStat: { Metric: { Namespace: item.address.namespace, MetricName: metric.name, Dimensions: item.address.dimensions }, Period: window.periodSeconds, Stat: metric.stat },
        });
      }
    }
    const chunks: MetricDataQuery[][] = [];
    for (let i = 0; i < queries.length; i += maxQueriesPerCall) chunks.push(queries.slice(i, i + maxQueriesPerCall));
    const results = await Promise.all(chunks.map((chunk) => this.limit(() => this.readChunk(client, chunk, refs, window, deadline, region))));
    return { series: results.flatMap((r) => r.series), failures: results.flatMap((r) => r.failures) };
  }

  private async readChunk(client: CloudWatchClient, chunk: MetricDataQuery[], refs: Map<string, QueryRef>, window: ReturnType<typeof readWindow>, deadline: number, region: string): Promise<MetricsResult> {
    const collected = new Map<string, { timestamps: Date[]; values: number[]; partial: boolean }>();
    try {
      await beforeDeadline(deadline, `CloudWatch in ${region}`, async (signal) => {
        let nextToken: string | undefined;
        do {
          const token = nextToken;
          const page = await withRetry(async () => {
            try {
              return await client.send(new GetMetricDataCommand({
                MetricDataQueries: chunk,
                StartTime: new Date(window.start),
                EndTime: new Date(window.end),
                ScanBy: 'TimestampAscending',
                ...(token ? { NextToken: token } : {}),
              }), { abortSignal: signal });
            } catch (error) {
              throw toMetricsError(error, region);
            }
          }, { deadline, ...this.options.retry });
          for (const result of page.MetricDataResults ?? []) collect(collected, result);
          nextToken = page.NextToken;
        } while (nextToken);
      });
    } catch (error) {
      const failure = toMetricsError(error, region);
      return { series: [], failures: failuresFor(chunk, refs, this.name, failure) };
    }
    const series: MetricSeries[] = [];
    for (const query of chunk) {
      const ref = refs.get(query.Id as string) as QueryRef;
      const data = collected.get(query.Id as string);
      const points = (data?.timestamps ?? []).map((t, i) => ({ t: t.toISOString(), v: data?.values[i] ?? Number.NaN }))
        .filter((p) => Number.isFinite(p.v))
        .sort((a, b) => a.t.localeCompare(b.t));
      series.push({
        resourceId: ref.resource.id,
        metric: ref.metric.name,
        unit: ref.metric.unit,
        points,
        windowStart: new Date(window.windowStart).toISOString(),
        ...(ref.metric.threshold === undefined ? {} : { threshold: ref.metric.threshold }),
        citation: `CloudWatch ${ref.address.namespace} ${ref.metric.name} {${ref.address.dimensions.map((d) => `${d.Name}=${d.Value}`).join(', ')}} ${ref.metric.stat}/${window.periodSeconds}s, ${ref.address.region}, account ${ref.address.accountId}`,
        ...(data?.partial ? { partial: true } : {}),
      });
    }
    return { series, failures: [] };
  }

  private client(orgId: string, accountId: string, region: string, credentials: () => ReturnType<AwsCredentials['forAccount']>): CloudWatchClient {
    const key = `${orgId}\u0000${accountId}\u0000${region}`;
    let client = this.clients.get(key);
    if (!client) {
      const provider = credentials();
      const endpoint = this.options.endpoint?.(region);
      // Retries are ours (withRetry): bounded by the investigation's deadline and counted.
      client = new CloudWatchClient({ region, maxAttempts: 1, requestHandler: awsRequestHandler(), ...(provider ? { credentials: provider } : {}), ...(endpoint ? { endpoint } : {}) });
      // Counted innermost, after signing: requests that reach the wire, not attempts that failed on credentials.
      client.middlewareStack.add((next) => async (args) => {
        this.calls += 1;
        return next(args);
      }, { step: 'deserialize', name: 'countGetMetricDataCalls' });
      this.clients.set(key, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

function collect(into: Map<string, { timestamps: Date[]; values: number[]; partial: boolean }>, result: MetricDataResult): void {
  if (!result.Id) return;
  const entry = into.get(result.Id) ?? { timestamps: [], values: [], partial: false };
  entry.timestamps.push(...(result.Timestamps ?? []));
  entry.values.push(...(result.Values ?? []));
  // PartialData means more pages follow for this query; only the last page's status counts.
  entry.partial = result.StatusCode === 'PartialData' || result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden';
  into.set(result.Id, entry);
}

function failuresFor(chunk: MetricDataQuery[], refs: Map<string, QueryRef>, source: string, error: MetricsError): MetricFailure[] {
  const byResource = new Map<string, { resource: CloudResource; metrics: string[] }>();
  for (const query of chunk) {
    const ref = refs.get(query.Id as string) as QueryRef;
    const entry = byResource.get(ref.resource.id) ?? { resource: ref.resource, metrics: [] };
    entry.metrics.push(ref.metric.name);
    byResource.set(ref.resource.id, entry);
  }
  return [...byResource.values()].map(({ resource, metrics }) => failureFor(resource, source, error.reason, error.message, metrics));
}

const throttling = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException']);
const credentialErrors = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'MissingAuthenticationToken', 'IncompleteSignature', 'CredentialsProviderError', 'InvalidAccessKeyId']);
const denied = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/** Maps an AWS SDK error (or a network error) to a failure a person can act on. */
export function toMetricsError(error: unknown, region: string): MetricsError {
  if (error instanceof MetricsError) return error;
  const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const codes = [e.name, e.Code].filter((c): c is string => typeof c === 'string');
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(error);
  if (codes.some((c) => throttling.has(c)) || status === 429) {
    return new MetricsError('throttled', `CloudWatch in ${region} is throttling requests (${codes[0] ?? status}); retried until the deadline. Try again in a minute.`, { retryable: true, retryAfterMs: parseRetryAfter(e.$response?.headers?.['retry-after']), cause: error });
  }
  if (codes.some((c) => credentialErrors.has(c))) {
    return new MetricsError('credentials', `AWS credentials for CloudWatch in ${region} are missing or expired (${codes[0]}): ${message}`, { cause: error });
  }
  if (codes.some((c) => denied.has(c)) || status === 403) {
    return new MetricsError('access_denied', `CloudWatch in ${region} refused access (${codes[0] ?? status}): ${message} The role needs cloudwatch:GetMetricData.`, { cause: error });
  }
  if (isUnknownHost(error)) return new MetricsError('not_found', `AWS region ${region} does not exist or has no CloudWatch endpoint (${message}).`, { cause: error });
  if (codes.includes('AbortError')) return new MetricsError('timeout', `CloudWatch in ${region} did not answer in time.`, { cause: error });
  if ((status !== undefined && status >= 500) || isTransientNetwork(error)) {
    return new MetricsError('unavailable', `CloudWatch in ${region} is unavailable (${codes[0] ?? status}): ${message}`, { retryable: true, cause: error });
  }
  if (status !== undefined && status >= 400) return new MetricsError('invalid_request', `CloudWatch in ${region} rejected the query (${codes[0] ?? status}): ${message}`, { cause: error });
  return new MetricsError('unavailable', `CloudWatch in ${region} failed: ${message}`, { cause: error });
}
