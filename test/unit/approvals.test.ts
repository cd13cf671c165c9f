import { describe, expect, it } from 'vitest';
import type { ActionExecutor, ActionTarget, Check, ExecutionResult } from '../../src/approvals/executor.ts';
import { TenantPolicySource } from '../../src/approvals/policy.ts';
import { ApprovalService, type ApprovalNotice, type DecisionInput } from '../../src/approvals/service.ts';
import type { ApprovalRequest, ProposedAction } from '../../src/approvals/types.ts';
import type { MetricReading, MetricWatch, Scheduler } from '../../src/approvals/verification.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Platform, RequestContext, Role } from '../../src/request.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { MemoryApiKeyStore } from '../../src/stores/memory/api-keys.ts';
import { MemoryApprovalStore } from '../../src/stores/memory/approvals.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit.ts';
import { MemoryTenantDirectory } from '../../src/stores/memory/tenants.ts';
import { OrganizationConfig, type Organization } from '../../src/tenancy/organization.ts';
import { RecordingExecutor } from '../support/bot.ts';

const account = '111111111111';
const ecsService: CloudResource = { id: `arn:aws:ecs:us-east-1:${account}:service/prod/checkout-api`, provider: 'aws', accountId: account, type: 'aws.ecs.service', name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: {} };
const instance: CloudResource = { id: `arn:aws:ec2:us-east-1:${account}:instance/i-0abc`, provider: 'aws', accountId: account, type: 'aws.ec2.instance', name: 'web-1', region: 'us-east-1', state: 'running', tags: {} };

/** One kind of each risk, on a target it accepts. */
const byRisk = {
  low: { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, target: ecsService },
  medium: { kind: 'aws.ecs.redeploy', params: {}, target: ecsService },
  high: { kind: 'aws.ec2.stop', params: {}, target: instance },
} as const;

function organization(fields: Record<string, unknown> = {}): Organization {
  return OrganizationConfig.parse({
    id: 'demo', name: 'Demo',
    accounts: [{ provider: 'aws', accountId: account, name: 'prod' }],
    members: [
      { platform: 'slack', userId: 'U-viewer', role: 'viewer' },
      { platform: 'slack', userId: 'U-operator', role: 'operator' },
      { platform: 'slack', userId: 'U-admin', role: 'admin' },
      { platform: 'slack', userId: 'U-admin2', role: 'admin' },
    ],
    defaultRole: 'viewer',
    channels: [
      { platform: 'slack', channelId: 'C1', accounts: ['*'], actions: ['*'] },
      { platform: 'slack', channelId: 'C-readonly', accounts: ['*'], actions: [] },
      { platform: 'slack', channelId: 'C-other', accounts: ['*'], actions: ['*'] },
    ],
    ...fields,
  });
}

/** The tenants store, with a switch to make it fail like a store that is down, and a hook after each read. */
class SwitchableTenants extends MemoryTenantDirectory {
  down = false;
  gone = false;
  afterRead: (() => Promise<void>) | undefined;

  override async getOrganization(orgId: string): Promise<Organization | undefined> {
    if (this.down) throw new Error('Neo4j at bolt://db:7687 is unreachable');
    if (this.gone) return undefined;
    const org = await super.getOrganization(orgId);
    const hook = this.afterRead;
    this.afterRead = undefined;
    await hook?.();
    return org;
  }
}

/** Runs scheduled work when the test says so. */
class ManualScheduler implements Scheduler {
  readonly tasks: { delayMs: number; task: () => Promise<void> }[] = [];
  schedule(delayMs: number, task: () => Promise<void>): void {
    this.tasks.push({ delayMs, task });
  }
  async runAll(): Promise<void> {
    for (const { task } of this.tasks.splice(0)) await task();
  }
}

/** Metrics as a provider would report them: set per test, before and after. */
class ScriptedMetrics implements MetricWatch {
  readings: MetricReading[] = [];
  async read(request: { resourceId: string }): Promise<{ readings: MetricReading[]; notes: string[] }> {
    return { readings: this.readings.filter((r) => r.resourceId === request.resourceId), notes: [] };
  }
}

function setup(options: { org?: Organization; now?: () => Date; executor?: ActionExecutor; verifyAfterMinutes?: number } = {}) {
  const store = new MemoryApprovalStore();
  const audit = new MemoryAuditLog();
  const tenants = new SwitchableTenants([options.org ?? organization()]);
  const apiKeys = new MemoryApiKeyStore();
  const executor = options.executor ?? new RecordingExecutor();
  const scheduler = new ManualScheduler();
  const metrics = new ScriptedMetrics();
  const approvals = new ApprovalService({
    store, audit, executor, policy: new TenantPolicySource(tenants, apiKeys, () => new Date('2026-11-21T10:00:00Z')), ttlMinutes: 60, logger: silentLogger(),
    now: options.now ?? (() => new Date('2026-11-21T10:00:00Z')),
    verification: { afterMinutes: options.verifyAfterMinutes ?? 5, metrics, scheduler },
  });
  return { store, audit, tenants, apiKeys, executor, scheduler, metrics, approvals };
}

function context(userId: string, channelId = 'C1', allowedActions: string[] = ['*']): RequestContext {
  return {
    orgId: 'demo', requestId: 'r1', source: 'slash', actor: { platform: 'slack', userId, role: 'viewer' },
    conversation: { platform: 'slack', workspaceId: ':T1', channelId, threadId: '1.1' },
    accountIds: [account], allowedActions,
  };
}

function click(approval: ApprovalRequest, userId: string, decision: 'approve' | 'deny' = 'approve', channelId = 'C1', platform: Platform = 'slack'): DecisionInput {
  return { orgId: 'demo', approvalId: approval.id, decision, actor: { platform, userId }, channel: { platform, workspaceId: ':T1', channelId, threadId: '1.1' } };
}

async function propose(approvals: ApprovalService, risk: keyof typeof byRisk = 'low', requester = 'U-operator'): Promise<ApprovalRequest> {
  const { kind, params, target } = byRisk[risk];
  const result = await approvals.propose(context(requester), { kind, params, target, reason: 'CPU saturated' });
  if (!result.ok) throw new Error(result.message);
  return result.approval;
}

function executedIds(executor: ActionExecutor): string[] {
  return (executor as RecordingExecutor).executed.map((a) => a.id);
}

describe('ApprovalService: proposals', () => {
  it('records exactly what will run, with the dry run, on the card', async () => {
    const { approvals, audit } = setup();
    const approval = await propose(approvals, 'low');
    expect(approval).toMatchObject({
      state: 'pending', risk: 'low', requiredRole: 'operator', requestedBy: 'U-operator',
      action: { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, targetResourceId: ecsService.id, targetName: 'checkout-api', accountId: account },
      dryRun: { ok: true, executor: 'recording dry-run', message: expect.stringContaining('Would set desired count of ECS service checkout-api to 6') },
    });
    const [event] = await audit.list('demo');
    expect(event).toMatchObject({ type: 'approval.requested', actor: 'U-operator', detail: { kind: 'aws.ecs.scale', params: '{"desiredCount":6}', reason: 'CPU saturated', dryRunOk: true } });
  });

  it('refuses proposals outside the catalog, the target types, the channel accounts or its enabled actions', async () => {
    const { approvals } = setup();
    const ctx = context('U-operator');
    expect(await approvals.propose(ctx, { kind: 'aws.iam.delete-everything', params: {}, target: ecsService, reason: 'x' })).toMatchObject({ ok: false, reason: 'unknown_kind' });
    expect(await approvals.propose(ctx, { kind: 'aws.ec2.reboot', params: {}, target: ecsService, reason: 'x' })).toMatchObject({ ok: false, reason: 'wrong_target' });
    expect(await approvals.propose(ctx, { kind: 'aws.ecs.scale', params: { desiredCount: -1 }, target: ecsService, reason: 'x' })).toMatchObject({ ok: false, reason: 'invalid_params' });
    expect(await approvals.propose({ ...ctx, accountIds: ['222222222222'] }, { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: ecsService, reason: 'x' })).toMatchObject({ ok: false, reason: 'out_of_scope' });
    expect(await approvals.propose(context('U-operator', 'C1', ['aws.ec2.*']), { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: ecsService, reason: 'x' })).toMatchObject({ ok: false, reason: 'not_allowed_here' });
    expect(await approvals.propose(context('U-operator', 'C1', ['aws.ecs.*']), { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: ecsService, reason: 'x' })).toMatchObject({ ok: true });
  });

  it('is read-only by default: a new organization\'s channels enable no action', async () => {
    const org = OrganizationConfig.parse({ id: 'demo', name: 'New', accounts: [{ provider: 'aws', accountId: account, name: 'prod' }] });
    expect(org.defaultChannel.actions).toEqual([]);
    const { approvals } = setup({ org });
    const result = await approvals.propose({ ...context('U-admin'), allowedActions: org.defaultChannel.actions }, { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, target: ecsService, reason: 'x' });
    expect(result).toMatchObject({ ok: false, reason: 'not_allowed_here', message: expect.stringContaining('an admin can enable aws.ecs.scale') });
  });
});

describe('ApprovalService: decisions', () => {
  it('executes exactly once when 20 approvals race', async () => {
    const { approvals, executor, audit } = setup();
    const approval = await propose(approvals);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => approvals.decide(click(approval, 'U-operator'))));
    expect(outcomes.filter((o) => o.kind === 'executed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'already_decided')).toHaveLength(19);
    expect(executedIds(executor)).toEqual([approval.id]);
    const types = (await audit.list('demo')).map((e) => e.type);
    expect(types.filter((t) => t === 'approval.click_ignored')).toHaveLength(19);
    expect(types.filter((t) => t !== 'approval.click_ignored')).toEqual(['approval.requested', 'approval.approved', 'action.started', 'action.succeeded']);
  });

  const roles: Role[] = ['viewer', 'operator', 'admin'];
  const mayApprove: Record<keyof typeof byRisk, Role[]> = { low: ['operator', 'admin'], medium: ['admin'], high: ['admin'] };
  for (const risk of ['low', 'medium', 'high'] as const) {
    for (const role of roles) {
      const allowed = mayApprove[risk].includes(role);
      it(`role matrix: ${role} ${allowed ? 'may' : 'may not'} approve a ${risk}-risk action`, async () => {
        const { approvals, executor } = setup();
        // Requested by someone else, so the four-eyes rule plays no part here.
        const approval = await propose(approvals, risk, 'U-requester');
        const outcome = await approvals.decide(click(approval, `U-${role}`));
        if (allowed) {
          expect(outcome).toMatchObject({ kind: 'executed', approval: { state: 'succeeded' } });
          expect(executedIds(executor)).toEqual([approval.id]);
        } else {
          expect(outcome).toMatchObject({ kind: 'forbidden', message: expect.stringContaining(`you are ${role === 'viewer' ? 'a' : 'an'} ${role}`) });
          expect(executedIds(executor)).toEqual([]);
          expect((await approvals.get('demo', approval.id))?.state).toBe('pending');
        }
      });
    }
  }

  it('role matrix for denials: any operator may stop a low-risk action; medium and high need an admin; viewers never decide', async () => {
    const { approvals } = setup();
    const expectations: [keyof typeof byRisk, Role, boolean][] = [
      ['low', 'viewer', false], ['low', 'operator', true], ['low', 'admin', true],
      ['medium', 'viewer', false], ['medium', 'operator', false], ['medium', 'admin', true],
      ['high', 'viewer', false], ['high', 'operator', false], ['high', 'admin', true],
    ];
    for (const [risk, role, allowed] of expectations) {
      const approval = await propose(approvals, risk, 'U-requester');
      const outcome = await approvals.decide(click(approval, `U-${role}`, 'deny'));
      expect(outcome.kind, `${role} denies ${risk}`).toBe(allowed ? 'denied' : 'forbidden');
    }
  });

  it('four-eyes: the requester of a high-risk action cannot approve it; another admin can', async () => {
    const { approvals, executor, audit } = setup({ org: organization({ approvals: { fourEyes: true } }) });
    const approval = await propose(approvals, 'high', 'U-admin');
    const own = await approvals.decide(click(approval, 'U-admin'));
    expect(own).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('another admin must approve it') });
    expect(executedIds(executor)).toEqual([]);
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'approval.refused', detail: { reason: 'four_eyes' } });
    const other = await approvals.decide(click(approval, 'U-admin2'));
    expect(other).toMatchObject({ kind: 'executed', approval: { state: 'succeeded', decisions: [{ decision: 'approve', by: 'U-admin2' }] } });
  });

  describe('four-eyes compares people, not surface ids', () => {
    const people = [
      { id: 'alice', slack: ['U-admin'], teams: ['aad-alice'], cli: ['alice'] },
      { id: 'bob', slack: ['U-admin2'], apiKeys: ['00000000000000b0'] },
    ];
    const key = { orgId: 'demo', name: 'ci', hash: 'scrypt$x', createdAt: '2026-11-01T00:00:00.000Z', role: 'admin' as const };
    const byKey = (approvals: ApprovalService, approval: ApprovalRequest, keyId: string) => approvals.decide({ ...click(approval, `apikey:${keyId}`), actor: { platform: 'api', userId: `apikey:${keyId}` } });
    const fourEyesOrg = (fields: Record<string, unknown> = {}) => organization({ approvals: { fourEyes: true }, people, members: [
      { platform: 'slack', userId: 'U-admin', role: 'admin' }, { platform: 'slack', userId: 'U-admin2', role: 'admin' }, { platform: 'teams', userId: 'aad-alice', role: 'admin' },
    ], ...fields });

    it('a key created by the requester (linked through people[].cli) cannot approve; a key of someone else can', async () => {
      const { approvals, executor, apiKeys, audit } = setup({ org: fourEyesOrg() });
      await apiKeys.create({ ...key, keyId: '00000000000000a1', createdBy: 'cli:alice' });
      await apiKeys.create({ ...key, keyId: '00000000000000c1', createdBy: 'cli:carol' });
      const approval = await propose(approvals, 'high', 'U-admin');
      expect(await byKey(approvals, approval, '00000000000000a1')).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('another admin must approve it') });
      expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'approval.refused', detail: { reason: 'four_eyes' } });
      expect(executedIds(executor)).toEqual([]);
      expect(await byKey(approvals, approval, '00000000000000c1')).toMatchObject({ kind: 'executed' });
    });

    it('a key listed under a person is that person, whoever created it; the requester\'s linked Teams identity is the requester', async () => {
      const { approvals, executor, apiKeys } = setup({ org: fourEyesOrg() });
      await apiKeys.create({ ...key, keyId: '00000000000000b0', createdBy: 'cli:carol' });
      const bobs = await propose(approvals, 'high', 'U-admin2');
      expect(await byKey(approvals, bobs, '00000000000000b0')).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('another admin must approve it') });
      expect(executedIds(executor)).toEqual([]);
      // A separate store: the same action proposed again would reuse Bob's pending request (no duplicates).
      const fresh = setup({ org: fourEyesOrg() });
      const alices = await propose(fresh.approvals, 'high', 'U-admin');
      expect(await fresh.approvals.decide(click(alices, 'aad-alice', 'approve', 'C1', 'teams'))).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('another admin must approve it') });
      expect(executedIds(fresh.executor)).toEqual([]);
    });

    it('two unlinked keys of one creator are one person', async () => {
      const { approvals, executor, apiKeys } = setup({ org: fourEyesOrg({ defaultChannel: { accounts: ['*'], actions: ['*'] } }) });
      await apiKeys.create({ ...key, keyId: '00000000000000d1', createdBy: 'cli:dave' });
      await apiKeys.create({ ...key, keyId: '00000000000000d2', createdBy: 'cli:dave' });
      await apiKeys.create({ ...key, keyId: '00000000000000e1', createdBy: 'cli:erin' });
      const viaApi = (keyId: string): RequestContext => ({ ...context(`apikey:${keyId}`), actor: { platform: 'api', userId: `apikey:${keyId}`, role: 'admin' }, conversation: { platform: 'api', workspaceId: 'demo', channelId: 'api', threadId: 't1' } });
      const { kind, params, target } = byRisk.high;
      const proposed = await approvals.propose(viaApi('00000000000000d1'), { kind, params, target, reason: 'x' });
      if (!proposed.ok) throw new Error(proposed.message);
      expect(await byKey(approvals, proposed.approval, '00000000000000d2')).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('another admin must approve it') });
      expect(executedIds(executor)).toEqual([]);
      expect(await byKey(approvals, proposed.approval, '00000000000000e1')).toMatchObject({ kind: 'executed' });
    });

    it('tenants.yaml refuses an identity linked to two people', () => {
      expect(() => organization({ people: [{ id: 'a', slack: ['U1'] }, { id: 'b', slack: ['U1'] }] })).toThrow(/Slack user U1 is linked to both/);
    });
  });

  it('four-eyes applies to high risk only, lets the requester deny their own request, and is off unless configured', async () => {
    const fourEyes = setup({ org: organization({ approvals: { fourEyes: true } }) });
    const medium = await propose(fourEyes.approvals, 'medium', 'U-admin');
    expect((await fourEyes.approvals.decide(click(medium, 'U-admin'))).kind).toBe('executed');
    const high = await propose(fourEyes.approvals, 'high', 'U-admin');
    expect((await fourEyes.approvals.decide(click(high, 'U-admin', 'deny'))).kind).toBe('denied');

    const plain = setup();
    const own = await propose(plain.approvals, 'high', 'U-admin');
    expect((await plain.approvals.decide(click(own, 'U-admin'))).kind).toBe('executed');
  });

  it('a denied request cannot be approved afterwards', async () => {
    const { approvals, executor, audit } = setup();
    const approval = await propose(approvals);
    expect((await approvals.decide(click(approval, 'U-operator', 'deny'))).kind).toBe('denied');
    const later = await approvals.decide(click(approval, 'U-admin'));
    expect(later).toMatchObject({ kind: 'already_decided', approval: { state: 'denied', decisions: [{ decision: 'deny', by: 'U-operator' }] } });
    expect(executedIds(executor)).toEqual([]);
    expect((await audit.list('demo', { subjectId: approval.id })).map((e) => e.type)).toEqual(['approval.requested', 'approval.denied', 'approval.click_ignored']);
  });

  it('an expired request cannot be approved, then or later', async () => {
    let now = new Date('2026-11-21T10:00:00Z');
    const { approvals, executor } = setup({ now: () => now });
    const approval = await propose(approvals);
    now = new Date('2026-11-21T11:00:01Z');
    expect(await approvals.decide(click(approval, 'U-admin'))).toMatchObject({ kind: 'expired', approval: { state: 'expired' } });
    expect(await approvals.decide(click(approval, 'U-admin'))).toMatchObject({ kind: 'already_decided', approval: { state: 'expired' } });
    expect(executedIds(executor)).toEqual([]);
  });

  it('fails closed when roles and policy cannot be read, and says why', async () => {
    const { approvals, executor, tenants, audit } = setup();
    const approval = await propose(approvals);
    tenants.down = true;
    const outcome = await approvals.decide(click(approval, 'U-admin'));
    expect(outcome).toMatchObject({ kind: 'forbidden', message: expect.stringMatching(/could not read this workspace's roles and channel policy \(Neo4j at bolt:\/\/db:7687 is unreachable\), so nothing was run/) });
    expect(executedIds(executor)).toEqual([]);
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'approval.refused', detail: { reason: 'policy_unavailable' } });
    // Nothing was decided: once the store is back, the request can still be approved.
    tenants.down = false;
    expect((await approvals.decide(click(approval, 'U-admin'))).kind).toBe('executed');
  });

  it('fails closed for an organization that is gone, and for a proposal whose policy cannot be read', async () => {
    const { approvals, tenants, executor } = setup();
    const approval = await propose(approvals);
    tenants.gone = true;
    expect(await approvals.decide(click(approval, 'U-admin'))).toMatchObject({ kind: 'forbidden', message: 'Organization "demo" is not configured any more, so nothing was run.' });
    expect(executedIds(executor)).toEqual([]);
    tenants.gone = false;
    tenants.down = true;
    const refused = await approvals.propose(context('U-operator'), { ...byRisk.low, params: { desiredCount: 3 }, reason: 'x' });
    expect(refused).toMatchObject({ ok: false, reason: 'policy_unavailable' });
  });

  it('gives an HTTP API key the role it was created with, read again at every click', async () => {
    const { approvals, apiKeys, executor } = setup();
    const key = { orgId: 'demo', name: 'ci', hash: 'scrypt$x', createdAt: '2026-11-01T00:00:00.000Z', createdBy: 'U-admin' };
    await apiKeys.create({ ...key, keyId: 'k-operator', role: 'operator' });
    await apiKeys.create({ ...key, keyId: 'k-viewer', role: 'viewer' });
    await apiKeys.create({ ...key, keyId: 'k-expired', role: 'admin', expiresAt: '2026-11-20T00:00:00.000Z' });
    await apiKeys.create({ ...key, keyId: 'k-other-org', role: 'admin', orgId: 'globex' });
    const approval = await propose(approvals);
    // As the HTTP API decides: the key is the actor, the request's own channel is where the click counts.
    const byKey = (keyId: string) => approvals.decide({ ...click(approval, `apikey:${keyId}`), actor: { platform: 'api', userId: `apikey:${keyId}` } });
    expect(await byKey('k-viewer')).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('you are a viewer') });
    expect(await byKey('k-expired')).toMatchObject({ kind: 'forbidden', message: 'This API key expired at 2026-11-20T00:00:00.000Z, so nothing was run.' });
    expect(await byKey('k-other-org')).toMatchObject({ kind: 'forbidden', message: 'This API key is not known to this organization, so nothing was run.' });
    expect(await byKey('k-unknown')).toMatchObject({ kind: 'forbidden' });
    await apiKeys.revoke('demo', 'k-operator', '2026-11-21T09:00:00.000Z', 'U-admin');
    expect(await byKey('k-operator')).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('was revoked') });
    expect(executedIds(executor)).toEqual([]);
    await apiKeys.create({ ...key, keyId: 'k-operator-2', role: 'operator' });
    expect(await byKey('k-operator-2')).toMatchObject({ kind: 'executed' });
  });

  it('re-checks the policy of the request\'s own channel at click time, wherever the click comes from, and never crosses organizations', async () => {
    const { approvals, executor, tenants } = setup();
    const approval = await propose(approvals);
    expect(await approvals.decide({ ...click(approval, 'U-admin'), orgId: 'globex' })).toMatchObject({ kind: 'not_found' });
    // C1 (the request's channel) turns read-only; a click from C-other, where everything is enabled, does not walk around it.
    await tenants.upsertOrganization(organization({ channels: [{ platform: 'slack', channelId: 'C1', accounts: ['*'], actions: [] }, { platform: 'slack', channelId: 'C-other', accounts: ['*'], actions: ['*'] }] }));
    expect(await approvals.decide(click(approval, 'U-admin', 'approve', 'C-other'))).toMatchObject({ kind: 'forbidden', message: expect.stringContaining('not enabled in this channel') });
    expect(executedIds(executor)).toEqual([]);
    // And the other way round: C1 enabled again, a click arriving from a read-only channel is judged by C1's policy.
    await tenants.upsertOrganization(organization());
    expect(await approvals.decide(click(approval, 'U-admin', 'approve', 'C-readonly'))).toMatchObject({ kind: 'executed' });
  });

  it('re-checks the policy at execution time: a channel disabled between the click and the run runs nothing', async () => {
    const { approvals, executor, tenants } = setup();
    const approval = await propose(approvals);
    const readOnly = organization({ channels: [{ platform: 'slack', channelId: 'C1', accounts: ['*'], actions: [] }] });
    // The decision reads the policy once; the change lands right after, before the execution's own read.
    tenants.afterRead = () => tenants.upsertOrganization(readOnly);
    const outcome = await approvals.decide(click(approval, 'U-admin'));
    expect(outcome).toMatchObject({ kind: 'executed', approval: { state: 'failed', result: expect.stringContaining('no longer enabled in the channel of this request; nothing was run') } });
    expect(executedIds(executor)).toEqual([]);
  });

  it('reports a provider refusal as a failed request with the reason', async () => {
    const refusing: ActionExecutor = {
      name: 'refusing',
      dryRun: async () => ({ ok: true, message: 'would work' }),
      execute: async (): Promise<ExecutionResult> => ({ ok: false, message: 'AWS refused to run "set desired count": AccessDeniedException: not authorized.', providerCode: 'AccessDeniedException' }),
      verify: async () => ({ ok: true, message: '' }),
    };
    const { approvals, audit, scheduler } = setup({ executor: refusing });
    const approval = await propose(approvals);
    const outcome = await approvals.decide(click(approval, 'U-operator'));
    expect(outcome).toMatchObject({ kind: 'executed', approval: { state: 'failed', result: expect.stringContaining('AccessDeniedException'), execution: { ok: false, providerCode: 'AccessDeniedException', executor: 'refusing' } } });
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'action.failed', detail: { providerCode: 'AccessDeniedException' } });
    expect(scheduler.tasks).toHaveLength(0);
  });
});

describe('ApprovalService: listing', () => {
  it('lists pending requests of the channel asked in, expiring overdue ones', async () => {
    let now = new Date('2026-11-21T10:00:00Z');
    const { approvals } = setup({ now: () => now });
    const here = await propose(approvals);
    // Other parameters: another action (the same one would be reused, see "reuses an identical pending request").
    const elsewhere = await approvals.propose(context('U-operator', 'C-other'), { ...byRisk.low, params: { desiredCount: 7 }, reason: 'x' });
    if (!elsewhere.ok) throw new Error(elsewhere.message);
    const decidedResult = await approvals.propose(context('U-operator'), { ...byRisk.low, params: { desiredCount: 8 }, reason: 'x' });
    if (!decidedResult.ok) throw new Error(decidedResult.message);
    const decided = decidedResult.approval;
    await approvals.decide(click(decided, 'U-operator', 'deny'));
    expect((await approvals.listPending(context('U-viewer'))).map((a) => a.id)).toEqual([here.id]);
    expect((await approvals.listPending(context('U-viewer', 'C-other'))).map((a) => a.id)).toEqual([elsewhere.approval.id]);
    now = new Date('2026-11-21T11:00:01Z');
    expect(await approvals.listPending(context('U-viewer'))).toEqual([]);
    expect((await approvals.get('demo', here.id))?.state).toBe('expired');
  });
});

/** An executor with a prior state, as the live ones report it, to exercise undo and verification without a cloud. */
class ScalingExecutor implements ActionExecutor {
  readonly name = 'scaling';
  desired = 2;
  readonly runs: { kind: string; params: Record<string, unknown>; target: ActionTarget }[] = [];

  async dryRun(action: ProposedAction): Promise<Check> {
    return { ok: true, message: `desired ${this.desired} → ${String(action.params['desiredCount'])}` };
  }

  async execute(approval: ApprovalRequest, target: ActionTarget): Promise<ExecutionResult> {
    this.runs.push({ kind: approval.action.kind, params: approval.action.params, target });
    const prior = this.desired;
    this.desired = approval.action.params['desiredCount'] as number;
    return { ok: true, message: `from ${prior} to ${this.desired}`, priorState: { desiredCount: prior }, rollback: { kind: 'aws.ecs.scale', params: { desiredCount: prior }, description: `Set desired count back to ${prior}` } };
  }

  async verify(approval: ApprovalRequest): Promise<Check> {
    return { ok: this.desired === approval.action.params['desiredCount'], message: `desired ${this.desired}` };
  }
}

describe('ApprovalService: undo and verification', () => {
  it('offers the undo of a reversible action as a new request through the same approval', async () => {
    const executor = new ScalingExecutor();
    const { approvals, audit } = setup({ executor });
    const approval = await propose(approvals);
    const done = await approvals.decide(click(approval, 'U-operator'));
    expect(done).toMatchObject({ kind: 'executed', approval: { state: 'succeeded', execution: { priorState: { desiredCount: 2 }, rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 } } } } });
    expect(executor.runs[0]?.target).toMatchObject({ orgId: 'demo', resourceId: ecsService.id, account: { accountId: account } });

    const undo = await approvals.proposeRollback(context('U-viewer'), approval.id);
    if (!undo.ok) throw new Error(undo.message);
    expect(undo.approval).toMatchObject({ state: 'pending', rollbackOf: approval.id, action: { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, targetResourceId: ecsService.id }, requestedBy: 'U-viewer' });
    // Clicking Undo again (any replica) gives the same open request.
    expect(await approvals.proposeRollback(context('U-operator'), approval.id)).toMatchObject({ ok: true, approval: { id: undo.approval.id } });
    expect(executor.runs).toHaveLength(1);

    // The same rules: a viewer cannot approve it; an operator can, and only then does it run.
    expect((await approvals.decide(click(undo.approval, 'U-viewer'))).kind).toBe('forbidden');
    expect(await approvals.decide(click(undo.approval, 'U-operator'))).toMatchObject({ kind: 'executed', approval: { state: 'succeeded' } });
    expect(executor.desired).toBe(2);
    expect((await audit.list('demo', { subjectId: undo.approval.id }))[0]).toMatchObject({ type: 'approval.rollback_requested', detail: { rollbackOf: approval.id } });
  });

  it('gives a fresh undo after a denied one, and none for actions that cannot be undone', async () => {
    const executor = new ScalingExecutor();
    const { approvals } = setup({ executor });
    const approval = await propose(approvals);
    await approvals.decide(click(approval, 'U-operator'));
    const first = await approvals.proposeRollback(context('U-operator'), approval.id);
    if (!first.ok) throw new Error(first.message);
    await approvals.decide(click(first.approval, 'U-operator', 'deny'));
    const second = await approvals.proposeRollback(context('U-operator'), approval.id);
    expect(second).toMatchObject({ ok: true, approval: { state: 'pending', rollbackOf: approval.id } });
    expect(second.ok && second.approval.id).not.toBe(first.approval.id);

    const plain = setup();
    const restart = await propose(plain.approvals, 'medium');
    await plain.approvals.decide(click(restart, 'U-admin'));
    expect(await plain.approvals.proposeRollback(context('U-admin'), restart.id)).toMatchObject({ ok: false, reason: 'not_reversible' });
    const pending = await propose(plain.approvals);
    expect(await plain.approvals.proposeRollback(context('U-admin'), pending.id)).toMatchObject({ ok: false, reason: 'not_reversible', message: expect.stringContaining('is pending') });
  });

  it('re-reads the metrics that prompted the action a few minutes later and posts the follow-up', async () => {
    const executor = new ScalingExecutor();
    const { approvals, scheduler, metrics, audit } = setup({ executor, verifyAfterMinutes: 7 });
    const notices: ApprovalNotice[] = [];
    approvals.onNotice((notice) => {
      notices.push(notice);
    });
    metrics.readings = [
      { resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', value: 96, threshold: 80, breached: true },
      { resourceId: ecsService.id, metric: 'MemoryUtilization', unit: 'Percent', value: 40, threshold: 90, breached: false },
    ];
    const approval = await propose(approvals);
    expect(approval.watch).toEqual([
      { resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', before: 96, threshold: 80, breachedBefore: true },
      { resourceId: ecsService.id, metric: 'MemoryUtilization', unit: 'Percent', before: 40, threshold: 90, breachedBefore: false },
    ]);
    const done = await approvals.decide(click(approval, 'U-operator'));
    expect(done).toMatchObject({ kind: 'executed', approval: { verification: { status: 'scheduled', dueAt: '2026-11-21T10:07:00.000Z' } } });
    expect(scheduler.tasks.map((t) => t.delayMs)).toEqual([7 * 60_000]);
    expect(notices).toEqual([]);

    metrics.readings = [
      { resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', value: 41, threshold: 80, breached: false },
      { resourceId: ecsService.id, metric: 'MemoryUtilization', unit: 'Percent', value: 38, threshold: 90, breached: false },
    ];
    await scheduler.runAll();
    const verified = await approvals.get('demo', approval.id);
    expect(verified?.verification).toMatchObject({ status: 'improved', targetState: { ok: true, message: 'desired 6' }, message: expect.stringContaining('CPUUtilization 96% → 41%, threshold 80%') });
    expect(notices).toHaveLength(1);
    expect(notices[0]?.approval.conversation).toEqual(approval.conversation);
    expect(notices[0]?.reply.summary).toBe('✅ Verification of aws.ecs.scale on checkout-api: improved');
    expect((await audit.list('demo', { subjectId: approval.id })).at(-1)).toMatchObject({ type: 'action.verified', detail: { status: 'improved' } });
  });

  it('says when the metric is still past its threshold, or the change did not take', async () => {
    const executor = new ScalingExecutor();
    const { approvals, scheduler, metrics } = setup({ executor });
    metrics.readings = [{ resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', value: 96, threshold: 80, breached: true }];
    const approval = await propose(approvals);
    await approvals.decide(click(approval, 'U-operator'));
    await scheduler.runAll();
    expect((await approvals.get('demo', approval.id))?.verification).toMatchObject({ status: 'not_improved', message: expect.stringContaining('Still past the threshold: CPUUtilization 96% → 96%') });

    const second = await propose(approvals);
    await approvals.decide(click(second, 'U-operator'));
    executor.desired = 1; // someone scaled it down again before the check
    await scheduler.runAll();
    expect((await approvals.get('demo', second.id))?.verification).toMatchObject({ status: 'not_improved', message: expect.stringContaining('The change has not taken effect: desired 1') });
  });

  it('runs a verification whose timer was lost (a restart) once from the sweep, also with two replicas sweeping', async () => {
    const executor = new ScalingExecutor();
    const first = setup({ executor, verifyAfterMinutes: 7 });
    first.metrics.readings = [{ resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', value: 96, threshold: 80, breached: true }];
    const approval = await propose(first.approvals);
    await first.approvals.decide(click(approval, 'U-operator'));
    const lostTimer = first.scheduler.tasks.splice(0);
    expect(lostTimer).toHaveLength(1);

    // Two replicas started after the restart, over the same stores, with their own clocks.
    const replica = (now: string) => new ApprovalService({
      store: first.store, audit: first.audit, executor, policy: new TenantPolicySource(first.tenants, first.apiKeys, () => new Date(now)), ttlMinutes: 60,
      logger: silentLogger(), now: () => new Date(now), verification: { afterMinutes: 7, metrics: first.metrics, scheduler: new ManualScheduler() },
    });
    const early = replica('2026-11-21T10:06:00Z');
    await expect(early.sweepVerifications()).resolves.toBe(0);
    expect((await first.store.get('demo', approval.id))?.verification?.status).toBe('scheduled');

    const [a, b] = [replica('2026-11-21T10:08:00Z'), replica('2026-11-21T10:08:00Z')];
    const notices: ApprovalNotice[] = [];
    for (const r of [a, b]) r.onNotice((n) => void notices.push(n));
    first.metrics.readings = [{ resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', value: 30, threshold: 80, breached: false }];
    const ran = await Promise.all([a.sweepVerifications(), b.sweepVerifications()]);
    expect(ran[0] + ran[1]).toBe(1);
    expect(notices.map((n) => n.approval.id)).toEqual([approval.id]);
    expect((await first.store.get('demo', approval.id))?.verification).toMatchObject({ status: 'improved', dueAt: '2026-11-21T10:07:00.000Z' });
    // The old timer firing late, or another sweep, finds nothing left to do.
    for (const { task } of lostTimer) await task();
    await expect(a.sweepVerifications()).resolves.toBe(0);
    expect((await first.audit.list('demo', { subjectId: approval.id })).filter((e) => e.type === 'action.verified')).toHaveLength(1);
  });

  it('schedules no verification after a dry run (nothing changed), nor when the follow-up is off', async () => {
    const dry = setup();
    dry.metrics.readings = [{ resourceId: ecsService.id, metric: 'CPUUtilization', unit: 'Percent', value: 96, threshold: 80, breached: true }];
    const approval = await propose(dry.approvals);
    expect(await dry.approvals.decide(click(approval, 'U-operator'))).toMatchObject({ kind: 'executed', approval: { state: 'succeeded', execution: { changed: false } } });
    expect(dry.scheduler.tasks).toEqual([]);
    expect((await dry.approvals.get('demo', approval.id))?.verification).toBeUndefined();
    await expect(dry.approvals.sweepVerifications()).resolves.toBe(0);

    const off = setup({ verifyAfterMinutes: 0 });
    const other = await propose(off.approvals);
    await off.approvals.decide(click(other, 'U-operator'));
    expect(off.scheduler.tasks).toEqual([]);
    expect((await off.approvals.get('demo', other.id))?.verification).toBeUndefined();
  });
});
