import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pendingKey, type ApprovalRequest, type ApprovalStore, type TransitionResult } from '../../src/approvals/types.ts';
import { isCompanionError } from '../../src/errors.ts';

/** The behaviour every ApprovalStore must have; tests use random organizations. */
export function approvalStoreContract(name: string, make: () => Promise<{ approvals: ApprovalStore; cleanup?: () => Promise<void> }>): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    let approvals: ApprovalStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ approvals, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('reads a request back exactly', async () => {
      const request = approval(newOrg(), {
        action: {
          kind: 'aws.ecs.scale', params: { desiredCount: 4, nested: { list: [1, 'two', null], flag: true }, quote: `"'{}` },
          targetResourceId: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api', targetName: 'checkout-api', accountId: '111111111111',
        },
        decisions: [{ decision: 'approve', by: 'U0', byName: 'Zoë', at: '2025-01-01T00:00:00.000Z' }],
        result: 'earlier result',
      });
      await approvals.create(request);
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual(request);
      const plain = approval(request.orgId);
      await approvals.create(plain);
      const read = await approvals.get(plain.orgId, plain.id);
      expect(read).toEqual(plain);
      expect(read && 'result' in read).toBe(false);
    });

    it('refuses to create the same request twice', async () => {
      const request = approval(newOrg());
      await approvals.create(request);
      const error: unknown = await approvals.create({ ...request, reason: 'again' }).then(() => undefined, (e: unknown) => e);
      expect(isCompanionError(error) && error.code).toBe('conflict');
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual(request);
    });

    it('returns undefined for unknown ids and for other organizations', async () => {
      const request = approval(newOrg());
      await approvals.create(request);
      await expect(approvals.get(request.orgId, 'nope')).resolves.toBeUndefined();
      await expect(approvals.get(newOrg(), request.id)).resolves.toBeUndefined();
      await expect(approvals.list(newOrg())).resolves.toEqual([]);
    });

    it('lists newest first, filtered by state, limited', async () => {
      const org = newOrg();
      const requests = [0, 1, 2, 3, 4].map((i) => approval(org, { id: `a-${i}`, createdAt: `2025-01-0${i + 1}T00:00:00.000Z` }));
      const sameTime = approval(org, { id: 'a-0b', createdAt: requests[0]?.createdAt ?? '' });
      for (const r of [...requests, sameTime]) await approvals.create(r);
      await approvals.transition(org, 'a-1', 'pending', 'denied');
      await approvals.transition(org, 'a-3', 'pending', 'approved');
      expect((await approvals.list(org)).map((a) => a.id)).toEqual(['a-4', 'a-3', 'a-2', 'a-1', 'a-0', 'a-0b']);
      expect((await approvals.list(org, { states: ['pending'] })).map((a) => a.id)).toEqual(['a-4', 'a-2', 'a-0', 'a-0b']);
      expect((await approvals.list(org, { states: ['denied', 'approved'] })).map((a) => a.id)).toEqual(['a-3', 'a-1']);
      expect((await approvals.list(org, { states: [] })).map((a) => a.id)).toEqual([]);
      expect((await approvals.list(org, { limit: 2 })).map((a) => a.id)).toEqual(['a-4', 'a-3']);
      expect((await approvals.list(org, { states: ['approved'] }))[0]).toEqual({ ...requests[3], state: 'approved' });
    });

    it('transitions from the expected state only, recording decisions and results', async () => {
      const request = approval(newOrg());
      await approvals.create(request);
      const decision = { decision: 'approve' as const, by: 'U9', byName: 'Ada', at: '2025-01-01T00:05:00.000Z' };
      const approved = await approvals.transition(request.orgId, request.id, 'pending', 'approved', { decision });
      expect(approved).toEqual({ ok: true, approval: { ...request, state: 'approved', decisions: [decision] } });
      const again = await approvals.transition(request.orgId, request.id, 'pending', 'denied', { decision: { ...decision, decision: 'deny' } });
      expect(again).toEqual({ ok: false, reason: 'wrong_state', approval: { ...request, state: 'approved', decisions: [decision] } });
      await approvals.transition(request.orgId, request.id, 'approved', 'executing');
      const done = await approvals.transition(request.orgId, request.id, 'executing', 'succeeded', { result: 'Scaled to 4 tasks' });
      expect(done).toEqual({ ok: true, approval: { ...request, state: 'succeeded', decisions: [decision], result: 'Scaled to 4 tasks' } });
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual({ ...request, state: 'succeeded', decisions: [decision], result: 'Scaled to 4 tasks' });
    });

    it('round-trips the dry run, undo link, watched metrics, execution and verification reports', async () => {
      const request = approval(newOrg(), {
        dryRun: { ok: false, message: 'AWS refused: UnauthorizedOperation "quoted" \u2014 ok', at: '2025-01-01T00:00:00.000Z', executor: 'live' },
        rollbackOf: randomUUID(),
        watch: [{ resourceId: 'arn:x', metric: 'CPUUtilization', unit: 'Percent', before: 96.5, threshold: 80, breachedBefore: true }],
        requestedByName: 'Zoë',
      });
      await approvals.create(request);
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual(request);
      await approvals.transition(request.orgId, request.id, 'pending', 'approved');
      await approvals.transition(request.orgId, request.id, 'approved', 'executing');
      const execution = {
        ok: true, message: 'Desired count set from 2 to 6.', at: '2025-01-01T00:01:00.000Z', executor: 'live',
        priorState: { desiredCount: 2, nested: { list: [1, null, 'x'] } },
        rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, description: 'Set desired count back to 2' },
      };
      const succeeded = await approvals.transition(request.orgId, request.id, 'executing', 'succeeded', { result: execution.message, execution });
      expect(succeeded).toEqual({ ok: true, approval: { ...request, state: 'succeeded', result: execution.message, execution } });
      const verification = { status: 'improved' as const, at: '2025-01-01T00:06:00.000Z', dueAt: '2025-01-01T00:06:00.000Z', targetState: { ok: true, message: '6 running' }, metrics: [{ resourceId: 'arn:x', metric: 'CPUUtilization', unit: 'Percent', before: 96.5, after: 40, threshold: 80, breachedBefore: true, breachedAfter: false }], message: 'Back under the threshold.' };
      // A patch on the same state: recorded only while the request still is in that state.
      const verified = await approvals.transition(request.orgId, request.id, 'succeeded', 'succeeded', { verification });
      expect(verified).toEqual({ ok: true, approval: { ...request, state: 'succeeded', result: execution.message, execution, verification } });
      const late = await approvals.transition(request.orgId, request.id, 'failed', 'failed', { verification: { ...verification, status: 'not_improved' } });
      expect(late).toMatchObject({ ok: false, reason: 'wrong_state' });
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual({ ...request, state: 'succeeded', result: execution.message, execution, verification });
    });

    it('lists one channel\'s requests: same channel id in another workspace or platform is another channel', async () => {
      const org = newOrg();
      const conversation = { platform: 'slack' as const, workspaceId: 'E1:T1', channelId: 'C1' };
      const here = [approval(org, { id: 'h-1', createdAt: '2025-01-01T00:00:01.000Z', conversation: { ...conversation, threadId: '1.1' } }), approval(org, { id: 'h-2', createdAt: '2025-01-01T00:00:02.000Z', conversation })];
      const elsewhere = [
        approval(org, { id: 'e-1', conversation: { ...conversation, channelId: 'C2' } }),
        approval(org, { id: 'e-2', conversation: { ...conversation, workspaceId: ':T2' } }),
        approval(org, { id: 'e-3', conversation: { ...conversation, platform: 'teams' } }),
        approval(newOrg(), { id: 'e-4', conversation }),
      ];
      for (const r of [...here, ...elsewhere]) await approvals.create(r);
      await approvals.transition(org, 'h-1', 'pending', 'denied');
      expect((await approvals.list(org, { channel: conversation })).map((a) => a.id)).toEqual(['h-2', 'h-1']);
      expect((await approvals.list(org, { channel: conversation, states: ['pending'] })).map((a) => a.id)).toEqual(['h-2']);
      expect((await approvals.list(org, { channel: { ...conversation, platform: 'teams' } })).map((a) => a.id)).toEqual(['e-3']);
      expect(await approvals.list(org)).toHaveLength(5);
    });

    it('reports unknown requests, also when they belong to another organization', async () => {
      const request = approval(newOrg());
      await approvals.create(request);
      await expect(approvals.transition(request.orgId, 'nope', 'pending', 'approved')).resolves.toEqual({ ok: false, reason: 'not_found' });
      await expect(approvals.transition(newOrg(), request.id, 'pending', 'approved')).resolves.toEqual({ ok: false, reason: 'not_found' });
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual(request);
    });

    it('lets exactly one of 20 concurrent transitions win', async () => {
      const request = approval(newOrg());
      await approvals.create(request);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        approvals.transition(request.orgId, request.id, 'pending', 'approved', { decision: { decision: 'approve', by: `U${i}`, at: '2025-01-01T00:00:00.000Z' } })));
      const winners = results.filter((r): r is Extract<TransitionResult, { ok: true }> => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'wrong_state')).toHaveLength(19);
      const final = await approvals.get(request.orgId, request.id);
      expect(final?.state).toBe('approved');
      expect(final?.decisions).toEqual(winners[0]?.approval.decisions);
      expect(final?.decisions).toHaveLength(1);
      // And the next step, raced the same way (two replicas picking up the approved request).
      const executing = await Promise.all(Array.from({ length: 20 }, () => approvals.transition(request.orgId, request.id, 'approved', 'executing')));
      expect(executing.filter((r) => r.ok)).toHaveLength(1);
      await expect(approvals.get(request.orgId, request.id)).resolves.toMatchObject({ state: 'executing' });
    });

    it('lists the verifications that are due, across organizations, earliest first, until they ran', async () => {
      const [orgA, orgB] = [newOrg(), newOrg()];
      const ours = new Set([orgA, orgB]);
      const a = scheduled(orgA, '2001-01-01T00:10:00.000Z');
      const b = scheduled(orgB, '2001-01-01T00:05:00.000Z');
      const later = scheduled(orgA, '2001-01-01T01:00:00.000Z');
      const pending = approval(orgA);
      const ran = approval(orgB, { state: 'succeeded', verification: { ...verification('2001-01-01T00:01:00.000Z'), status: 'improved' } });
      const failed = approval(orgA, { state: 'failed', verification: verification('2001-01-01T00:01:00.000Z') });
      for (const r of [a, b, later, pending, ran, failed]) await approvals.create(r);
      const due = async (now: string) => (await approvals.dueVerifications(now, 10_000)).filter((d) => ours.has(d.orgId));
      await expect(due('2001-01-01T00:30:00.000Z')).resolves.toEqual([
        { orgId: orgB, id: b.id, dueAt: b.verification?.dueAt }, { orgId: orgA, id: a.id, dueAt: a.verification?.dueAt },
      ]);
      // The verification ran: its report replaces the schedule.
      await approvals.transition(orgB, b.id, 'succeeded', 'succeeded', { verification: { ...verification('2001-01-01T00:05:00.000Z'), status: 'not_improved' } });
      expect((await due('2001-01-01T02:00:00.000Z')).map((d) => d.id)).toEqual([a.id, later.id]);
      // Scheduled by a transition (not at creation) counts the same.
      const executed = approval(orgB, { state: 'executing' });
      await approvals.create(executed);
      await approvals.transition(orgB, executed.id, 'executing', 'succeeded', { verification: verification('2001-01-01T00:20:00.000Z') });
      expect((await due('2001-01-01T02:00:00.000Z')).map((d) => d.id)).toEqual([a.id, executed.id, later.id]);
    });

    it('lets exactly one of 20 concurrent claims take a due verification, until its lease lapses', async () => {
      const request = scheduled(newOrg(), '2001-01-01T00:10:00.000Z');
      await approvals.create(request);
      const now = '2001-01-01T00:30:00.000Z';
      const leaseUntil = '2001-01-01T00:35:00.000Z';
      const claims = await Promise.all(Array.from({ length: 20 }, () => approvals.claimVerification(request.orgId, request.id, now, leaseUntil)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const mine = async (at: string) => (await approvals.dueVerifications(at, 10_000)).filter((d) => d.orgId === request.orgId);
      await expect(mine('2001-01-01T00:31:00.000Z')).resolves.toEqual([]);
      await expect(approvals.claimVerification(request.orgId, request.id, '2001-01-01T00:31:00.000Z', '2001-01-01T00:40:00.000Z')).resolves.toBe(false);
      // The claimant never finished (a crash): after the lease another claim succeeds.
      expect(await mine('2001-01-01T00:36:00.000Z')).toHaveLength(1);
      await expect(approvals.claimVerification(request.orgId, request.id, '2001-01-01T00:36:00.000Z', '2001-01-01T00:41:00.000Z')).resolves.toBe(true);
      // Not due yet, unknown, or in another organization: nothing to claim.
      const notYet = scheduled(request.orgId, '2001-01-01T05:00:00.000Z');
      await approvals.create(notYet);
      await expect(approvals.claimVerification(request.orgId, notYet.id, now, leaseUntil)).resolves.toBe(false);
      await expect(approvals.claimVerification(request.orgId, 'nope', now, leaseUntil)).resolves.toBe(false);
      await expect(approvals.claimVerification(newOrg(), request.id, '2001-01-02T00:00:00.000Z', '2001-01-02T00:05:00.000Z')).resolves.toBe(false);
    });

    it('keeps one pending request per action and organization; closing it frees the action', async () => {
      const org = newOrg();
      const first = approval(org, { action: { ...baseAction, params: { desiredCount: 4, nested: { b: 1, a: 2 } } } });
      await approvals.create(first);
      const key = pendingKey(first.action);
      await expect(approvals.findPending(org, key)).resolves.toEqual(first);
      // The same parameters in another key order are the same action.
      const same = approval(org, { action: { ...baseAction, params: { nested: { a: 2, b: 1 }, desiredCount: 4 } } });
      expect(pendingKey(same.action)).toBe(key);
      const error: unknown = await approvals.create(same).then(() => undefined, (e: unknown) => e);
      expect(isCompanionError(error) && error.code).toBe('conflict');
      await expect(approvals.get(org, same.id)).resolves.toBeUndefined();
      // Other parameters, another organization, or a closed request: no conflict.
      await approvals.create(approval(org, { action: { ...baseAction, params: { desiredCount: 5 } } }));
      await approvals.create({ ...same, orgId: newOrg() });
      await approvals.create(approval(org, { state: 'denied', action: first.action }));
      await expect(approvals.findPending(newOrg(), key)).resolves.toBeUndefined();
      await approvals.transition(org, first.id, 'pending', 'expired');
      await expect(approvals.findPending(org, key)).resolves.toBeUndefined();
      await approvals.create(same);
      await expect(approvals.findPending(org, key)).resolves.toMatchObject({ id: same.id });
      // Twenty replicas creating the same action at once: exactly one is stored pending.
      const racers = Array.from({ length: 20 }, () => approval(org, { action: { ...baseAction, params: { desiredCount: 9 } } }));
      const created = await Promise.allSettled(racers.map((r) => approvals.create(r)));
      expect(created.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
      expect((await approvals.list(org, { states: ['pending'] })).filter((a) => a.action.params['desiredCount'] === 9)).toHaveLength(1);
    });

    it('keeps the lease and the start deadline while approved or executing, and drops the lease after', async () => {
      const request = approval(newOrg());
      await approvals.create(request);
      const decision = { decision: 'approve' as const, by: 'U9', platform: 'teams' as const, at: '2025-01-01T00:05:00.000Z' };
      const approved = await approvals.transition(request.orgId, request.id, 'pending', 'approved', { decision, leaseUntil: '2025-01-01T00:06:00.000Z', runBy: '2025-01-01T00:20:00.000Z' });
      expect(approved).toEqual({ ok: true, approval: { ...request, state: 'approved', decisions: [decision], leaseUntil: '2025-01-01T00:06:00.000Z', runBy: '2025-01-01T00:20:00.000Z' } });
      const executing = await approvals.transition(request.orgId, request.id, 'approved', 'executing', { leaseUntil: '2025-01-01T00:15:00.000Z' });
      expect(executing).toMatchObject({ ok: true, approval: { state: 'executing', leaseUntil: '2025-01-01T00:15:00.000Z', runBy: '2025-01-01T00:20:00.000Z' } });
      const done = await approvals.transition(request.orgId, request.id, 'executing', 'succeeded', { result: 'ok' });
      expect(done.ok && done.approval).toEqual({ ...request, state: 'succeeded', decisions: [decision], result: 'ok', runBy: '2025-01-01T00:20:00.000Z' });
      await expect(approvals.get(request.orgId, request.id)).resolves.toEqual(done.ok ? done.approval : undefined);
    });

    it('lists what a sweeper must settle: pending past expiry, approved or executing past their lease, across organizations, earliest first', async () => {
      const [orgA, orgB] = [newOrg(), newOrg()];
      const ours = new Set([orgA, orgB]);
      const expiring = approval(orgA, { expiresAt: '2001-01-01T00:10:00.000Z' });
      const notYet = approval(orgA, { expiresAt: '2001-01-01T05:00:00.000Z', action: { ...baseAction, params: { desiredCount: 2 } } });
      const closed = approval(orgB, { state: 'denied', expiresAt: '2001-01-01T00:01:00.000Z' });
      const legacy = approval(orgB, { state: 'approved', expiresAt: '2001-01-01T05:00:00.000Z' });
      const stranded = approval(orgB, { expiresAt: '2001-01-01T05:00:00.000Z', action: { ...baseAction, params: { desiredCount: 3 } } });
      const held = approval(orgA, { expiresAt: '2001-01-01T05:00:00.000Z', action: { ...baseAction, params: { desiredCount: 4 } } });
      for (const r of [expiring, notYet, closed, legacy, stranded, held]) await approvals.create(r);
      await approvals.transition(orgB, stranded.id, 'pending', 'approved', { leaseUntil: '2001-01-01T00:05:00.000Z', runBy: '2001-01-01T00:20:00.000Z' });
      await approvals.transition(orgA, held.id, 'pending', 'approved', { leaseUntil: '2001-01-01T00:20:00.000Z' });
      await approvals.transition(orgA, held.id, 'approved', 'executing', { leaseUntil: '2001-01-01T00:25:00.000Z' });
      const due = async (now: string) => (await approvals.overdue(now, 10_000)).filter((d) => ours.has(d.orgId));
      await expect(due('2001-01-01T00:15:00.000Z')).resolves.toEqual([
        { orgId: orgB, id: legacy.id, state: 'approved', dueAt: '' },
        { orgId: orgB, id: stranded.id, state: 'approved', dueAt: '2001-01-01T00:05:00.000Z' },
        { orgId: orgA, id: expiring.id, state: 'pending', dueAt: '2001-01-01T00:10:00.000Z' },
      ]);
      expect((await due('2001-01-01T00:30:00.000Z')).map((d) => d.id)).toEqual([legacy.id, stranded.id, expiring.id, held.id]);
      // Settled requests leave the list.
      await approvals.transition(orgA, expiring.id, 'pending', 'expired');
      await approvals.transition(orgB, stranded.id, 'approved', 'executing', { leaseUntil: '2001-01-01T01:00:00.000Z' });
      await approvals.transition(orgA, held.id, 'executing', 'failed', { result: 'interrupted' });
      expect((await due('2001-01-01T00:30:00.000Z')).map((d) => d.id)).toEqual([legacy.id]);
    });

    it('keeps hostile organization ids and request ids apart', async () => {
      const suffix = randomUUID();
      const hostile = [`o'brien "x"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, '{', 'name:* OR', '{ Get { Runbook { text } } }'];
      const requests = hostile.map((h) => approval(`${h}${suffix}`, { id: h, reason: h }));
      for (const r of requests) await approvals.create(r);
      for (const [i, r] of requests.entries()) {
        await expect(approvals.get(r.orgId, r.id)).resolves.toEqual(r);
        await expect(approvals.list(r.orgId)).resolves.toEqual([r]);
        const other = requests[(i + 1) % requests.length];
        await expect(approvals.get(other?.orgId ?? '', r.id)).resolves.toBeUndefined();
        await expect(approvals.transition(other?.orgId ?? '', r.id, 'pending', 'approved')).resolves.toEqual({ ok: false, reason: 'not_found' });
      }
    });
  });
}

function newOrg(): string {
  return `org-${randomUUID()}`;
}

const baseAction = { kind: 'aws.ecs.scale', params: {}, targetResourceId: 'arn:aws:ecs:us-east-1:111111111111:service/prod/web', targetName: 'web', accountId: '111111111111' };

/** A request; each gets its own parameters unless given, so pending ones never share an action by accident. */
function approval(orgId: string, fields: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: randomUUID(),
    orgId,
    action: { kind: 'aws.ec2.reboot', params: { instanceId: 'i-0abc', nonce: randomUUID() }, targetResourceId: 'arn:aws:ec2:us-east-1:111111111111:instance/i-0abc', targetName: 'web-1', accountId: '111111111111' },
    risk: 'low',
    requiredRole: 'operator',
    reason: 'CPU stuck at 100%',
    requestedBy: 'U1',
    conversation: { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1700000000.000100' },
    state: 'pending',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-01T01:00:00.000Z',
    decisions: [],
    ...fields,
  };
}

function verification(dueAt: string): NonNullable<ApprovalRequest['verification']> {
  return { status: 'scheduled', at: '2001-01-01T00:00:00.000Z', dueAt, metrics: [], message: `Verification at ${dueAt}.` };
}

/** A request that succeeded and waits for its verification at `dueAt`. */
function scheduled(orgId: string, dueAt: string): ApprovalRequest {
  return approval(orgId, { state: 'succeeded', verification: verification(dueAt) });
}
