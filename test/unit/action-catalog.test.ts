import { describe, expect, it } from 'vitest';
import { actionCatalog, describeAction, findActionKind } from '../../src/approvals/catalog.ts';
import { DryRunExecutor } from '../../src/approvals/executor.ts';
import { liveKinds } from '../../src/approvals/executors/index.ts';
import { metricWatch } from '../../src/approvals/metric-watch.ts';
import { RecordedMetricsSource } from '../../src/metrics/recorded.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import { action, approved, target } from '../support/cloud.ts';

describe('action catalog', () => {
  it('has the kinds the issue asks for, each with a schema, a risk, an approver role and a live executor', () => {
    const kinds = actionCatalog.map((a) => a.kind);
    for (const kind of [
      'aws.ec2.reboot', 'aws.ec2.start', 'aws.ec2.stop', 'aws.autoscaling.set-capacity', 'aws.ecs.scale', 'aws.ecs.redeploy', 'aws.lambda.concurrency',
      'azure.vm.restart', 'azure.vm.start', 'azure.vm.deallocate', 'azure.appservice.restart',
      'gcp.compute.reset', 'gcp.compute.start', 'gcp.compute.stop', 'gcp.mig.resize',
    ]) expect(kinds).toContain(kind);
    expect([...liveKinds].sort()).toEqual([...kinds].sort());
    for (const a of actionCatalog) expect(a.approverRole, a.kind).toBe(a.risk === 'low' ? 'operator' : 'admin');
  });

  it('marks scaling and start/stop as reversible, restarts and redeploys not', () => {
    const reversible = actionCatalog.filter((a) => a.reversible).map((a) => a.kind).sort();
    expect(reversible).toEqual(['aws.autoscaling.set-capacity', 'aws.ec2.start', 'aws.ec2.stop', 'aws.ecs.scale', 'aws.lambda.concurrency', 'azure.vm.deallocate', 'azure.vm.start', 'gcp.compute.start', 'gcp.compute.stop', 'gcp.mig.resize']);
  });

  it('validates parameters strictly', () => {
    const scale = findActionKind('aws.ecs.scale');
    expect(scale?.params.safeParse({ desiredCount: 3 }).success).toBe(true);
    expect(scale?.params.safeParse({ desiredCount: 3, cluster: 'other' }).success).toBe(false);
    expect(scale?.params.safeParse({ desiredCount: 1.5 }).success).toBe(false);
    expect(findActionKind('aws.lambda.concurrency')?.params.safeParse({ reservedConcurrency: null }).success).toBe(true);
    expect(describeAction('aws.lambda.concurrency', { reservedConcurrency: null }, 'order-worker')).toBe('Remove the reserved concurrency of Lambda order-worker');
    expect(describeAction('aws.ecs.scale', { desiredCount: 'many' }, 'checkout-api')).toBe('aws.ecs.scale on checkout-api');
  });
});

describe('dry-run executor', () => {
  const account = { provider: 'aws' as const, accountId: '111111111111', name: 'prod' };
  const service = target('arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api', 'checkout-api', account);

  it('says what would run and changes nothing', async () => {
    const executor = new DryRunExecutor();
    const scale = action('aws.ecs.scale', { desiredCount: 6 }, service);
    expect(await executor.dryRun(scale)).toEqual({ ok: true, message: 'Would set desired count of ECS service checkout-api to 6 (account 111111111111). This bot runs the dry-run executor: approving changes nothing.' });
    expect(await executor.execute(approved(scale))).toEqual({ ok: true, changed: false, message: 'Dry run: Set desired count of ECS service checkout-api to 6 (account 111111111111). Nothing was changed.' });
    expect(await executor.execute(approved(action('aws.ecs.scale', { desiredCount: -2 }, service)))).toMatchObject({ ok: false });
  });
});

describe('metric watch over the metrics sources', () => {
  it('reads the target\'s metrics within the channel\'s accounts, with their last value and threshold breach', async () => {
    const graph = new MemoryResourceGraph();
    const resource = { id: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api', provider: 'aws' as const, accountId: '111111111111', type: 'aws.ecs.service', name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: {} };
    await graph.ingest('demo', { accounts: [{ provider: 'aws', accountId: '111111111111', name: 'prod' }], resources: [resource], relationships: [] });
    const recorded = new RecordedMetricsSource(() => Date.parse('2026-11-21T10:00:00Z'));
    recorded.add('demo', { version: 1, series: [
      { resourceId: resource.id, metric: 'CPUUtilization', unit: 'Percent', threshold: 80, intervalSeconds: 60, values: [...Array<number>(20).fill(40), ...Array<number>(20).fill(95)] },
      { resourceId: resource.id, metric: 'MemoryUtilization', unit: 'Percent', threshold: 90, intervalSeconds: 60, values: Array<number>(40).fill(50) },
    ] });
    const watch = metricWatch(graph, [recorded]);
    const { readings, notes } = await watch.read({ orgId: 'demo', accountIds: ['111111111111'], resourceId: resource.id, windowMinutes: 20 });
    expect(notes).toEqual([]);
    expect(readings).toEqual([
      { resourceId: resource.id, metric: 'CPUUtilization', unit: 'Percent', value: 95, threshold: 80, breached: true },
      { resourceId: resource.id, metric: 'MemoryUtilization', unit: 'Percent', value: 50, threshold: 90, breached: false },
    ]);
    const outside = await watch.read({ orgId: 'demo', accountIds: ['222222222222'], resourceId: resource.id, windowMinutes: 20 });
    expect(outside).toEqual({ readings: [], notes: [`${resource.id} is not in this channel's resource graph`] });
  });
});
