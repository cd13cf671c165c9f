import { describe, expect, it } from 'vitest';
import { TenantPolicySource } from '../../src/approvals/policy.ts';
import { ApprovalService, type ApprovalNotice, type DecisionInput } from '../../src/approvals/service.ts';
import type { ApprovalRequest, ApprovalState, TransitionPatch, TransitionResult } from '../../src/approvals/types.ts';
import type { Scheduler } from '../../src/approvals/verification.ts';
import { silentLogger } from '../../src/logging.ts';
import type { RequestContext } from '../../src/request.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { MemoryApiKeyStore } from '../../src/stores/memory/api-keys.ts';
import { MemoryApprovalStore } from '../../src/stores/memory/approvals.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit.ts';
import { MemoryTenantDirectory } from '../../src/stores/memory/tenants.ts';
import { OrganizationConfig } from '../../src/tenancy/organization.ts';
import { RecordingExecutor } from '../support/bot.ts';

const account = '111111111111';
const service: CloudResource = { id: `arn:aws:ecs:us-east-1:${account}:service/prod/checkout-api`, provider: 'aws', accountId: account, type: 'aws.ecs.service', name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: {} };
const org = OrganizationConfig.parse({
  id: 'demo', name: 'Demo',
  accounts: [{ provider: 'aws', accountId: account, name: 'prod' }],
  members: [{ platform: 'slack', userId: 'U-operator', role: 'operator' }, { platform: 'slack', userId: 'U-admin', role: 'admin' }],
  channels: [{ platform: 'slack', channelId: 'C1', accounts: ['*'], actions: ['*'] }, { platform: 'slack', channelId: 'C2', accounts: ['*'], actions: ['*'] }],
});

/** The memory store, with a switch that makes chosen writes throw like a store that went away. */
class FlakyStore extends MemoryApprovalStore {
  /** Transitions `from → to` that throw (once each time they are listed). */
  failing: { from: ApprovalState; to: ApprovalState }[] = [];
  down = false;

  override async transition(orgId: string, id: string, from: ApprovalState, to: ApprovalState, patch?: TransitionPatch): Promise<TransitionResult> {
    if (this.down) throw new Error('Neo4j at bolt://db:7687 is unreachable');
    const index = this.failing.findIndex((f) => f.from === from && f.to === to);
    if (index >= 0) {
      this.failing.splice(index, 1);
      throw new Error('Neo4j at bolt://db:7687 is unreachable');
    }
    return super.transition(orgId, id, from, to, patch);
  }

  override async get(orgId: string, id: string): Promise<ApprovalRequest | undefined> {
    if (this.down) throw new Error('Neo4j at bolt://db:7687 is unreachable');
    return super.get(orgId, id);
  }
}

const start = Date.parse('2026-11-21T10:00:00Z');
const noTimers: Scheduler = { schedule: () => undefined };

/** One replica: its own service (and clock) over the shared stores. */
function replica(shared: { store: FlakyStore; audit: MemoryAuditLog; executor: RecordingExecutor }, clock: { ms: number }) {
  const approvals = new ApprovalService({
    store: shared.store, audit: shared.audit, executor: shared.executor,
    policy: new TenantPolicySource(new MemoryTenantDirectory([org]), new MemoryApiKeyStore(), () => new Date(clock.ms)),
    ttlMinutes: 60, logger: silentLogger(), now: () => new Date(clock.ms),
    verification: { afterMinutes: 5, scheduler: noTimers },
    execution: { retryBaseMs: 1, runLeaseMs: 31_000 },
  });
  const notices: ApprovalNotice[] = [];
  approvals.onNotice((n) => void notices.push(n));
  return { approvals, notices };
}

function setup() {
  const shared = { store: new FlakyStore(), audit: new MemoryAuditLog(), executor: new RecordingExecutor() };
  const clock = { ms: start };
  return { ...shared, clock, ...replica(shared, clock) };
}

function context(userId: string, channelId = 'C1'): RequestContext {
  return {
    orgId: 'demo', requestId: 'r1', source: 'slash', actor: { platform: 'slack', userId, role: 'viewer' },
    conversation: { platform: 'slack', workspaceId: ':T1', channelId, threadId: `${channelId}.1` }, accountIds: [account], allowedActions: ['*'],
  };
}

function click(approval: ApprovalRequest, userId = 'U-operator', decision: 'approve' | 'deny' = 'approve'): DecisionInput {
  return { orgId: 'demo', approvalId: approval.id, decision, actor: { platform: 'slack', userId, displayName: 'Ada' }, channel: { platform: 'slack', workspaceId: ':T1', channelId: 'C1' } };
}

async function propose(approvals: ApprovalService, desiredCount = 6, channelId = 'C1') {
  const result = await approvals.propose(context('U-operator', channelId), { kind: 'aws.ecs.scale', params: { desiredCount }, target: service, reason: 'CPU saturated' });
  if (!result.ok) throw new Error(result.message);
  return result;
}

async function auditTypes(audit: MemoryAuditLog, id: string): Promise<string[]> {
  return (await audit.list('demo', { subjectId: id })).map((e) => e.type);
}

describe('durable execution: the approval is the execution intent', () => {
  it('stores the lease and the start deadline with the approval, in the same write', async () => {
    const { approvals, store } = setup();
    const { approval } = await propose(approvals);
    store.failing = [{ from: 'approved', to: 'executing' }];
    const outcome = await approvals.decide(click(approval));
    expect(outcome).toMatchObject({ kind: 'accepted', message: expect.stringContaining('could not start yet (Neo4j at bolt://db:7687 is unreachable)') });
    expect(await store.get('demo', approval.id)).toMatchObject({
      state: 'approved', leaseUntil: '2026-11-21T10:01:00.000Z', runBy: '2026-11-21T10:15:00.000Z',
      decisions: [{ decision: 'approve', by: 'U-operator', platform: 'slack' }],
    });
  });

  it('a click whose execution could not start is run once by a sweeper after its lease, and the thread hears the outcome', async () => {
    const shared = setup();
    const { approvals, store, executor, audit, clock } = shared;
    const { approval } = await propose(approvals);
    store.failing = [{ from: 'approved', to: 'executing' }];
    expect((await approvals.decide(click(approval))).kind).toBe('accepted');
    expect(executor.executed).toEqual([]);
    // Inside the lease the clicking replica still owns it: nobody takes it.
    clock.ms = start + 30_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(0);
    // After it, two replicas sweep at once: one runs it.
    clock.ms = start + 61_000;
    const [a, b] = [replica(shared, clock), replica(shared, clock)];
    const settled = await Promise.all([a.approvals.sweepApprovals(), b.approvals.sweepApprovals()]);
    expect(settled[0] + settled[1]).toBe(1);
    expect(executor.executed.map((e) => e.id)).toEqual([approval.id]);
    expect(await store.get('demo', approval.id)).toMatchObject({ state: 'succeeded', execution: { ok: true } });
    const notices = [...a.notices, ...b.notices];
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'execution', approval: { id: approval.id, conversation: { channelId: 'C1', threadId: 'C1.1' } }, reply: { summary: '✅ aws.ecs.scale on checkout-api (approved by Ada): succeeded' } });
    expect(await auditTypes(audit, approval.id)).toEqual(['approval.requested', 'approval.approved', 'action.started', 'action.succeeded']);
    // Nothing left: later sweeps and clicks run nothing more.
    clock.ms = start + 3_600_000;
    await expect(a.approvals.sweepApprovals()).resolves.toBe(0);
    expect((await approvals.decide(click(approval))).kind).toBe('already_decided');
    expect(executor.executed).toHaveLength(1);
  });

  it('the audit of the start failing hands the request back: nothing runs unaudited, the sweeper runs it later', async () => {
    const shared = setup();
    const { approvals, store, executor, audit, clock } = shared;
    const { approval } = await propose(approvals);
    const append = audit.append.bind(audit);
    let failStarted = true;
    audit.append = async (event) => {
      if (event.type === 'action.started' && failStarted) {
        failStarted = false;
        throw new Error('audit store unreachable');
      }
      return append(event);
    };
    expect(await approvals.decide(click(approval))).toMatchObject({ kind: 'accepted' });
    expect(executor.executed).toEqual([]);
    expect((await store.get('demo', approval.id))?.state).toBe('approved');
    clock.ms = start + 1000;
    await expect(approvals.sweepApprovals()).resolves.toBe(1);
    expect(executor.executed.map((e) => e.id)).toEqual([approval.id]);
  });

  it('an outcome the store would not take at first is retried and recorded', async () => {
    const { approvals, store, executor } = setup();
    const { approval } = await propose(approvals);
    store.failing = [{ from: 'executing', to: 'succeeded' }, { from: 'executing', to: 'succeeded' }];
    expect(await approvals.decide(click(approval))).toMatchObject({ kind: 'executed', approval: { state: 'succeeded' } });
    expect((await store.get('demo', approval.id))?.state).toBe('succeeded');
    expect(executor.executed).toHaveLength(1);
  });

  it('an approved action that could not start by its deadline is failed with the reason, audited and posted; it never runs late', async () => {
    const { approvals, store, executor, audit, clock, notices } = setup();
    const { approval } = await propose(approvals);
    store.failing = [{ from: 'approved', to: 'executing' }];
    await approvals.decide(click(approval));
    // The store (or every replica) was away for longer than the start deadline.
    clock.ms = start + 16 * 60_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(1);
    expect(executor.executed).toEqual([]);
    expect(await store.get('demo', approval.id)).toMatchObject({ state: 'failed', result: expect.stringContaining('could not be started by 2026-11-21T10:15:00.000Z'), execution: { ok: false } });
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'action.failed', actor: 'cloud-companion', detail: { reason: 'not_started_in_time' } });
    expect(notices.map((n) => n.reply.summary)).toEqual(['❌ aws.ecs.scale on checkout-api (approved by Ada): failed']);
  });

  it('an action interrupted while running (its run lease lapsed) is failed as unknown, never run twice', async () => {
    const { approvals, store, executor, audit, clock, notices } = setup();
    const { approval } = await propose(approvals);
    // A replica claimed it and died while the action ran.
    await store.transition('demo', approval.id, 'pending', 'approved', { decision: { decision: 'approve', by: 'U-operator', platform: 'slack', at: new Date(start).toISOString() }, leaseUntil: new Date(start + 60_000).toISOString(), runBy: new Date(start + 900_000).toISOString() });
    await store.transition('demo', approval.id, 'approved', 'executing', { leaseUntil: new Date(start + 600_000).toISOString() });
    clock.ms = start + 300_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(0);
    clock.ms = start + 601_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(1);
    expect(executor.executed).toEqual([]);
    expect(await store.get('demo', approval.id)).toMatchObject({ state: 'failed', result: expect.stringContaining('whether it took effect is unknown; it is not run again. Check checkout-api') });
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'action.failed', detail: { reason: 'interrupted' } });
    expect(notices).toHaveLength(1);
  });

  it('an approved request from an older version (no lease) is picked up by the sweeper', async () => {
    const { approvals, store, executor } = setup();
    const { approval } = await propose(approvals);
    await store.transition('demo', approval.id, 'pending', 'approved', { decision: { decision: 'approve', by: 'U-operator', at: new Date(start).toISOString() } });
    await expect(approvals.sweepApprovals()).resolves.toBe(1);
    expect(executor.executed.map((e) => e.id)).toEqual([approval.id]);
  });

  it('a decision never throws: a store that is down is reported as unavailable, asking to retry, and nothing runs', async () => {
    const { approvals, store, executor } = setup();
    const { approval } = await propose(approvals);
    store.down = true;
    expect(await approvals.decide(click(approval))).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/data store is unavailable \(Neo4j at bolt:\/\/db:7687 is unreachable\).*Try again in a minute/) });
    store.down = false;
    expect((await approvals.decide(click(approval))).kind).toBe('executed');
    expect(executor.executed).toHaveLength(1);
  });

  it('the same guarantee for an undo: its stranded approval is run once by the sweeper', async () => {
    const shared = setup();
    const { approvals, store, executor, clock } = shared;
    const { approval } = await propose(approvals);
    await approvals.decide(click(approval));
    // The dry-run executor records no prior state: give the request one, as a live executor would.
    const done = await store.get('demo', approval.id);
    if (!done?.execution) throw new Error('not executed');
    await store.transition('demo', approval.id, 'succeeded', 'succeeded', { execution: { ...done.execution, rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, description: 'Set desired count back to 2' } } });
    const undo = await approvals.proposeRollback(context('U-operator'), approval.id);
    if (!undo.ok) throw new Error(undo.message);
    store.failing = [{ from: 'approved', to: 'executing' }];
    expect((await approvals.decide(click(undo.approval))).kind).toBe('accepted');
    clock.ms = start + 61_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(1);
    expect(executor.executed.map((e) => e.id)).toEqual([approval.id, undo.approval.id]);
  });
});

describe('approval hygiene', () => {
  it('reuses an identical pending request (same kind, target, parameters) instead of making another, from any channel', async () => {
    const { approvals, audit } = setup();
    const first = await propose(approvals);
    expect(first.existing).toBeUndefined();
    const again = await propose(approvals, 6, 'C2');
    expect(again).toMatchObject({ ok: true, existing: true, approval: { id: first.approval.id, conversation: { channelId: 'C1', threadId: 'C1.1' } } });
    expect(await auditTypes(audit, first.approval.id)).toEqual(['approval.requested', 'approval.reused']);
    // Other parameters are another request; a decided one no longer blocks a new one.
    const other = await propose(approvals, 7);
    expect(other.approval.id).not.toBe(first.approval.id);
    await approvals.decide(click(first.approval, 'U-operator', 'deny'));
    const fresh = await propose(approvals);
    expect(fresh.existing).toBeUndefined();
    expect(fresh.approval.id).not.toBe(first.approval.id);
  });

  it('does not reuse a request past its expiry: it is expired and a new one is made', async () => {
    const { approvals, store, clock } = setup();
    const first = await propose(approvals);
    clock.ms = start + 61 * 60_000;
    const second = await propose(approvals);
    expect(second.existing).toBeUndefined();
    expect((await store.get('demo', first.approval.id))?.state).toBe('expired');
  });

  it('the sweeper expires overdue pending requests and audits it; an expired click is refused with the expiry', async () => {
    const { approvals, store, audit, clock, executor } = setup();
    const { approval } = await propose(approvals);
    clock.ms = start + 59 * 60_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(0);
    clock.ms = start + 61 * 60_000;
    await expect(approvals.sweepApprovals()).resolves.toBe(1);
    expect((await store.get('demo', approval.id))?.state).toBe('expired');
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'approval.expired', actor: 'cloud-companion', detail: { expiresAt: '2026-11-21T11:00:00.000Z' } });
    expect(await approvals.decide(click(approval))).toMatchObject({ kind: 'already_decided', approval: { state: 'expired' } });
    expect(executor.executed).toEqual([]);
  });
});
