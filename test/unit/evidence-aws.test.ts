import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsChangeSource } from '../../src/evidence/changes/aws.ts';
import type { EvidenceRequest } from '../../src/evidence/common.ts';
import { CloudWatchLogsSource } from '../../src/evidence/logs/cloudwatch-logs.ts';
import { AwsCredentials } from '../../src/metrics/credentials.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { accountsOf, demoResource, quickRetry } from '../support/metrics.ts';

// Wire formats of the SDK v3 clients in package.json: CloudTrail, ECS and CloudWatch Logs speak
// AWS JSON 1.1 (POST /, X-Amz-Target <ServiceTarget>.<Operation>, errors as __type), Lambda REST
// JSON (GET /2015-03-31/functions/<name>/versions|aliases, errors in x-amzn-errortype), Auto
// Scaling the query protocol (form POST, XML answers).
const now = Date.parse('2026-03-02T12:00:00Z');
const base = async () => ({ accessKeyId: 'AKIDBOTBASE', secretAccessKey: 'base-secret' });
const json = { 'content-type': 'application/x-amz-json-1.1' };
const accounts: CloudAccountConfig[] = [{ provider: 'aws', accountId: '111111111111', name: 'demo-prod' }];
const checkout = demoResource('checkout-api', '111111111111');
const worker = demoResource('order-worker', '111111111111');
const asg: CloudResource = { id: 'arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:6d9c2c5a-1b2c-4d3e-9f00-0a1b2c3d4e5f:autoScalingGroupName/web-asg', provider: 'aws', accountId: '111111111111', type: 'aws.autoscaling.group', name: 'web-asg', region: 'us-east-1', state: 'active', tags: {} };

const changes = () => new AwsChangeSource({ accounts: accountsOf(accounts), credentials: new AwsCredentials({ base }), retry: quickRetry, now: () => now, timeoutMs: 5_000 });
const request = (resources: CloudResource[], accountIds = ['111111111111']): EvidenceRequest => ({ orgId: 'demo', accountIds, resources, windowMinutes: 60 });
const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
const epoch = (minutesAgo: number) => (now - minutesAgo * 60_000) / 1000;
const target = (req: { headers: Record<string, unknown> }) => String(req.headers['x-amz-target']).split('.').pop();

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function cloudTrail(pages: unknown[][], bodies: Record<string, unknown>[] = []): void {
  nock('https://cloudtrail.us-east-1.amazonaws.com').post('/').times(pages.length).reply(function (_uri, raw) {
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
    bodies.push(body);
    const i = bodies.length - 1;
    expect(target(this.req)).toBe('LookupEvents');
    return [200, { Events: pages[i], ...(i < pages.length - 1 ? { NextToken: `page${i + 1}` } : {}) }, json];
  });
}

describe('AWS changes through the real SDK clients', () => {
  it('reads ECS deployments with before → after revisions and who registered them, and CloudTrail writes across pages', async () => {
    const bodies: Record<string, unknown>[] = [];
    cloudTrail([
      [{ EventId: 'e1', EventName: 'UpdateService', EventTime: epoch(23), Username: 'codepipeline', EventSource: 'ecs.amazonaws.com', CloudTrailEvent: JSON.stringify({ readOnly: false }) },
        { EventId: 'e2', EventName: 'DescribeServices', EventTime: epoch(22), Username: 'bot', EventSource: 'ecs.amazonaws.com' }],
      [{ EventId: 'e3', EventName: 'TagResource', EventTime: epoch(40), Username: 'alice', EventSource: 'ecs.amazonaws.com', CloudTrailEvent: JSON.stringify({ readOnly: false }) }],
    ], bodies);
    const ecsTargets: string[] = [];
    nock('https://ecs.us-east-1.amazonaws.com').post('/').times(2).reply(function (_uri, raw) {
      const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
      ecsTargets.push(String(target(this.req)));
      if (target(this.req) === 'DescribeServices') {
        expect(body).toEqual({ cluster: 'prod-cluster', services: [checkout.id] });
        return [200, { services: [{ serviceName: 'checkout-api', deployments: [
          { id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/checkout-api:41', createdAt: epoch(23) },
          { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/checkout-api:40', createdAt: epoch(2000) },
        ] }], failures: [] }, json];
      }
      return [200, { taskDefinition: { family: 'checkout-api', revision: 41, registeredBy: 'arn:aws:sts::111111111111:assumed-role/deploy/ci' } }, json];
    });
    const result = await changes().read(request([checkout]));

    expect(result.failures).toEqual([]);
    expect(bodies[0]).toMatchObject({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'checkout-api' }], MaxResults: 50, StartTime: epoch(60), EndTime: epoch(0) });
    expect(bodies[1]).toMatchObject({ NextToken: 'page1' });
    expect(ecsTargets.sort()).toEqual(['DescribeServices', 'DescribeTaskDefinition']);
    const deployment = result.items.find((c) => c.source === 'ecs-deployment');
    expect(deployment).toEqual(expect.objectContaining({ at: iso(23), before: 'checkout-api:40', after: 'checkout-api:41', actor: 'arn:aws:sts::111111111111:assumed-role/deploy/ci', resourceId: checkout.id }));
    // Read-only calls are not changes.
    expect(result.items.filter((c) => c.source === 'cloudtrail').map((c) => c.summary)).toEqual(['UpdateService (ecs) on checkout-api', 'TagResource (ecs) on checkout-api']);
  });

  it('stops paging CloudTrail at the page bound', async () => {
    const bodies: Record<string, unknown>[] = [];
    const page = [{ EventId: 'x', EventName: 'UpdateService', EventTime: epoch(5) }];
    cloudTrail([page, page, page, page], bodies);
    const source = new AwsChangeSource({ accounts: accountsOf(accounts), credentials: new AwsCredentials({ base }), retry: quickRetry, now: () => now, maxPages: 2 });
    const result = await source.read(request([demoResource('checkout-db', '111111111111')]));
    expect(bodies).toHaveLength(2);
    expect(result.items).toHaveLength(2);
  });

  it('reads Lambda versions with the aliases pointing at them, following Marker pages', async () => {
    cloudTrail([[]]);
    const lambda = nock('https://lambda.us-east-1.amazonaws.com');
    lambda.get('/2015-03-31/functions/order-worker/versions').query({ MaxItems: '50' }).reply(200, { Versions: [{ Version: '$LATEST', LastModified: '2026-03-02T11:50:00.000+0000' }, { Version: '6', LastModified: '2026-02-20T10:00:00.000+0000' }], NextMarker: 'm2' });
    lambda.get('/2015-03-31/functions/order-worker/versions').query({ MaxItems: '50', Marker: 'm2' }).reply(200, { Versions: [{ Version: '7', LastModified: '2026-03-02T11:32:00.000+0000', Description: 'batch size 10 → 100' }] });
    lambda.get('/2015-03-31/functions/order-worker/aliases').query({ MaxItems: '50' }).reply(200, { Aliases: [{ Name: 'live', FunctionVersion: '7' }] });
    const result = await changes().read(request([worker]));
    expect(result.failures).toEqual([]);
    expect(result.items).toEqual([expect.objectContaining({ source: 'lambda-version', at: iso(28), before: 'version 6', after: 'version 7', summary: 'order-worker version 7 published: batch size 10 → 100 (alias live → 7)' })]);
  });

  it('reads Auto Scaling activities (query protocol) and stops at the first one older than the window', async () => {
    cloudTrail([[]]);
    const forms: string[] = [];
    nock('https://autoscaling.us-east-1.amazonaws.com').post('/').reply((_uri, body) => {
      forms.push(String(body));
      return [200, `<?xml version="1.0"?><DescribeScalingActivitiesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeScalingActivitiesResult><Activities>
        <member><ActivityId>a1</ActivityId><AutoScalingGroupName>web-asg</AutoScalingGroupName><Description>Terminating EC2 instance: i-0000000000000002</Description><Cause>scale in</Cause><StartTime>${iso(10)}</StartTime><StatusCode>Successful</StatusCode><Progress>100</Progress></member>
        <member><ActivityId>a0</ActivityId><AutoScalingGroupName>web-asg</AutoScalingGroupName><Description>Launching a new EC2 instance</Description><Cause>scale out</Cause><StartTime>${iso(600)}</StartTime><StatusCode>Successful</StatusCode><Progress>100</Progress></member>
        </Activities><NextToken>more</NextToken></DescribeScalingActivitiesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeScalingActivitiesResponse>`, { 'content-type': 'text/xml' }];
    });
    const result = await changes().read(request([asg]));
    expect(forms[0]).toContain('Action=DescribeScalingActivities');
    expect(forms[0]).toContain('AutoScalingGroupName=web-asg');
    expect(result.items).toEqual([expect.objectContaining({ source: 'autoscaling', at: iso(10), summary: 'Terminating EC2 instance: i-0000000000000002 (Successful)' })]);
  });

  it('retries a throttled LookupEvents and names the IAM action when one API is denied, keeping what the others answered', async () => {
    nock('https://cloudtrail.us-east-1.amazonaws.com').post('/').reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }, json);
    cloudTrail([[{ EventId: 'e1', EventName: 'UpdateService', EventTime: epoch(3) }]]);
    nock('https://ecs.us-east-1.amazonaws.com').post('/').reply(400, { __type: 'AccessDeniedException', message: 'User: arn:aws:sts::111111111111:assumed-role/bot is not authorized to perform: ecs:DescribeServices' }, json);
    const result = await changes().read(request([checkout]));
    expect(result.items.map((c) => c.summary)).toEqual(['UpdateService on checkout-api']);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'access_denied', resourceName: 'checkout-api' })]);
    expect(result.failures[0]?.message).toContain('Grant the bot ecs:DescribeServices');
  });

  it('gives up on an AWS API that does not answer within the read\'s bound and says so, keeping what the others answered', async () => {
    nock('https://cloudtrail.us-east-1.amazonaws.com').post('/').delay(5_000).reply(200, { Events: [] }, json);
    nock('https://ecs.us-east-1.amazonaws.com').post('/').reply(200, { services: [{ serviceName: 'checkout-api', deployments: [] }], failures: [] }, json);
    const started = Date.now();
    const result = await new AwsChangeSource({ accounts: accountsOf(accounts), credentials: new AwsCredentials({ base }), retry: quickRetry, now: () => now, timeoutMs: 300 }).read(request([checkout]));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'timeout', resourceName: 'checkout-api' })]);
    nock.abortPendingRequests();
  });

  it('refuses a resource outside the channel\'s accounts without calling AWS', async () => {
    const result = await changes().read(request([checkout], ['222222222222']));
    expect(result).toEqual({ items: [], failures: [expect.objectContaining({ reason: 'out_of_scope' })] });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

describe('CloudWatch Logs Insights through the real SDK client', () => {
  const logs = () => new CloudWatchLogsSource({ accounts: accountsOf(accounts), credentials: new AwsCredentials({ base }), retry: quickRetry, now: () => now, timeoutMs: 5_000, pollMs: 5 });
  const tagged: CloudResource = { ...checkout, tags: { ...checkout.tags, logGroup: '/ecs/checkout-api' } };

  it('starts a bounded query on the tagged log group, polls until Complete and returns clustered, redacted signatures', async () => {
    const seen: { target: string; body: Record<string, unknown> }[] = [];
    let polls = 0;
    nock('https://logs.us-east-1.amazonaws.com').post('/').times(3).reply(function (_uri, raw) {
      const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
      const op = String(target(this.req));
      seen.push({ target: op, body });
      if (op === 'StartQuery') return [200, { queryId: 'q-1' }, json];
      polls += 1;
      if (polls === 1) return [200, { status: 'Running', results: [] }, json];
      const row = (minutesAgo: number, message: string) => [{ field: '@timestamp', value: new Date(now - minutesAgo * 60_000).toISOString().replace('T', ' ').replace('Z', '') }, { field: '@message', value: message }];
      return [200, { status: 'Complete', results: [
        row(2, 'ERROR connection pool exhausted (active=10, waiting=120) token=abcd1234efgh5678'),
        row(9, 'ERROR connection pool exhausted (active=10, waiting=31) token=zzzz1234efgh5678'),
        row(5, 'ERROR upstream 503 from 10.0.3.7:5432 Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'),
      ] }, json];
    });
    const result = await logs().read({ orgId: 'demo', accountIds: ['111111111111'], resources: [tagged], windowMinutes: 30 });
    expect(result.failures).toEqual([]);
    expect(seen.map((s) => s.target)).toEqual(['StartQuery', 'GetQueryResults', 'GetQueryResults']);
    expect(seen[0]?.body).toMatchObject({ logGroupNames: ['/ecs/checkout-api'], startTime: epoch(30), endTime: epoch(0), limit: 1000 });
    expect(seen[1]?.body).toEqual({ queryId: 'q-1' });
    expect(result.items[0]).toEqual(expect.objectContaining({ count: 2, template: 'ERROR connection pool exhausted (active=<num>, waiting=<num>) token=[redacted]', firstSeen: iso(9), lastSeen: iso(2) }));
    const text = JSON.stringify(result);
    expect(text).not.toContain('abcd1234efgh5678');
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  });

  it('names logs:StartQuery when the role may not query the log group', async () => {
    nock('https://logs.us-east-1.amazonaws.com').post('/').reply(400, { __type: 'AccessDeniedException', message: 'not authorized to perform: logs:StartQuery' }, json);
    const result = await logs().read({ orgId: 'demo', accountIds: ['111111111111'], resources: [tagged], windowMinutes: 30 });
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'access_denied' })]);
    expect(result.failures[0]?.message).toContain('Grant the bot logs:StartQuery');
  });
});
