import type { CloudAccountRecord, CloudResource, Relationship, RelationshipType } from '../src/stores/estate.ts';
import { seededRandom, shuffle, type Random } from './random.ts';

export interface SyntheticEstate {
  accounts: CloudAccountRecord[];
  resources: CloudResource[];
  relationships: Relationship[];
}

const accounts: readonly (CloudAccountRecord & { env: string; weight: number })[] = [
  { provider: 'aws', accountId: '314159265358', name: 'acme-prod', env: 'prod', weight: 0.45 },
  { provider: 'aws', accountId: '271828182845', name: 'acme-staging', env: 'staging', weight: 0.25 },
  { provider: 'aws', accountId: '161803398874', name: 'acme-dev', env: 'dev', weight: 0.2 },
  { provider: 'aws', accountId: '141421356237', name: 'acme-shared-services', env: 'shared', weight: 0.1 },
];
const regions: readonly { name: string; weight: number }[] = [
  { name: 'us-east-1', weight: 0.5 },
  { name: 'eu-west-1', weight: 0.3 },
  { name: 'ap-southeast-2', weight: 0.2 },
];
const domains = [
  'orders', 'payments', 'checkout', 'catalog', 'search', 'inventory', 'shipping', 'billing', 'auth', 'profile',
  'notifications', 'recommendations', 'reviews', 'pricing', 'cart', 'ledger', 'fraud', 'reporting', 'media', 'gateway',
] as const;
const roles = ['api', 'worker', 'web', 'sync', 'ingest', 'scheduler'] as const;
const stacksPerVpc = 30;

function weighted<T extends { weight: number }>(items: readonly T[], random: Random): T {
  let x = random.next() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1] as T;
}

interface Network {
  vpc: string;
  publicSubnets: string[];
  privateSubnets: string[];
  cluster: string;
  stacks: number;
}

/** What other stacks in the same account and region may call: the targets of cross-stack dependencies. */
interface Neighbourhood {
  callers: string[];
  callees: string[];
}

/**
 * A deterministic synthetic AWS estate of exactly `resourceCount` resources and
 * `relationshipCount` relationships (no dangling ends, no duplicates): application stacks
 * (ALB → target group → ECS service or EC2 instances → RDS / ElastiCache / SQS / DynamoDB / S3,
 * with Lambdas, IAM roles, security groups, secrets, log groups and alarms) inside VPCs and
 * subnets, spread over four accounts and three regions. Relationships beyond each stack's own
 * wiring are service-to-service calls (DEPENDS_ON another stack's load balancer, queue, topic or
 * table in the same account and region).
 */
export function generateEstate(options: { resources: number; relationships: number; seed: number }): SyntheticEstate {
  const random = seededRandom(options.seed);
  const resources: CloudResource[] = [];
  const edges = new Map<string, Relationship>();
  const networks = new Map<string, Network>();
  const neighbourhoods = new Map<string, Neighbourhood>();
  const stackOf = new Map<string, number>();
  let counter = 0;

  const hex = (length: number): string => {
    counter += 1;
    const unique = counter.toString(16).padStart(8, '0');
    let prefix = '';
    while (prefix.length < length - unique.length) prefix += random.int(16).toString(16);
    return `${prefix}${unique}`;
  };
  const link = (from: string, to: string, type: RelationshipType): void => {
    if (from !== to) edges.set(`${type} ${from} ${to}`, { from, to, type });
  };

  for (let stack = 0; resources.length < options.resources; stack += 1) {
    const account = weighted(accounts, random);
    const region = weighted(regions, random).name;
    const acct = account.accountId;
    const domain = random.pick(domains);
    const app = `${domain}-${random.pick(roles)}-${String(stack).padStart(5, '0')}`;
    const tags = (extra: Record<string, string> = {}): Record<string, string> => ({
      env: account.env, team: domain, service: app, 'cost-center': `cc-${100 + domains.indexOf(domain)}`,
      'managed-by': stack % 5 === 0 ? 'cdk' : 'terraform', ...extra,
    });
    const add = (type: string, id: string, name: string, state: string, resourceTags: Record<string, string>, where = region): string => {
      resources.push({ id, provider: 'aws', accountId: acct, type, name, region: where, state, tags: resourceTags });
      return id;
    };
    const healthy = (ok: string, bad: string): string => (random.chance(0.02) ? bad : ok);

    // The VPC this stack lives in: a new one every `stacksPerVpc` stacks of an account and region.
    const networkKey = `${acct}/${region}`;
    let network = networks.get(networkKey);
    if (!network || network.stacks >= stacksPerVpc) {
      const vpcName = `${account.env}-${region}-vpc-${hex(4)}`;
      const vpc = add('aws.ec2.vpc', `arn:aws:ec2:${region}:${acct}:vpc/vpc-${hex(17)}`, vpcName, 'available', { env: account.env, 'managed-by': 'terraform', network: vpcName });
      const subnet = (tier: string, az: string): string => {
        const id = add('aws.ec2.subnet', `arn:aws:ec2:${region}:${acct}:subnet/subnet-${hex(17)}`, `${vpcName}-${tier}-${az}`, 'available', { env: account.env, tier, 'availability-zone': `${region}${az}` });
        link(vpc, id, 'CONTAINS');
        return id;
      };
      const publicSubnets = ['a', 'b', 'c'].map((az) => subnet('public', az));
      const privateSubnets = ['a', 'b', 'c'].map((az) => subnet('private', az));
      const nat = add('aws.ec2.nat-gateway', `arn:aws:ec2:${region}:${acct}:natgateway/nat-${hex(17)}`, `${vpcName}-nat`, 'available', { env: account.env });
      link(vpc, nat, 'CONTAINS');
      link(nat, random.pick(publicSubnets), 'ATTACHED_TO');
      const clusterName = `${account.env}-${region}-cluster-${hex(4)}`;
      const cluster = add('aws.ecs.cluster', `arn:aws:ecs:${region}:${acct}:cluster/${clusterName}`, clusterName, 'active', { env: account.env });
      network = { vpc, publicSubnets, privateSubnets, cluster, stacks: 0 };
      networks.set(networkKey, network);
    }
    network.stacks += 1;
    const { vpc, publicSubnets, privateSubnets, cluster } = network;
    const privateSubnet = random.pick(privateSubnets);

    const sgAlb = add('aws.ec2.security-group', `arn:aws:ec2:${region}:${acct}:security-group/sg-${hex(17)}`, `${app}-alb-sg`, 'available', tags());
    const sgApp = add('aws.ec2.security-group', `arn:aws:ec2:${region}:${acct}:security-group/sg-${hex(17)}`, `${app}-app-sg`, 'available', tags());
    link(vpc, sgAlb, 'CONTAINS');
    link(vpc, sgApp, 'CONTAINS');
    const alb = add('aws.elbv2.load-balancer', `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/app/${app}/${hex(16)}`, `${app}-alb`, healthy('active', 'degraded'), tags({ scheme: 'internal' }));
    const tg = add('aws.elbv2.target-group', `arn:aws:elasticloadbalancing:${region}:${acct}:targetgroup/${app}-tg/${hex(16)}`, `${app}-tg`, 'active', tags());
    link(alb, tg, 'ROUTES_TO');
    link(alb, sgAlb, 'ATTACHED_TO');
    for (const subnet of publicSubnets.slice(0, 2)) link(alb, subnet, 'ATTACHED_TO');

    const roleTask = add('aws.iam.role', `arn:aws:iam::${acct}:role/${app}-task`, `${app}-task-role`, 'active', tags(), 'global');
    const roleLambda = add('aws.iam.role', `arn:aws:iam::${acct}:role/${app}-lambda`, `${app}-lambda-role`, 'active', tags(), 'global');
    const logs = add('aws.logs.log-group', `arn:aws:logs:${region}:${acct}:log-group:/app/${app}`, `/app/${app}`, 'active', tags());
    const lambdaLogs = add('aws.logs.log-group', `arn:aws:logs:${region}:${acct}:log-group:/aws/lambda/${app}`, `/aws/lambda/${app}`, 'active', tags());

    // Compute: an ECS service (most stacks) or EC2 instances behind the target group.
    const compute: string[] = [];
    if (random.chance(0.75)) {
      const service = add('aws.ecs.service', `arn:aws:ecs:${region}:${acct}:service/${cluster.split('/').pop() ?? 'cluster'}/${app}`, app, healthy('running', 'degraded'), tags({ 'desired-count': String(2 + random.int(6)) }));
      link(cluster, service, 'CONTAINS');
      link(privateSubnet, service, 'CONTAINS');
      link(service, sgApp, 'ATTACHED_TO');
      link(service, roleTask, 'ATTACHED_TO');
      link(tg, service, 'ROUTES_TO');
      compute.push(service);
    } else {
      for (let i = 0, n = 2 + random.int(3); i < n; i += 1) {
        const instance = add('aws.ec2.instance', `arn:aws:ec2:${region}:${acct}:instance/i-${hex(17)}`, `${app}-${i + 1}`, healthy('running', 'stopped'), tags({ 'instance-type': random.pick(['t3.medium', 'm6i.large', 'c6i.xlarge', 'r6g.large']) }));
        link(privateSubnets[i % privateSubnets.length] ?? privateSubnet, instance, 'CONTAINS');
        link(instance, sgApp, 'ATTACHED_TO');
        link(instance, roleTask, 'ATTACHED_TO');
        link(tg, instance, 'ROUTES_TO');
        compute.push(instance);
      }
    }

    const db = add('aws.rds.instance', `arn:aws:rds:${region}:${acct}:db:${app}-db`, `${app}-db`, healthy('available', 'storage-full'), tags({ engine: random.pick(['postgres', 'mysql', 'aurora-postgresql']) }));
    link(privateSubnet, db, 'CONTAINS');
    link(db, sgApp, 'ATTACHED_TO');
    const cache = add('aws.elasticache.cluster', `arn:aws:elasticache:${region}:${acct}:cluster:${app}-cache`, `${app}-cache`, 'available', tags({ engine: 'redis' }));
    link(privateSubnet, cache, 'CONTAINS');
    const queue = add('aws.sqs.queue', `arn:aws:sqs:${region}:${acct}:${app}-jobs`, `${app}-jobs`, 'active', tags());
    const dlq = add('aws.sqs.queue', `arn:aws:sqs:${region}:${acct}:${app}-jobs-dlq`, `${app}-jobs-dlq`, 'active', tags({ purpose: 'dead-letter' }));
    link(queue, dlq, 'DEPENDS_ON');
    const table = add('aws.dynamodb.table', `arn:aws:dynamodb:${region}:${acct}:table/${app}-state`, `${app}-state`, 'active', tags());
    const bucket = add('aws.s3.bucket', `arn:aws:s3:::${app}-${acct}-${region}`, `${app}-${acct}-${region}`, 'active', tags());
    const secret = add('aws.secretsmanager.secret', `arn:aws:secretsmanager:${region}:${acct}:secret:${app}/db-${hex(6)}`, `${app}/db`, 'active', tags());
    const topic = add('aws.sns.topic', `arn:aws:sns:${region}:${acct}:${app}-events`, `${app}-events`, 'active', tags());
    link(topic, queue, 'ROUTES_TO');
    for (const c of compute) for (const dep of [db, cache, queue, table, bucket, secret, topic, logs]) link(c, dep, 'DEPENDS_ON');

    const consumer = add('aws.lambda.function', `arn:aws:lambda:${region}:${acct}:function:${app}-consumer`, `${app}-consumer`, healthy('active', 'failed'), tags({ runtime: random.pick(['nodejs20.x', 'python3.12', 'java21']) }));
    const cron = add('aws.lambda.function', `arn:aws:lambda:${region}:${acct}:function:${app}-cron`, `${app}-cron`, 'active', tags({ runtime: random.pick(['nodejs20.x', 'python3.12']) }));
    for (const dep of [queue, table, lambdaLogs]) link(consumer, dep, 'DEPENDS_ON');
    for (const dep of [bucket, topic, lambdaLogs]) link(cron, dep, 'DEPENDS_ON');
    link(consumer, roleLambda, 'ATTACHED_TO');
    link(cron, roleLambda, 'ATTACHED_TO');

    const alarm5xx = add('aws.cloudwatch.alarm', `arn:aws:cloudwatch:${region}:${acct}:alarm:${app}-5xx`, `${app}-5xx`, random.chance(0.03) ? 'alarm' : 'ok', tags());
    const alarmDepth = add('aws.cloudwatch.alarm', `arn:aws:cloudwatch:${region}:${acct}:alarm:${app}-queue-depth`, `${app}-queue-depth`, random.chance(0.03) ? 'alarm' : 'ok', tags());
    link(alarm5xx, alb, 'DEPENDS_ON');
    link(alarmDepth, queue, 'DEPENDS_ON');

    let hood = neighbourhoods.get(networkKey);
    if (!hood) {
      hood = { callers: [], callees: [] };
      neighbourhoods.set(networkKey, hood);
    }
    hood.callers.push(...compute, consumer, cron);
    hood.callees.push(alb, queue, topic, table);
    for (const id of [...compute, consumer, cron, alb, queue, topic, table]) stackOf.set(id, stack);
  }

  // Exactly the requested number of resources, and no relationship to a resource left out.
  resources.length = options.resources;
  const kept = new Set(resources.map((r) => r.id));
  let relationships = [...edges.values()].filter((e) => kept.has(e.from) && kept.has(e.to));

  if (relationships.length > options.relationships) {
    relationships = shuffle(relationships, random).slice(0, options.relationships);
  } else {
    const keys = new Set(relationships.map((e) => `${e.type} ${e.from} ${e.to}`));
    const hoods = [...neighbourhoods.values()]
      .map((h) => ({ callers: h.callers.filter((id) => kept.has(id)), callees: h.callees.filter((id) => kept.has(id)) }))
      .filter((h) => h.callers.length > 0 && h.callees.length > 1);
    // Service-to-service calls within an account and region, weighted by the neighbourhood's size.
    const weights = hoods.map((h) => ({ hood: h, weight: h.callers.length }));
    for (let attempts = 0; relationships.length < options.relationships && attempts < options.relationships * 20 && weights.length > 0; attempts += 1) {
      const { hood } = weighted(weights, random);
      const from = random.pick(hood.callers);
      const to = random.pick(hood.callees);
      const key = `DEPENDS_ON ${from} ${to}`;
      // Skip calls into the caller's own stack: those are wired already.
      if (from === to || keys.has(key) || stackOf.get(from) === stackOf.get(to)) continue;
      keys.add(key);
      relationships.push({ from, to, type: 'DEPENDS_ON' });
    }
  }

  return { accounts: accounts.map(({ provider, accountId, name }) => ({ provider, accountId, name })), resources, relationships };
}

/** Counts by type, for the report. */
export function typeMix(estate: SyntheticEstate): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of estate.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1]));
}
