import { describe, expect, it } from 'vitest';
import { analyseImpact, carriesFailure, collectImpactGraph, isEntryPoint, type ImpactEdge } from '../../src/diagnosis/impact.ts';
import type { MetricSummary } from '../../src/metrics/source.ts';
import type { CloudResource, Neighbour } from '../../src/stores/graph.ts';

function resource(name: string, type: string, state = 'running', tags: Record<string, string> = {}): CloudResource {
  return { id: `id:${name}`, provider: 'aws', accountId: '111111111111', type, name, region: 'us-east-1', state, tags };
}

// The demo's checkout path, reduced: alb → tg → api → queue ← worker; cluster contains api; api attached to subnet.
const alb = resource('checkout-alb', 'aws.elbv2.loadbalancer', 'active', { service: 'checkout' });
const tg = resource('checkout-tg', 'aws.elbv2.targetgroup', 'active');
const api = resource('checkout-api', 'aws.ecs.service', 'degraded');
const queue = resource('orders-queue', 'aws.sqs.queue', 'available');
const dlq = resource('orders-dlq', 'aws.sqs.queue', 'available');
const worker = resource('order-worker', 'aws.lambda.function', 'active');
const cluster = resource('prod-cluster', 'aws.ecs.cluster');
const subnet = resource('prod-private-a', 'aws.ec2.subnet', 'available');
const resources = [alb, tg, api, queue, dlq, worker, cluster, subnet];
const edges: ImpactEdge[] = [
  { from: alb.id, to: tg.id, type: 'ROUTES_TO' },
  { from: tg.id, to: api.id, type: 'ROUTES_TO' },
  { from: cluster.id, to: api.id, type: 'CONTAINS' },
  { from: api.id, to: queue.id, type: 'DEPENDS_ON' },
  { from: worker.id, to: queue.id, type: 'DEPENDS_ON' },
  { from: queue.id, to: dlq.id, type: 'ROUTES_TO' },
  { from: api.id, to: subnet.id, type: 'ATTACHED_TO' },
];

const names = (list: readonly { resource: CloudResource }[]): string[] => list.map((i) => i.resource.name);

describe('impact analysis', () => {
  it('follows the failure up to the user-facing entry point and ranks it first', () => {
    const analysis = analyseImpact(queue, resources, edges);
    expect(names(analysis.impacted)).toEqual(['checkout-alb', 'checkout-api', 'order-worker', 'checkout-tg']);
    const entry = analysis.impacted[0];
    expect(entry).toMatchObject({ entryPoint: true, hops: 3, sees: '5xx for checkout requests' });
    expect(names(entry?.path.map((resource) => ({ resource })) ?? [])).toEqual(['checkout-alb', 'checkout-tg', 'checkout-api', 'orders-queue']);
    expect(analysis.truncated).toBe(false);
  });

  it('never counts a container as a dependent, nor what the failed resource itself needs', () => {
    const analysis = analyseImpact(queue, resources, edges);
    expect(names(analysis.impacted)).not.toContain('prod-cluster');
    expect(names(analysis.impacted)).not.toContain('orders-dlq');
    expect(names(analysis.impacted)).not.toContain('prod-private-a');
  });

  it('takes down what a container holds, and what is attached to a network', () => {
    expect(names(analyseImpact(cluster, resources, edges).impacted)).toEqual(['checkout-alb', 'checkout-api', 'checkout-tg']);
    expect(analyseImpact(cluster, resources, edges).impacted.find((i) => i.resource.name === 'checkout-api')?.sees).toBe('goes down with prod-cluster, which contains it');
    expect(analyseImpact(subnet, resources, edges).impacted.find((i) => i.resource.name === 'checkout-api')?.sees).toBe('loses its network (attached to prod-private-a)');
  });

  it('says what a producer and a consumer of a queue would each see', () => {
    const impacted = analyseImpact(queue, resources, edges).impacted;
    expect(impacted.find((i) => i.resource.name === 'checkout-api')?.sees).toMatch(/cannot send messages to orders-queue/);
    expect(impacted.find((i) => i.resource.name === 'order-worker')?.sees).toMatch(/receives no messages from orders-queue/);
  });

  it('marks which affected resources are already unhealthy, from state and metrics, and ranks them first among equals', () => {
    const throttles: MetricSummary = { resourceId: worker.id, resourceName: worker.name, metric: 'Throttles', unit: 'Count', windowMinutes: 60, min: 0, max: 82, avg: 20, p95: 70, last: 82, points: 60, trend: 'rising', anomaly: 'above threshold 1 for the last 27 min', source: 'recorded' };
    const healthyApi = { ...api, state: 'running' };
    const analysis = analyseImpact(queue, [alb, tg, healthyApi, queue, dlq, worker], edges, [throttles]);
    expect(names(analysis.impacted)).toEqual(['checkout-alb', 'order-worker', 'checkout-api', 'checkout-tg']);
    expect(analysis.impacted.find((i) => i.resource.name === 'order-worker')).toMatchObject({ health: 'critical', healthNote: 'Throttles above threshold 1 for the last 27 min' });
    expect(analysis.impacted.find((i) => i.resource.name === 'checkout-api')?.health).toBe('ok');
  });

  it('stops at its bounds and says so', () => {
    const analysis = analyseImpact(queue, resources, edges, [], { maxHops: 1, maxResources: 40 });
    expect(names(analysis.impacted)).toEqual(['checkout-api', 'order-worker']);
    expect(analysis.truncated).toBe(true);
  });

  it('knows entry points across providers and which edges carry a failure', () => {
    expect(['aws.elbv2.loadbalancer', 'aws.apigateway.restapi', 'azure.network.applicationGateways', 'azure.cdn.frontdoor', 'gcp.compute.urlMap'].every((type) => isEntryPoint({ type }))).toBe(true);
    expect(['aws.ecs.service', 'aws.sqs.queue', 'gcp.run.service'].some((type) => isEntryPoint({ type }))).toBe(false);
    expect(carriesFailure({ from: 'a', to: 'b', type: 'CONTAINS' }, 'b')).toBeUndefined();
    expect(carriesFailure({ from: 'a', to: 'b', type: 'CONTAINS' }, 'a')).toBe('b');
    expect(carriesFailure({ from: 'a', to: 'b', type: 'DEPENDS_ON' }, 'b')).toBe('a');
    expect(carriesFailure({ from: 'a', to: 'b', type: 'DEPENDS_ON' }, 'a')).toBeUndefined();
  });

  it('reads the graph hop by hop from the failed resource, only as far as a failure reaches', async () => {
    const byId = new Map(resources.map((r) => [r.id, r]));
    const asked: string[] = [];
    const graph = {
      async neighbours(id: string) {
        asked.push(byId.get(id)?.name ?? id);
        const incoming: Neighbour[] = edges.filter((e) => e.to === id).map((e) => ({ resource: byId.get(e.from) as CloudResource, depth: 1, via: e.type }));
        const outgoing: Neighbour[] = edges.filter((e) => e.from === id).map((e) => ({ resource: byId.get(e.to) as CloudResource, depth: 1, via: e.type }));
        return { incoming, outgoing };
      },
    };
    const collected = await collectImpactGraph(queue, graph);
    expect(asked.sort()).toEqual(['checkout-alb', 'checkout-api', 'checkout-tg', 'order-worker', 'orders-queue']);
    expect(names(analyseImpact(queue, collected.resources, collected.edges).impacted)).toEqual(['checkout-alb', 'checkout-api', 'order-worker', 'checkout-tg']);
  });
});
