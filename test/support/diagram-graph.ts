import type { CloudResource, Relationship } from '../../src/stores/graph.ts';
import type { DiagramInput } from '../../src/diagrams/summarise.ts';

/**
 * A small fixed estate across two clouds whose names carry every character that could break DOT,
 * SVG or Mermaid: quotes, <, >, &, braces, brackets, pipes, backslashes, #, backticks, newlines.
 */
export function fixedGraph(): DiagramInput {
  const r = (id: string, name: string, over: Partial<CloudResource> = {}): CloudResource => ({
    id, name, provider: 'aws', accountId: '111111111111', type: 'aws.ecs.service', region: 'us-east-1', state: 'running', tags: {}, ...over,
  });
  const resources: CloudResource[] = [
    r('arn:api', 'checkout-api'),
    r('arn:db', 'orders "primary" <db> & {replica}', { type: 'aws.rds.instance', state: 'available' }),
    r('arn:queue', 'queue|with[brackets]\nand a newline', { type: 'aws.sqs.queue', state: 'available' }),
    r('arn:alb', 'edge\\lb #1 `prod`', { type: 'aws.elbv2.loadbalancer', state: 'active' }),
    r('arn:cluster', 'prod-cluster', { type: 'aws.ecs.cluster', state: 'running' }),
    r('arn:subnet', 'private-a', { type: 'aws.ec2.subnet', state: 'available', region: 'us-east-1' }),
    r('/subscriptions/s/app', 'portal</text><script>alert(1)</script>', { provider: 'azure', accountId: 'sub-1', type: 'azure.appservice', region: 'westeurope', state: 'degraded' }),
    r('//compute/projects/p/instances/i', 'search-1', { provider: 'gcp', accountId: 'proj-1', type: 'gcp.compute.instance', region: 'europe-west1', state: 'unknown' }),
  ];
  const relationships: Relationship[] = [
    { from: 'arn:alb', to: 'arn:api', type: 'ROUTES_TO' },
    { from: 'arn:api', to: 'arn:db', type: 'DEPENDS_ON' },
    { from: 'arn:api', to: 'arn:queue', type: 'DEPENDS_ON' },
    { from: 'arn:cluster', to: 'arn:api', type: 'CONTAINS' },
    { from: 'arn:db', to: 'arn:subnet', type: 'ATTACHED_TO' },
    { from: '/subscriptions/s/app', to: 'arn:api', type: 'DEPENDS_ON' },
    { from: '//compute/projects/p/instances/i', to: 'arn:queue', type: 'DEPENDS_ON' },
  ];
  return {
    title: 'checkout-api',
    resources,
    relationships,
    focus: new Set(['arn:api']),
    distance: new Map([['arn:api', 0], ['arn:db', 1], ['arn:queue', 1], ['arn:alb', 1], ['arn:cluster', 1], ['arn:subnet', 2], ['/subscriptions/s/app', 1], ['//compute/projects/p/instances/i', 2]]),
    health: new Map([
      ['arn:api', { health: 'critical', note: 'CPUUtilization above threshold 80 for the last 6 min' }],
      ['arn:db', { health: 'warning', note: 'CPUUtilization well above its baseline' }],
      ['arn:queue', { health: 'ok' }],
      ['arn:alb', { health: 'ok' }],
      ['arn:cluster', { health: 'ok' }],
      ['arn:subnet', { health: 'ok' }],
      ['/subscriptions/s/app', { health: 'critical', note: 'state degraded' }],
      ['//compute/projects/p/instances/i', { health: 'unknown' }],
    ]),
  };
}

/** A synthetic estate of `size` resources in a few accounts and regions, with about two edges each (benchmarks, summarising). */
export function syntheticGraph(size: number, seed = 7): DiagramInput {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const types = ['aws.ecs.service', 'aws.rds.instance', 'aws.sqs.queue', 'aws.lambda.function', 'aws.ec2.instance', 'aws.s3.bucket'];
  const places = [['111111111111', 'us-east-1'], ['111111111111', 'eu-west-1'], ['222222222222', 'us-east-1']] as const;
  const resources: CloudResource[] = Array.from({ length: size }, (_, i) => {
    const [accountId, region] = places[i % places.length] ?? places[0];
    return { id: `arn:r${i}`, name: `svc-${i}`, provider: 'aws', accountId, region, type: types[i % types.length] ?? 'aws.ec2.instance', state: random() < 0.05 ? 'degraded' : 'running', tags: {} };
  });
  const relationships: Relationship[] = [];
  for (let i = 1; i < size; i += 1) {
    relationships.push({ from: `arn:r${i}`, to: `arn:r${Math.floor(random() * i)}`, type: 'DEPENDS_ON' });
    if (random() < 0.6) relationships.push({ from: `arn:r${Math.floor(random() * size)}`, to: `arn:r${i}`, type: random() < 0.5 ? 'ROUTES_TO' : 'ATTACHED_TO' });
  }
  const health = new Map(resources.map((r) => [r.id, { health: r.state === 'degraded' ? 'critical' as const : 'ok' as const }]));
  return { title: `synthetic estate of ${size}`, resources, relationships, focus: new Set(['arn:r0']), health };
}
