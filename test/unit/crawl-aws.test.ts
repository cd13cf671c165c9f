import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsCrawler } from '../../src/crawlers/aws/index.ts';
import { CrawlRunner } from '../../src/crawlers/runner.ts';
import { createLogger } from '../../src/logging.ts';
import type { GraphScope } from '../../src/stores/graph.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { staticCredentials } from '../support/cloud.ts';
import { fakeAws, type FakeAwsAccount } from '../support/fake-aws.ts';
import { neighbourNames } from '../support/crawl.ts';

/**
 * The AWS crawler through the real SDK v3 clients, answered by nock in each service's wire format
 * (test/support/fake-aws.ts), ingested into the resource graph through the crawl path.
 */

const acct = '111111111111';
const account: CloudAccountConfig = { provider: 'aws', accountId: acct, name: 'demo-prod', roleArn: `arn:aws:iam::${acct}:role/CloudCompanionRead`, externalId: 'ext-demo' };
const scope: GraphScope = { orgId: 'demo', accountIds: [acct] };
const arn = (service: string, resource: string, region = 'us-east-1'): string => `arn:aws:${service}:${region}:${acct}:${resource}`;
const ids = {
  alb: arn('elasticloadbalancing', 'loadbalancer/app/shop-alb/50dc6c495c0c9188'),
  listener: arn('elasticloadbalancing', 'listener/app/shop-alb/50dc6c495c0c9188/443'),
  webTg: arn('elasticloadbalancing', 'targetgroup/web-tg/0123456789abcdef'),
  apiTg: arn('elasticloadbalancing', 'targetgroup/api-tg/0123456789abcdef'),
  web1: arn('ec2', 'instance/i-0000000000000001'),
  batch: arn('ec2', 'instance/i-0000000000000003'),
  api: arn('ecs', 'service/prod/checkout-api'),
  worker: arn('ecs', 'service/prod/checkout-worker'),
  db: arn('rds', 'db:orders-db'),
  queue: arn('sqs', 'orders-queue'),
  subnetA: arn('ec2', 'subnet/subnet-a'),
  vpc: arn('ec2', 'vpc/vpc-1'),
  reports: arn('lambda', 'function:reports'),
  events: arn('lambda', 'function:order-events'),
  topic: arn('sns', 'order-events'),
  table: arn('dynamodb', 'table/orders-table'),
  euFn: arn('lambda', 'function:eu-exporter', 'eu-west-1'),
};

function estate(): FakeAwsAccount {
  return {
    accountId: acct,
    buckets: ['audit-logs', 'assets', 'backups'],
    regions: {
      'us-east-1': {
        vpcs: [{ id: 'vpc-1', name: 'main-vpc' }],
        subnets: [{ id: 'subnet-a', vpc: 'vpc-1' }, { id: 'subnet-b', vpc: 'vpc-1' }],
        groups: [{ id: 'sg-app', name: 'app', vpc: 'vpc-1' }, { id: 'sg-db', name: 'db', vpc: 'vpc-1', ingressFrom: ['sg-app'] }, { id: 'sg-lb', name: 'lb', vpc: 'vpc-1' }],
        instances: [
          { id: 'i-0000000000000001', name: 'web-1', subnet: 'subnet-a', groups: ['sg-app'] },
          { id: 'i-0000000000000002', name: 'web-2', subnet: 'subnet-b', groups: ['sg-app'] },
          { id: 'i-0000000000000003', name: 'batch-1', state: 'stopped', subnet: 'subnet-a' },
        ],
        autoScalingGroups: [{ name: 'web-asg', instances: ['i-0000000000000001', 'i-0000000000000002'], targetGroups: ['web-tg'], subnets: ['subnet-a', 'subnet-b'] }],
        loadBalancers: [{ name: 'shop-alb', subnets: ['subnet-a', 'subnet-b'], groups: ['sg-lb'] }],
        listeners: [{ lb: 'shop-alb', port: 443, targetGroup: 'web-tg' }],
        targetGroups: [
          { name: 'web-tg', type: 'instance', lbs: ['shop-alb'], targets: ['i-0000000000000001', 'i-0000000000000002'] },
          { name: 'api-tg', type: 'ip', lbs: ['shop-alb'] },
          { name: 'fn-tg', type: 'lambda', lbs: ['shop-alb'], targets: ['thumbnailer'] },
        ],
        clusters: ['prod', 'staging'],
        services: [
          { cluster: 'prod', name: 'checkout-api', targetGroup: 'api-tg', subnets: ['subnet-a'], groups: ['sg-app'], env: { QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${acct}/orders-queue`, DATABASE_URL: 'postgres://app@orders-db.abc.us-east-1.rds.amazonaws.com:5432/orders', LOG_LEVEL: 'info' } },
          { cluster: 'prod', name: 'checkout-worker', desired: 2, running: 1, subnets: ['subnet-b'] },
          { cluster: 'staging', name: 'checkout-api-staging' },
        ],
        eks: [{ name: 'platform-eks', subnets: ['subnet-a', 'subnet-b'], groups: ['sg-app'] }],
        functions: [
          { name: 'thumbnailer' },
          { name: 'order-events', env: { TABLE: 'orders-table', TOPIC_ARN: arn('sns', 'order-events') } },
          { name: 'reports', subnets: ['subnet-a'], groups: ['sg-app'] },
        ],
        dbClusters: [{ id: 'orders-aurora', members: ['orders-aurora-1'], groups: ['sg-db'] }],
        dbInstances: [{ id: 'orders-db', subnets: ['subnet-a', 'subnet-b'], groups: ['sg-db'], tags: { team: 'orders' } }, { id: 'orders-aurora-1' }],
        tables: ['orders-table', 'sessions', 'carts'],
        queues: ['orders-queue', 'orders-dlq', 'emails'],
        topics: [{ name: 'order-events', subscriptions: [{ protocol: 'sqs', endpoint: arn('sqs', 'orders-queue') }, { protocol: 'lambda', endpoint: arn('lambda', 'function:order-events') }, { protocol: 'email', endpoint: 'ops@example.com' }] }],
      },
      'eu-west-1': {
        functions: [{ name: 'eu-exporter' }],
      },
    },
  };
}

const names = neighbourNames;

let graph: MemoryResourceGraph;
let clock: Date;
function runner(crawler = new AwsCrawler({ credentials: staticCredentials().aws })): CrawlRunner {
  return new CrawlRunner({ graph, crawlers: { aws: crawler }, logger: createLogger({ level: 'silent' }), now: () => clock });
}

beforeEach(() => {
  nock.disableNetConnect();
  graph = new MemoryResourceGraph();
  clock = new Date('2026-11-21T08:00:00.000Z');
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('AWS crawler through the real SDK clients', () => {
  it('lists every family in every enabled region, following pages, and builds the relationships', async () => {
    const fake = fakeAws(estate(), { pageSize: 2 });
    const report = await runner().crawlOrganization('demo', [{ ...account, roleArn: undefined, externalId: undefined }]);
    const [result] = report.accounts;
    expect(result?.failures).toEqual([]);
    // Regions came from DescribeRegions; every page was followed (3 instances in pages of 2).
    expect(fake.calls).toContain('us-east-1 ec2 DescribeRegions');
    expect(fake.calls.filter((c) => c === 'us-east-1 ec2 DescribeInstances')).toHaveLength(2);
    expect(fake.calls.filter((c) => c === 'us-east-1 ecs DescribeServices')).toHaveLength(2);
    expect(result?.calls).toBe(fake.calls.length);

    const counts = await graph.counts(scope);
    expect(counts.byType).toEqual({
      'aws.ec2.vpc': 1, 'aws.ec2.subnet': 2, 'aws.ec2.securitygroup': 3, 'aws.ec2.instance': 3, 'aws.autoscaling.group': 1,
      'aws.elbv2.loadbalancer': 1, 'aws.elbv2.listener': 1, 'aws.elbv2.targetgroup': 3, 'aws.ecs.cluster': 2, 'aws.ecs.service': 3,
      'aws.eks.cluster': 1, 'aws.lambda.function': 4, 'aws.rds.cluster': 1, 'aws.rds.instance': 2, 'aws.dynamodb.table': 3,
      'aws.sqs.queue': 3, 'aws.sns.topic': 1, 'aws.s3.bucket': 3,
    });
    expect(counts.byRegion).toMatchObject({ 'eu-west-1': 1, global: 3 });
    expect(result?.resources).toBe(38);
    await expect(graph.getResource(scope, ids.worker)).resolves.toMatchObject({ name: 'checkout-worker', state: 'degraded', tags: { team: 'payments' }, lastSeenAt: clock.toISOString() });
    await expect(graph.getResource(scope, ids.db)).resolves.toMatchObject({ name: 'orders-db', state: 'available', tags: { team: 'orders' } });
    await expect(graph.getResource(scope, ids.batch)).resolves.toMatchObject({ name: 'batch-1', state: 'stopped' });

    // Load balancer → listener → target group → instance; the ECS service joins through the target group it names.
    expect(names(await graph.dependencies(scope, ids.alb, 1))).toEqual(['HTTPS:443:CONTAINS', 'api-tg:ROUTES_TO', 'fn-tg:ROUTES_TO', 'lb:ATTACHED_TO', 'web-tg:ROUTES_TO']);
    expect((await graph.path(scope, ids.listener, ids.web1)).map((r) => r.name)).toEqual(['HTTPS:443', 'web-tg', 'web-1']);
    expect(names(await graph.dependencies(scope, ids.apiTg, 1))).toEqual(['checkout-api:ROUTES_TO']);
    expect(names(await graph.dependencies(scope, arn('elasticloadbalancing', 'targetgroup/fn-tg/0123456789abcdef'), 1))).toEqual(['thumbnailer:ROUTES_TO']);
    // Service → database and queue, from its environment; compute in sg-app → the database sg-db admits.
    expect(names(await graph.dependencies(scope, ids.api, 1))).toEqual(['app:ATTACHED_TO', 'orders-aurora:DEPENDS_ON', 'orders-db:DEPENDS_ON', 'orders-queue:DEPENDS_ON']);
    expect(names(await graph.dependents(scope, ids.db, 1))).toEqual([
      'checkout-api:DEPENDS_ON', 'platform-eks:DEPENDS_ON', 'reports:DEPENDS_ON', 'subnet-a:CONTAINS', 'subnet-b:CONTAINS', 'web-1:DEPENDS_ON', 'web-2:DEPENDS_ON',
    ]);
    expect(names(await graph.dependencies(scope, ids.events, 1))).toEqual(['order-events:DEPENDS_ON', 'orders-table:DEPENDS_ON']);
    expect(names(await graph.dependencies(scope, ids.topic, 1))).toEqual(['order-events:ROUTES_TO', 'orders-queue:ROUTES_TO']);
    // Resource → subnet → VPC, and the Auto Scaling group holds its instances.
    expect(names(await graph.dependents(scope, ids.reports, 1))).toEqual(['subnet-a:CONTAINS']);
    expect(names(await graph.dependents(scope, ids.subnetA, 1))).toEqual(['main-vpc:CONTAINS']);
    expect(names(await graph.dependents(scope, ids.web1, 1))).toEqual(['subnet-a:CONTAINS', 'web-asg:CONTAINS', 'web-tg:ROUTES_TO']);
    expect(names(await graph.dependencies(scope, arn('rds', 'cluster:orders-aurora'), 1))).toEqual(['db:ATTACHED_TO', 'orders-aurora-1:CONTAINS']);
  });

  it('retries throttling with backoff, reports a denied region without blocking the others, and marks deletions gone on the next crawl', async () => {
    fakeAws(estate());
    const first = await runner().crawlOrganization('demo', [{ ...account, regions: ['us-east-1', 'eu-west-1'] }]);
    expect(first.accounts[0]?.failures).toEqual([]);
    nock.cleanAll();

    // Then: the queue and the stopped instance are deleted, two APIs throttle, and eu-west-1 is denied by an SCP.
    const changed = estate();
    const east = changed.regions['us-east-1'];
    if (!east) throw new Error('fixture');
    east.queues = east.queues?.filter((q) => q !== 'orders-queue');
    east.instances = east.instances?.filter((i) => i.name !== 'batch-1');
    for (const topic of east.topics ?? []) topic.subscriptions = topic.subscriptions?.filter((sub) => sub.protocol !== 'sqs');
    const fake = fakeAws(changed, { denyRegions: ['eu-west-1'], throttle: { 'ecs ListServices': 2, 'ec2 DescribeInstances': 1, 'lambda ListFunctions': 1 } });
    clock = new Date('2026-11-22T08:00:00.000Z');
    const second = await runner().crawlOrganization('demo', [{ ...account, regions: ['us-east-1', 'eu-west-1'] }]);
    const [result] = second.accounts;

    // Throttled calls were retried by the SDK's retry strategy and succeeded: no us-east-1 failures.
    expect(fake.calls.filter((c) => c === 'us-east-1 ecs ListServices')).toHaveLength(4);
    expect(fake.calls.filter((c) => c === 'us-east-1 ec2 DescribeInstances')).toHaveLength(2);
    expect(result?.calls).toBe(fake.calls.length);
    expect(result?.failures.filter((f) => f.region !== 'eu-west-1')).toEqual([]);
    // Every eu-west-1 family is reported as denied, naming the permissions the role needs.
    const denied = result?.failures ?? [];
    expect(denied.map((f) => f.family).sort()).toEqual(['autoscaling', 'dynamodb', 'ec2', 'ecs', 'eks', 'elbv2', 'lambda', 'rds', 'sns', 'sqs']);
    expect(denied.every((f) => f.reason === 'access_denied' && f.region === 'eu-west-1' && f.accountId === acct)).toBe(true);
    expect(denied.find((f) => f.family === 'lambda')?.message).toMatch(/^AWS lambda in eu-west-1 \(account 111111111111\) refused access \(AccessDeniedException\): .*The crawl role needs lambda:ListFunctions/);

    expect(result?.removed).toBe(2);
    await expect(graph.getResource(scope, ids.queue)).resolves.toMatchObject({ state: 'gone', lastSeenAt: '2026-11-21T08:00:00.000Z', goneAt: '2026-11-22T08:00:00.000Z' });
    await expect(graph.getResource(scope, ids.batch)).resolves.toMatchObject({ state: 'gone', goneAt: '2026-11-22T08:00:00.000Z' });
    expect(names(await graph.dependencies(scope, ids.api, 1))).toEqual(['app:ATTACHED_TO', 'orders-aurora:DEPENDS_ON', 'orders-db:DEPENDS_ON']);
    expect(names(await graph.dependencies(scope, ids.topic, 1))).toEqual(['order-events:ROUTES_TO']);
    await expect(graph.getResource(scope, ids.api)).resolves.toMatchObject({ lastSeenAt: '2026-11-22T08:00:00.000Z' });
    // The denied region keeps what the first crawl saw: not gone, last seen then.
    await expect(graph.getResource(scope, ids.euFn)).resolves.toMatchObject({ state: 'active', lastSeenAt: '2026-11-21T08:00:00.000Z' });
    expect((await graph.getResource(scope, ids.euFn))?.goneAt).toBeUndefined();
  }, 30_000);

  it('reports an account whose role cannot be assumed, and still crawls the other accounts', async () => {
    fakeAws(estate());
    const other: CloudAccountConfig = { provider: 'aws', accountId: '222222222222', name: 'locked', regions: ['us-east-1'] };
    const credentials = staticCredentials();
    const crawler = new AwsCrawler({
      credentials: (orgId, a, region) => (a.accountId === other.accountId
        ? async () => { throw Object.assign(new Error(`Cannot assume arn:aws:iam::222222222222:role/CloudCompanionRead: not authorized to perform sts:AssumeRole`), { name: 'MetricsError', reason: 'access_denied' }); }
        : credentials.aws(orgId, a, region)),
    });
    const report = await runner(crawler).crawlOrganization('demo', [other, { ...account, regions: ['us-east-1'] }]);
    expect(report.accounts.map((a) => a.accountId)).toEqual(['222222222222', acct]);
    const locked = report.accounts[0];
    expect(locked?.resources).toBe(0);
    // One failure for the account, not one per region and service.
    expect(locked?.failures).toEqual([{ provider: 'aws', accountId: '222222222222', region: '*', family: '*', reason: 'access_denied', message: expect.stringMatching(/^Cannot assume .*sts:AssumeRole/) }]);
    expect(locked?.calls).toBe(0);
    expect(report.accounts[1]?.failures).toEqual([]);
    expect(report.accounts[1]?.resources).toBe(37);
  });
});
