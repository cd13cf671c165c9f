import { AutoScalingClient, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import type { CloudResource } from '../../stores/graph.ts';
import type { AccountLookup, AwsCredentials } from '../../metrics/credentials.ts';
import { beforeDeadline } from '../../metrics/deadline.ts';
import { MetricsError } from '../../metrics/failure.ts';
import { toMetricsError } from '../../metrics/providers/cloudwatch.ts';
import { withRetry, type RetryOptions } from '../../metrics/retry.ts';
import { failureFor } from '../../metrics/source.ts';
import { evidenceError, outOfScope, type EvidenceFailure, type EvidenceRequest } from '../common.ts';
import type { ChangeRecord, ChangeSource, ChangesResult } from './record.ts';

export interface AwsChangeOptions {
  accounts: AccountLookup;
  credentials: AwsCredentials;
  /** One read gives up after this long; what is missing is reported as a timeout. */
  timeoutMs?: number;
  /** CloudTrail pages (50 events each) read at most per resource: LookupEvents allows 2 calls a second per account and region. */
  maxPages?: number;
  /** Endpoint override per service and region (tests and private endpoints). */
  endpoint?: (service: 'cloudtrail' | 'ecs' | 'lambda' | 'autoscaling', region: string) => string | undefined;
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>;
  now?: () => number;
}

type Clients = { cloudtrail: CloudTrailClient; ecs: ECSClient; lambda: LambdaClient; autoscaling: AutoScalingClient };

/** Reads that only look, never change: CloudTrail records them too, but they are not changes. */
const readOnlyCall = /^(Describe|List|Get|Lookup|Search|Head|Batch(Get|Describe)|Check|Validate|Simulate|Decrypt|Encrypt|GenerateDataKey|AssumeRole)/;

/**
 * Recent changes of AWS resources: CloudTrail `LookupEvents` (management events naming the
 * resource, read-only calls left out) for every type, plus the service's own history where it is
 * sharper: ECS service deployments with their task-definition revisions, Lambda versions and the
 * aliases pointing at them, Auto Scaling activities. Each API is bounded in pages and by the
 * deadline; a denied or throttled API becomes a failure naming the missing IAM action while the
 * others still answer.
 */
export class AwsChangeSource implements ChangeSource {
  readonly name = 'aws';
  /** Requests that reached the wire, for tests. */
  calls = 0;
  private readonly clients = new Map<string, Clients>();

  constructor(private readonly options: AwsChangeOptions) {}

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'aws' && resource.id.startsWith('arn:');
  }

  async read(request: EvidenceRequest): Promise<ChangesResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    const now = (this.options.now ?? Date.now)();
    const window = { start: new Date(now - request.windowMinutes * 60_000), end: new Date(now) };
    const results = await Promise.all(request.resources.map(async (resource): Promise<ChangesResult> => {
      if (!request.accountIds.includes(resource.accountId)) return { items: [], failures: [outOfScope(resource, this.name)] };
      const region = resource.region;
      let clients: Clients;
      try {
        if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new MetricsError('not_found', `"${region}" is not an AWS region name.`);
        const account = await this.options.accounts(request.orgId, resource.accountId);
        if (!account || account.provider !== 'aws') throw new MetricsError('unknown_account', `AWS account ${resource.accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
        clients = this.clientsFor(request.orgId, resource.accountId, region, () => this.options.credentials.forAccount(request.orgId, account, region));
      } catch (error) {
        const e = toMetricsError(error, region);
        return { items: [], failures: [failureFor(resource, this.name, e.reason, e.message)] };
      }
      const reads: Promise<ChangeRecord[]>[] = [this.cloudTrail(clients, resource, window, deadline)];
      if (resource.type === 'aws.ecs.service') reads.push(this.ecs(clients, resource, window, deadline));
      if (resource.type === 'aws.lambda.function') reads.push(this.lambda(clients, resource, window, deadline));
      if (resource.type === 'aws.autoscaling.group') reads.push(this.autoscaling(clients, resource, window, deadline));
      const settled = await Promise.allSettled(reads);
      const items: ChangeRecord[] = [];
      const failures: EvidenceFailure[] = [];
      for (const s of settled) {
        if (s.status === 'fulfilled') items.push(...s.value);
        else {
          const e = s.reason instanceof MetricsError ? s.reason : toMetricsError(s.reason, region);
          failures.push(failureFor(resource, this.name, e.reason, e.message));
        }
      }
      return { items, failures };
    }));
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }

  /** One SDK call, retried on throttling before the deadline, its failure labelled with the API and the IAM action. */
  private async call<T>(what: string, action: string, region: string, deadline: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await beforeDeadline(deadline, `${what} in ${region}`, (signal) => withRetry(async () => {
        try {
          return await send(signal);
        } catch (error) {
          throw toMetricsError(error, region);
        }
      }, { deadline, ...this.options.retry }));
    } catch (error) {
      throw evidenceError(toMetricsError(error, region), `${what} in ${region}`, action);
    }
  }

  private async cloudTrail(c: Clients, resource: CloudResource, window: { start: Date; end: Date }, deadline: number): Promise<ChangeRecord[]> {
    const out: ChangeRecord[] = [];
    let token: string | undefined;
    for (let page = 0; page < (this.options.maxPages ?? 3); page += 1) {
      const next = token;
      const answer = await this.call('CloudTrail LookupEvents', 'cloudtrail:LookupEvents', resource.region, deadline, (abortSignal) => c.cloudtrail.send(new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: resource.name }],
        StartTime: window.start,
        EndTime: window.end,
        MaxResults: 50,
        ...(next ? { NextToken: next } : {}),
      }), { abortSignal }));
      for (const event of answer.Events ?? []) {
        if (!event.EventTime || !event.EventName || readOnlyCall.test(event.EventName) || readOnlyFlag(event.CloudTrailEvent)) continue;
        out.push({
          at: event.EventTime.toISOString(),
          ...(event.Username ? { actor: event.Username } : {}),
          summary: `${event.EventName}${event.EventSource ? ` (${event.EventSource.replace('.amazonaws.com', '')})` : ''} on ${resource.name}`,
          resourceId: resource.id,
          source: 'cloudtrail',
          citation: `CloudTrail event ${event.EventId ?? ''} in ${resource.region}`.trim(),
        });
      }
      token = answer.NextToken;
      if (!token) break;
    }
    return out;
  }

  private async ecs(c: Clients, resource: CloudResource, window: { start: Date; end: Date }, deadline: number): Promise<ChangeRecord[]> {
    const cluster = /:service\/([^/]+)\/[^/]+$/.exec(resource.id)?.[1];
    if (!cluster) return [];
    const answer = await this.call('ECS DescribeServices', 'ecs:DescribeServices', resource.region, deadline, (abortSignal) => c.ecs.send(new DescribeServicesCommand({ cluster, services: [resource.id] }), { abortSignal }));
    const service = answer.services?.[0];
    const deployments = [...(service?.deployments ?? [])].sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
    const out: ChangeRecord[] = [];
    for (const [i, d] of deployments.entries()) {
      if (!d.createdAt || !d.taskDefinition || d.createdAt < window.start) continue;
      const after = revisionOf(d.taskDefinition);
      const before = i > 0 ? revisionOf(deployments[i - 1]?.taskDefinition ?? '') : undefined;
      // Who registered the revision: the deployment itself does not say.
      const registered = await this.call('ECS DescribeTaskDefinition', 'ecs:DescribeTaskDefinition', resource.region, deadline, (abortSignal) => c.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: d.taskDefinition }), { abortSignal }))
        .then((t) => t.taskDefinition?.registeredBy, () => undefined);
      out.push({
        at: d.createdAt.toISOString(),
        ...(registered ? { actor: registered } : {}),
        summary: `${resource.name} deployment of task definition ${after}${d.status ? ` (${d.status}${d.rolloutState ? `, rollout ${d.rolloutState}` : ''})` : ''}`,
        resourceId: resource.id,
        source: 'ecs-deployment',
        ...(before && before !== after ? { before } : {}),
        after,
        citation: `ECS DescribeServices ${cluster}/${resource.name} deployment ${d.id ?? ''}, ${resource.region}`.trim(),
      });
    }
    return out;
  }

  private async lambda(c: Clients, resource: CloudResource, window: { start: Date; end: Date }, deadline: number): Promise<ChangeRecord[]> {
    const versions: { version: string; at: Date; description?: string }[] = [];
    let marker: string | undefined;
    for (let page = 0; page < (this.options.maxPages ?? 3); page += 1) {
      const next = marker;
      const answer = await this.call('Lambda ListVersionsByFunction', 'lambda:ListVersionsByFunction', resource.region, deadline, (abortSignal) => c.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: resource.name, MaxItems: 50, ...(next ? { Marker: next } : {}) }), { abortSignal }));
      for (const v of answer.Versions ?? []) {
        if (!v.Version || v.Version === '$LATEST' || !v.LastModified) continue;
        const at = new Date(v.LastModified);
        if (!Number.isNaN(at.getTime())) versions.push({ version: v.Version, at, ...(v.Description ? { description: v.Description } : {}) });
      }
      marker = answer.NextMarker;
      if (!marker) break;
    }
    const aliases = await this.call('Lambda ListAliases', 'lambda:ListAliases', resource.region, deadline, (abortSignal) => c.lambda.send(new ListAliasesCommand({ FunctionName: resource.name, MaxItems: 50 }), { abortSignal }));
    versions.sort((a, b) => Number(a.version) - Number(b.version));
    return versions.flatMap((v, i) => {
      if (v.at < window.start) return [];
      const pointing = (aliases.Aliases ?? []).filter((a) => a.FunctionVersion === v.version).map((a) => a.Name);
      const before = versions[i - 1]?.version;
      return [{
        at: v.at.toISOString(),
        summary: `${resource.name} version ${v.version} published${v.description ? `: ${v.description.slice(0, 120)}` : ''}${pointing.length ? ` (alias ${pointing.join(', ')} → ${v.version})` : ''}`,
        resourceId: resource.id,
        source: 'lambda-version' as const,
        ...(before ? { before: `version ${before}` } : {}),
        after: `version ${v.version}`,
        citation: `Lambda ListVersionsByFunction ${resource.name}, ${resource.region}`,
      }];
    });
  }

  private async autoscaling(c: Clients, resource: CloudResource, window: { start: Date; end: Date }, deadline: number): Promise<ChangeRecord[]> {
    const out: ChangeRecord[] = [];
    let token: string | undefined;
    for (let page = 0; page < (this.options.maxPages ?? 3); page += 1) {
      const next = token;
      const answer = await this.call('Auto Scaling DescribeScalingActivities', 'autoscaling:DescribeScalingActivities', resource.region, deadline, (abortSignal) => c.autoscaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: resource.name, MaxRecords: 50, ...(next ? { NextToken: next } : {}) }), { abortSignal }));
      let older = false;
      for (const a of answer.Activities ?? []) {
        if (!a.StartTime) continue;
        if (a.StartTime < window.start) {
          older = true;
          continue;
        }
        out.push({
          at: a.StartTime.toISOString(),
          summary: `${(a.Description ?? 'Scaling activity').slice(0, 200)}${a.StatusCode ? ` (${a.StatusCode})` : ''}`,
          resourceId: resource.id,
          source: 'autoscaling',
          citation: `Auto Scaling DescribeScalingActivities ${resource.name} activity ${a.ActivityId ?? ''}, ${resource.region}`.trim(),
        });
      }
      token = answer.NextToken;
      // Activities come newest first: once one is older than the window, later pages are too.
      if (!token || older) break;
    }
    return out;
  }

  private clientsFor(orgId: string, accountId: string, region: string, credentials: () => ReturnType<AwsCredentials['forAccount']>): Clients {
    const key = `${orgId}\u0000${accountId}\u0000${region}`;
    const existing = this.clients.get(key);
    if (existing) return existing;
    const provider = credentials();
    const config = (service: 'cloudtrail' | 'ecs' | 'lambda' | 'autoscaling') => {
      const endpoint = this.options.endpoint?.(service, region);
      // Retries are ours (withRetry), bounded by the deadline.
      return { region, maxAttempts: 1, ...(provider ? { credentials: provider } : {}), ...(endpoint ? { endpoint } : {}) };
    };
    const made: Clients = {
      cloudtrail: new CloudTrailClient(config('cloudtrail')),
      ecs: new ECSClient(config('ecs')),
      lambda: new LambdaClient(config('lambda')),
      autoscaling: new AutoScalingClient(config('autoscaling')),
    };
    for (const client of Object.values(made) as { middlewareStack: CloudTrailClient['middlewareStack'] }[]) {
      client.middlewareStack.add((next) => async (args) => {
        this.calls += 1;
        return next(args);
      }, { step: 'deserialize', name: 'countChangeCalls' });
    }
    this.clients.set(key, made);
    return made;
  }

  close(): void {
    for (const c of this.clients.values()) for (const client of Object.values(c) as { destroy(): void }[]) client.destroy();
    this.clients.clear();
  }
}

/** "arn:aws:ecs:…:task-definition/checkout-api:41" → "checkout-api:41". */
function revisionOf(taskDefinitionArn: string): string {
  return taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
}

function readOnlyFlag(raw: string | undefined): boolean {
  if (!raw) return false;
  try {
    return (JSON.parse(raw) as { readOnly?: unknown }).readOnly === true;
  } catch {
    return false;
  }
}
