import { describe, expect, it } from 'vitest';
import { ApprovalService } from '../../src/approvals/service.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Actor, RequestContext } from '../../src/request.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { MemoryApprovalStore } from '../../src/stores/memory/approvals.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit.ts';
import { RecordingExecutor } from '../support/bot.ts';

const service: CloudResource = { id: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api', provider: 'aws', accountId: '111111111111', type: 'aws.ecs.service', name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: {} };

function setup(now = () => new Date('2026-11-21T10:00:00Z')) {
  const store = new MemoryApprovalStore();
  const audit = new MemoryAuditLog();
  const executor = new RecordingExecutor();
  const approvals = new ApprovalService({ store, audit, executor, ttlMinutes: 60, logger: silentLogger(), now });
  return { store, audit, executor, approvals };
}

function context(role: Actor['role'], allowedActions: string[] = ['*'], userId = `U-${role}`): RequestContext {
  return {
    orgId: 'demo', requestId: 'r1', source: 'slash', actor: { platform: 'slack', userId, role },
    conversation: { platform: 'slack', workspaceId: ':T1', channelId: 'C1', threadId: '1.1' },
    accountIds: ['111111111111'], allowedActions,
  };
}

async function proposeScale(approvals: ApprovalService, ctx = context('operator')) {
  const result = await approvals.propose(ctx, { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, target: service, reason: 'CPU saturated' });
  if (!result.ok) throw new Error(result.message);
  return result.approval;
}

describe('ApprovalService', () => {
  it('executes exactly once when many approvals race', async () => {
    const { approvals, executor, audit } = setup();
    const approval = await proposeScale(approvals);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => approvals.decide({ orgId: 'demo', approvalId: approval.id, decision: 'approve', actor: context('operator').actor, allowedActions: ['*'] })));
    expect(outcomes.filter((o) => o.kind === 'executed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'already_decided')).toHaveLength(9);
    expect(executor.executed).toHaveLength(1);
    expect((await audit.list('demo')).map((e) => e.type)).toEqual(['approval.requested', 'approval.approved', 'action.succeeded']);
  });

  it('lets only the required role approve, and says which role is needed', async () => {
    const { approvals, executor } = setup();
    const redeploy = await approvals.propose(context('operator'), { kind: 'aws.ecs.redeploy', params: {}, target: service, reason: 'wedged tasks' });
    if (!redeploy.ok) throw new Error(redeploy.message);
    const byOperator = await approvals.decide({ orgId: 'demo', approvalId: redeploy.approval.id, decision: 'approve', actor: context('operator').actor, allowedActions: ['*'] });
    expect(byOperator).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('Only admins can approve medium-risk actions') });
    const byViewer = await approvals.decide({ orgId: 'demo', approvalId: redeploy.approval.id, decision: 'deny', actor: context('viewer').actor, allowedActions: ['*'] });
    expect(byViewer.kind).toBe('forbidden');
    expect(executor.executed).toHaveLength(0);
    const byAdmin = await approvals.decide({ orgId: 'demo', approvalId: redeploy.approval.id, decision: 'approve', actor: context('admin').actor, allowedActions: ['*'] });
    expect(byAdmin.kind).toBe('executed');
    expect(byAdmin.kind === 'executed' && byAdmin.approval.state).toBe('succeeded');
  });

  it('denies without running anything', async () => {
    const { approvals, executor } = setup();
    const approval = await proposeScale(approvals);
    const denied = await approvals.decide({ orgId: 'demo', approvalId: approval.id, decision: 'deny', actor: context('operator').actor, allowedActions: ['*'] });
    expect(denied.kind).toBe('denied');
    const later = await approvals.decide({ orgId: 'demo', approvalId: approval.id, decision: 'approve', actor: context('admin').actor, allowedActions: ['*'] });
    expect(later.kind).toBe('already_decided');
    expect(executor.executed).toHaveLength(0);
  });

  it('expires requests nobody decided in time', async () => {
    let now = new Date('2026-11-21T10:00:00Z');
    const { approvals, executor } = setup(() => now);
    const approval = await proposeScale(approvals);
    now = new Date('2026-11-21T11:00:01Z');
    const outcome = await approvals.decide({ orgId: 'demo', approvalId: approval.id, decision: 'approve', actor: context('admin').actor, allowedActions: ['*'] });
    expect(outcome.kind).toBe('expired');
    expect(executor.executed).toHaveLength(0);
  });

  it('re-checks the channel policy at decision time and never crosses organizations', async () => {
    const { approvals, executor } = setup();
    const approval = await proposeScale(approvals);
    const disabled = await approvals.decide({ orgId: 'demo', approvalId: approval.id, decision: 'approve', actor: context('admin').actor, allowedActions: [] });
    expect(disabled.kind).toBe('forbidden');
    const otherOrg = await approvals.decide({ orgId: 'globex', approvalId: approval.id, decision: 'approve', actor: context('admin').actor, allowedActions: ['*'] });
    expect(otherOrg.kind).toBe('not_found');
    expect(executor.executed).toHaveLength(0);
  });

  it('refuses proposals outside the catalog, the target types, the channel accounts or its enabled actions', async () => {
    const { approvals } = setup();
    const ctx = context('operator');
    expect(await approvals.propose(ctx, { kind: 'aws.iam.delete-everything', params: {}, target: service, reason: 'x' })).toMatchObject({ ok: false, reason: 'unknown_kind' });
    expect(await approvals.propose(ctx, { kind: 'aws.ec2.reboot', params: {}, target: service, reason: 'x' })).toMatchObject({ ok: false, reason: 'wrong_target' });
    expect(await approvals.propose(ctx, { kind: 'aws.ecs.scale', params: { desiredCount: -1 }, target: service, reason: 'x' })).toMatchObject({ ok: false, reason: 'invalid_params' });
    expect(await approvals.propose({ ...ctx, accountIds: ['222222222222'] }, { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: service, reason: 'x' })).toMatchObject({ ok: false, reason: 'out_of_scope' });
    expect(await approvals.propose(context('operator', ['aws.ec2.*']), { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: service, reason: 'x' })).toMatchObject({ ok: false, reason: 'not_allowed_here' });
    expect(await approvals.propose(context('operator', ['aws.ecs.*']), { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: service, reason: 'x' })).toMatchObject({ ok: true });
  });
});
