import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand, StopQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AccountLookup, AwsCredentials } from '../../metrics/credentials.ts';
import { beforeDeadline } from '../../metrics/deadline.ts';
import { MetricsError } from '../../metrics/failure.ts';
import { toMetricsError } from '../../metrics/providers/cloudwatch.ts';
import { withRetry, type RetryOptions } from '../../metrics/retry.ts';
import { failureFor } from '../../metrics/source.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { evidenceError, outOfScope, type EvidenceRequest } from '../common.ts';
import { clusterLines, type LogLine } from './cluster.ts';
import { logGroupOf, logReadLimits, withinReadLimits, type LogSource, type LogsResult } from './source.ts';

export interface CloudWatchLogsOptions {
  accounts: AccountLookup;
  credentials: AwsCredentials;
  timeoutMs?: number;
  /** Wait between GetQueryResults polls. */
  pollMs?: number;
  endpoint?: (region: string) => string | undefined;
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>;
  now?: () => number;
}

/** The Insights query: error-looking lines only, newest first, capped on the server. */
export const insightsQuery = `fields @timestamp, @message
| filter @message like /(?i)(error|exception|fatal|panic|timeout|timed out|refused|exhausted|failed|denied|unavailable)/
| sort @timestamp desc
| limit ${logReadLimits.maxLines}`;

/**
 * CloudWatch Logs Insights: `StartQuery` over the resource's log group (estate tag `logGroup`;
 * Lambda functions default to /aws/lambda/<name>), then `GetQueryResults` polled until the query
 * completes or the deadline passes (the query is then stopped and what arrived is used, marked
 * partial). Lines are clustered into signatures; raw lines never leave this module.
 */
export class CloudWatchLogsSource implements LogSource {
  readonly name = 'cloudwatch-logs';
  calls = 0;
  private readonly clients = new Map<string, CloudWatchLogsClient>();

  constructor(private readonly options: CloudWatchLogsOptions) {}

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'aws' && logGroupOf(resource) !== undefined;
  }

  async read(request: EvidenceRequest): Promise<LogsResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 20_000);
    const results = await Promise.all(request.resources.map(async (resource): Promise<LogsResult> => {
      if (!request.accountIds.includes(resource.accountId)) return { items: [], failures: [outOfScope(resource, this.name)] };
      const group = logGroupOf(resource);
      if (!group) return { items: [], failures: [failureFor(resource, this.name, 'unsupported', `${resource.name} names no log group: tag it with logGroup.`)] };
      try {
        const lines = await this.query(request.orgId, resource, group, request.windowMinutes, deadline);
        return { items: clusterLines(resource.id, lines.lines, `CloudWatch Logs Insights on ${group}, last ${request.windowMinutes} min, ${resource.region}${lines.partial ? ' (partial: the query did not finish in time)' : ''}`), failures: [] };
      } catch (error) {
        const e = error instanceof MetricsError ? error : toMetricsError(error, resource.region);
        return { items: [], failures: [failureFor(resource, this.name, e.reason, e.message)] };
      }
    }));
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }

  private async query(orgId: string, resource: CloudResource, group: string, windowMinutes: number, deadline: number): Promise<{ lines: LogLine[]; partial: boolean }> {
    const region = resource.region;
    const account = await this.options.accounts(orgId, resource.accountId);
    if (!account || account.provider !== 'aws') throw new MetricsError('unknown_account', `AWS account ${resource.accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
    const client = this.client(orgId, resource.accountId, region, () => this.options.credentials.forAccount(orgId, account, region));
    const now = (this.options.now ?? Date.now)();
    const call = async <T>(what: string, action: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> => {
      try {
        return await beforeDeadline(deadline, `CloudWatch Logs ${what} in ${region}`, (signal) => withRetry(async () => {
          try {
            return await send(signal);
          } catch (error) {
            throw toMetricsError(error, region);
          }
        }, { deadline, ...this.options.retry }));
      } catch (error) {
        throw evidenceError(toMetricsError(error, region), `CloudWatch Logs ${what} on ${group} in ${region}`, action);
      }
    };
    const started = await call('StartQuery', 'logs:StartQuery', (abortSignal) => client.send(new StartQueryCommand({
      logGroupNames: [group],
      startTime: Math.floor((now - windowMinutes * 60_000) / 1000),
      endTime: Math.floor(now / 1000),
      queryString: insightsQuery,
      limit: logReadLimits.maxLines,
    }), { abortSignal }));
    const queryId = started.queryId;
    if (!queryId) throw new MetricsError('unavailable', `CloudWatch Logs StartQuery on ${group} returned no query id.`);
    const pollMs = this.options.pollMs ?? 1_000;
    for (;;) {
      const answer = await call('GetQueryResults', 'logs:GetQueryResults', (abortSignal) => client.send(new GetQueryResultsCommand({ queryId }), { abortSignal }));
      const status = answer.status ?? 'Unknown';
      const done = status === 'Complete' || status === 'Failed' || status === 'Cancelled' || status === 'Timeout';
      if (status === 'Failed' || status === 'Cancelled') throw new MetricsError('unavailable', `CloudWatch Logs Insights query on ${group} ended ${status}.`);
      const outOfTime = Date.now() + pollMs >= deadline - 500;
      if (done || outOfTime) {
        if (!done) {
          // Frees the account's concurrent-query slot (30 per account); best effort, needs logs:StopQuery.
          void client.send(new StopQueryCommand({ queryId })).catch(() => undefined);
        }
        const lines = withinReadLimits((answer.results ?? []).map((row) => {
          const field = (name: string) => row.find((f) => f.field === name)?.value ?? '';
          const at = new Date(`${field('@timestamp').replace(' ', 'T')}Z`);
          return { at: Number.isNaN(at.getTime()) ? new Date(now).toISOString() : at.toISOString(), message: field('@message') };
        }).filter((l) => l.message));
        return { lines, partial: !done || status === 'Timeout' };
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private client(orgId: string, accountId: string, region: string, credentials: () => ReturnType<AwsCredentials['forAccount']>): CloudWatchLogsClient {
    const key = `${orgId}\u0000${accountId}\u0000${region}`;
    let client = this.clients.get(key);
    if (!client) {
      const provider = credentials();
      const endpoint = this.options.endpoint?.(region);
      client = new CloudWatchLogsClient({ region, maxAttempts: 1, ...(provider ? { credentials: provider } : {}), ...(endpoint ? { endpoint } : {}) });
      client.middlewareStack.add((next) => async (args) => {
        this.calls += 1;
        return next(args);
      }, { step: 'deserialize', name: 'countLogsCalls' });
      this.clients.set(key, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
