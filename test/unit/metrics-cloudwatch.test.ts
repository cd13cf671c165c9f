import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsCredentials } from '../../src/metrics/credentials.ts';
import { CloudWatchSource } from '../../src/metrics/providers/cloudwatch.ts';
import type { MetricsRequest } from '../../src/metrics/source.ts';
import { summarizeSeries } from '../../src/metrics/summarize.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { accountsOf, demoResource, demoResources, quickRetry } from '../support/metrics.ts';

// CloudWatch's wire format in @aws-sdk/client-cloudwatch 3.11xx: AWS JSON 1.0 (query-compatible).
// POST / with X-Amz-Target GraniteServiceVersion20100801.GetMetricData; timestamps are epoch
// seconds; errors carry __type and, for query compatibility, x-amzn-query-error "Code;Sender".
const endpoint = 'https://monitoring.us-east-1.amazonaws.com';
const json = { 'content-type': 'application/x-amz-json-1.0' };
const now = Date.parse('2026-03-02T12:00:30Z');
const end = Date.parse('2026-03-02T12:00:00Z');
const base = async () => ({ accessKeyId: 'AKIDBOTBASE', secretAccessKey: 'base-secret' });

interface Query { Id: string; MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number; Stat: string } }
interface Body { MetricDataQueries: Query[]; StartTime: number; EndTime: number; NextToken?: string; ScanBy?: string }

const accounts: CloudAccountConfig[] = [
  { provider: 'aws', accountId: '111111111111', name: 'demo-prod' },
  { provider: 'aws', accountId: '333333333333', name: 'globex-prod', roleArn: 'arn:aws:iam::333333333333:role/CloudCompanionRead', externalId: 'globex-7f3a' },
];

function source(options: Partial<ConstructorParameters<typeof CloudWatchSource>[0]> = {}): CloudWatchSource {
  return new CloudWatchSource({ accounts: accountsOf(accounts), credentials: new AwsCredentials({ base }), retry: quickRetry, now: () => now, timeoutMs: 5_000, ...options });
}

function request(resources: CloudResource[], accountIds = ['111111111111', '333333333333']): MetricsRequest {
  return { orgId: 'demo', accountIds, resources, windowMinutes: 60 };
}

/** Answers every query with 120 one-minute points: flat at 10, or what `value` says. */
function results(body: Body, value: (q: Query, i: number) => number = () => 10, count = 120): unknown[] {
  return body.MetricDataQueries.map((q) => ({
    Id: q.Id, Label: q.Id, StatusCode: 'Complete',
    Timestamps: Array.from({ length: count }, (_, i) => body.EndTime - (count - i) * 60),
    Values: Array.from({ length: count }, (_, i) => value(q, i)),
  }));
}

const parse = (body: unknown): Body => (typeof body === 'string' ? JSON.parse(body) : body) as Body;

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('CloudWatch source through the real SDK client', () => {
  it('addresses each resource type by the dimensions CloudWatch uses, derived from its ARN', async () => {
    const bodies: Body[] = [];
    const targets: string[] = [];
    nock(endpoint).post('/').reply(function (_uri, raw) {
      const body = parse(raw);
      bodies.push(body);
      targets.push(String(this.req.headers['x-amz-target']));
      return [200, { MetricDataResults: results(body), Messages: [] }, json];
    });
    const resources = ['checkout-api', 'checkout-alb', 'checkout-db', 'order-worker', 'orders-queue', 'checkout-tg'].map((n) => demoResource(n, '111111111111'));
    const ec2 = demoResources().find((r) => r.type === 'aws.ec2.instance') as CloudResource;
    const result = await source().read(request([...resources, ec2]));

    expect(targets).toEqual(['GraniteServiceVersion20100801.GetMetricData']);
    const dims = (metric: string, namespace: string) => bodies[0]?.MetricDataQueries.find((q) => q.MetricStat.Metric.MetricName === metric && q.MetricStat.Metric.Namespace === namespace)?.MetricStat.Metric.Dimensions;
    expect(dims('CPUUtilization', 'AWS/ECS')).toEqual([{ Name: 'ClusterName', Value: 'prod-cluster' }, { Name: 'ServiceName', Value: 'checkout-api' }]);
    expect(dims('TargetResponseTime', 'AWS/ApplicationELB')).toEqual([{ Name: 'LoadBalancer', Value: 'app/checkout-alb/50dc6c495c0c9188' }]);
    expect(dims('FreeStorageSpace', 'AWS/RDS')).toEqual([{ Name: 'DBInstanceIdentifier', Value: 'checkout-db' }]);
    expect(dims('Throttles', 'AWS/Lambda')).toEqual([{ Name: 'FunctionName', Value: 'order-worker' }]);
    expect(dims('ApproximateAgeOfOldestMessage', 'AWS/SQS')).toEqual([{ Name: 'QueueName', Value: 'orders-queue' }]);
    expect(dims('RequestCountPerTarget', 'AWS/ApplicationELB')).toEqual([{ Name: 'TargetGroup', Value: 'targetgroup/checkout-tg/73e2d6bc24d8a067' }]);
    expect(dims('StatusCheckFailed', 'AWS/EC2')).toEqual([{ Name: 'InstanceId', Value: 'i-0a7c3e9f1b2d45e61' }]);
    // Two windows (current and previous, for the change), aligned to the minute.
    expect(bodies[0]?.EndTime).toBe(end / 1000);
    expect(bodies[0]?.StartTime).toBe(end / 1000 - 2 * 3600);
    expect(result.failures).toEqual([]);
    const cpu = result.series.find((s) => s.metric === 'CPUUtilization' && s.resourceId.includes('checkout-api'));
    expect(cpu?.points).toHaveLength(120);
    expect(cpu?.citation).toBe('CloudWatch AWS/ECS CPUUtilization {ClusterName=prod-cluster, ServiceName=checkout-api} Average/60s, us-east-1, account 111111111111');
    expect(summarizeSeries(cpu as never, 'checkout-api', 60, 'cloudwatch')).toMatchObject({ points: 60, avg: 10, change: { previousAvg: 10, percent: 0 } });
  });

  it('puts at most 500 queries in one GetMetricData call: 600 queries cost two calls', async () => {
    const sizes: number[] = [];
    nock(endpoint).post('/').times(2).reply((_uri, raw) => {
      const body = parse(raw);
      sizes.push(body.MetricDataQueries.length);
      return [200, { MetricDataResults: results(body, () => 1, 2) }, json];
    });
    const db = demoResource('checkout-db', '111111111111');
    const many = Array.from({ length: 120 }, (_, i) => ({ ...db, id: `${db.id}-${i}`, name: `db-${i}` }));
    const cw = source();
    const result = await cw.read(request(many));
    expect(sizes.sort((a, b) => b - a)).toEqual([500, 100]);
    expect(cw.calls).toBe(2);
    expect(result.series).toHaveLength(600);
    expect(result.failures).toEqual([]);
  });

  it('follows NextToken pages and joins each query\'s points in time order', async () => {
    const tokens: (string | undefined)[] = [];
    nock(endpoint).post('/').times(2).reply((_uri, raw) => {
      const body = parse(raw);
      tokens.push(body.NextToken);
      const all = results(body, (_q, i) => i) as { Timestamps: number[]; Values: number[] }[];
      const half = (r: { Timestamps: number[]; Values: number[] }, first: boolean) => ({ ...r, Timestamps: first ? r.Timestamps.slice(0, 60) : r.Timestamps.slice(60), Values: first ? r.Values.slice(0, 60) : r.Values.slice(60), StatusCode: first ? 'PartialData' : 'Complete' });
      return body.NextToken
        ? [200, { MetricDataResults: all.map((r) => half(r, false)) }, json]
        : [200, { MetricDataResults: all.map((r) => half(r, true)), NextToken: 'page-2' }, json];
    });
    const cw = source();
    const result = await cw.read(request([demoResource('checkout-api', '111111111111')]));
    expect(tokens).toEqual([undefined, 'page-2']);
    expect(cw.calls).toBe(2);
    const cpu = result.series.find((s) => s.metric === 'CPUUtilization');
    expect(cpu?.points.map((p) => p.v)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(cpu?.partial).toBeUndefined();
  });

  it('returns an empty series as empty and marks partial data as partial', async () => {
    nock(endpoint).post('/').reply((_uri, raw) => {
      const body = parse(raw);
      const out = results(body) as { Id: string; Timestamps: number[]; Values: number[]; StatusCode: string }[];
      const memory = body.MetricDataQueries.find((q) => q.MetricStat.Metric.MetricName === 'MemoryUtilization')?.Id;
      return [200, {
        MetricDataResults: out.map((r) => (r.Id === memory ? { ...r, Timestamps: [], Values: [] } : { ...r, StatusCode: 'PartialData' })),
        Messages: [{ Code: 'MaxDatapointsExceeded', Value: 'The maximum datapoints limit was exceeded' }],
      }, json];
    });
    const result = await source().read(request([demoResource('checkout-api', '111111111111')]));
    const memory = result.series.find((s) => s.metric === 'MemoryUtilization');
    expect(memory?.points).toEqual([]);
    expect(summarizeSeries(memory as never, 'checkout-api', 60, 'cloudwatch')).toBeUndefined();
    expect(result.series.find((s) => s.metric === 'CPUUtilization')?.partial).toBe(true);
  });

  it('retries throttling with backoff and then succeeds', async () => {
    nock(endpoint).post('/').reply(400, { __type: 'com.amazonaws.cloudwatch#ThrottlingException', message: 'Rate exceeded' }, { ...json, 'x-amzn-query-error': 'Throttling;Sender' });
    nock(endpoint).post('/').reply((_uri, raw) => [200, { MetricDataResults: results(parse(raw)) }, json]);
    const retries: string[] = [];
    const cw = source({ retry: { ...quickRetry, onRetry: (e) => retries.push(e.reason) } });
    const result = await cw.read(request([demoResource('checkout-api', '111111111111')]));
    expect(retries).toEqual(['throttled']);
    expect(cw.calls).toBe(2);
    expect(result.failures).toEqual([]);
    expect(result.series).toHaveLength(2);
  });

  it('gives up on lasting throttling within its attempts and names the metrics it could not read', async () => {
    nock(endpoint).post('/').times(3).reply(429, { __type: 'ThrottlingException', message: 'Rate exceeded' }, json);
    const result = await source().read(request([demoResource('checkout-api', '111111111111')]));
    expect(result.series).toEqual([]);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'throttled', metrics: ['CPUUtilization', 'MemoryUtilization'], resourceName: 'checkout-api', source: 'cloudwatch' })]);
    expect(result.failures[0]?.message).toMatch(/throttling/);
    expect(nock.isDone()).toBe(true);
  });

  it('reports expired credentials without retrying', async () => {
    nock(endpoint).post('/').reply(400, { __type: 'com.amazon.coral.service#ExpiredTokenException', message: 'The security token included in the request is expired' }, { ...json, 'x-amzn-query-error': 'ExpiredToken;Sender' });
    const cw = source();
    const result = await cw.read(request([demoResource('checkout-api', '111111111111')]));
    expect(cw.calls).toBe(1);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'credentials' })]);
    expect(result.failures[0]?.message).toMatch(/missing or expired.*security token included in the request is expired/);
  });

  it('reports missing credentials before any call', async () => {
    const missing = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    };
    const cw = source({ credentials: new AwsCredentials({ base: missing }) });
    const result = await cw.read(request([demoResource('checkout-api', '111111111111')]));
    expect(cw.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'credentials', resourceName: 'checkout-api' })]);
    expect(result.failures[0]?.message).toMatch(/Could not load credentials/);
  });

  it('reports a region that does not exist', async () => {
    const api = demoResource('checkout-api', '111111111111');
    const lost = { ...api, id: api.id.replace('us-east-1', 'eu-north-9'), region: 'eu-north-9' };
    nock('https://monitoring.eu-north-9.amazonaws.com').post('/').replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND monitoring.eu-north-9.amazonaws.com'), { code: 'ENOTFOUND' }));
    const result = await source().read(request([lost]));
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'not_found' })]);
    expect(result.failures[0]?.message).toMatch(/region eu-north-9 does not exist/);
  });

  it('refuses a resource in an account the channel may not use, before any API call', async () => {
    const cw = source();
    const result = await cw.read(request([demoResource('checkout-api', '111111111111')], ['222222222222']));
    expect(cw.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'out_of_scope' })]);
  });

  it('refuses an account the organization has not configured', async () => {
    const staging = demoResource('checkout-api-staging');
    const cw = source();
    const result = await cw.read(request([staging], ['222222222222']));
    expect(cw.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'unknown_account' })]);
  });

  it('assumes the account\'s role with the tenant\'s external id and signs with the session it gets', async () => {
    const stsBodies: URLSearchParams[] = [];
    nock('https://sts.us-east-2.amazonaws.com').post('/').reply((_uri, raw) => {
      stsBodies.push(new URLSearchParams(String(raw)));
      return [200, assumeRoleXml('ASIAGLOBEXSESSION'), { 'content-type': 'text/xml' }];
    });
    let auth = '';
    let token = '';
    nock('https://monitoring.us-east-2.amazonaws.com').post('/').times(2).reply(function (_uri, raw) {
      auth = String(this.req.headers.authorization);
      token = String(this.req.headers['x-amz-security-token']);
      return [200, { MetricDataResults: results(parse(raw)) }, json];
    });
    const cw = source();
    const ledger = demoResource('ledger-db');
    await cw.read({ ...request([ledger]), orgId: 'globex' });
    await cw.read({ ...request([ledger]), orgId: 'globex', windowMinutes: 30 });
    expect(stsBodies).toHaveLength(1); // the session is reused until it nears its end
    expect(stsBodies[0]?.get('Action')).toBe('AssumeRole');
    expect(stsBodies[0]?.get('RoleArn')).toBe('arn:aws:iam::333333333333:role/CloudCompanionRead');
    expect(stsBodies[0]?.get('ExternalId')).toBe('globex-7f3a');
    expect(stsBodies[0]?.get('RoleSessionName')).toBe('cloud-companion-globex');
    expect(auth).toContain('Credential=ASIAGLOBEXSESSION/');
    expect(token).toBe('session-token-ASIAGLOBEXSESSION');
  });

  it('reports a role it may not assume as access denied', async () => {
    nock('https://sts.us-east-2.amazonaws.com').post('/').reply(403, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::999999999999:user/bot is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::333333333333:role/CloudCompanionRead</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>`, { 'content-type': 'text/xml' });
    const cw = source();
    const result = await cw.read({ ...request([demoResource('ledger-db')]), orgId: 'globex' });
    expect(cw.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'access_denied' })]);
    expect(result.failures[0]?.message).toMatch(/Cannot assume arn:aws:iam::333333333333:role\/CloudCompanionRead: User: .* not authorized/);
  });
});

function assumeRoleXml(keyId: string): string {
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>cloud-companion</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::333333333333:assumed-role/CloudCompanionRead/cloud-companion-globex</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:cloud-companion-globex</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${keyId}</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>session-token-${keyId}</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`;
}
