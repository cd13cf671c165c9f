import { createHash, randomUUID } from 'node:crypto';
import { describeError, isCompanionError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import { serviceMetrics } from '../observability/metrics.ts';
import type { Reply } from '../reply.ts';
import { roleAtLeast, type ConversationRef, type Platform, type RequestContext, type Role } from '../request.ts';
import type { AuditLog } from '../stores/audit.ts';
import type { CloudResource } from '../stores/graph.ts';
import { actionAllowed } from '../tenancy/policy.ts';
import { formatZodIssues } from '../validation.ts';
import { findActionKind, type ActionKind } from './catalog.ts';
import type { ActionExecutor, ActionTarget, ExecutionResult } from './executor.ts';
import { apiKeyActorPrefix, type ApprovalPolicy, type ApprovalPolicySource } from './policy.ts';
import { pendingKey, type ApprovalRequest, type ApprovalStore, type ExecutionReport, type MetricCheck, type OverdueApproval, type TransitionPatch, type TransitionResult, type VerificationReport } from './types.ts';
import { timerScheduler, verificationReply, verificationReport, watchFrom, type MetricWatch, type Scheduler } from './verification.ts';

export type ProposeResult =
  /**
   * `existing`: the same request was already open (a second Undo click, on any replica, or the same
   * action on the same target with the same parameters pending in the organization): it is reused.
   */
  | { ok: true; approval: ApprovalRequest; existing?: true }
  | { ok: false; reason: 'unknown_kind' | 'wrong_target' | 'invalid_params' | 'not_allowed_here' | 'out_of_scope' | 'policy_unavailable' | 'not_found' | 'not_reversible'; message: string };

export type DecisionOutcome =
  | { kind: 'executed'; approval: ApprovalRequest }
  /**
   * Approved, and the approval is stored, but the action has not finished here: it could not start
   * (a store outage) or another replica runs it. A sweeper runs it or fails it with the reason, and
   * the outcome is posted in the request's thread. `message` says so to the clicker.
   */
  | { kind: 'accepted'; approval: ApprovalRequest; message: string }
  | { kind: 'denied'; approval: ApprovalRequest }
  | { kind: 'already_decided'; approval: ApprovalRequest }
  | { kind: 'expired'; approval: ApprovalRequest }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not_found'; message: string }
  /** The store failed before the decision could be recorded (or before it was known to be): the clicker should retry. */
  | { kind: 'unavailable'; message: string };

/** Who clicked, where. Role and channel policy are read fresh from the tenants store, never taken from the caller. */
export interface DecisionInput {
  orgId: string;
  approvalId: string;
  decision: 'approve' | 'deny';
  actor: { platform: Platform; userId: string; displayName?: string };
  /** The conversation the click came from. */
  channel: ConversationRef;
}

/**
 * Something to post in a request's thread later, without an incoming message to answer: a
 * verification, or the outcome of an execution a sweeper finished (or failed) for a click.
 */
export interface ApprovalNotice {
  kind: 'verification' | 'execution';
  approval: ApprovalRequest;
  reply: Reply;
}

export type NoticeListener = (notice: ApprovalNotice) => Promise<void> | void;

export interface VerificationSettings {
  /** Minutes after a successful execution; 0 turns the follow-up off. */
  afterMinutes: number;
  metrics?: MetricWatch;
  scheduler?: Scheduler;
}

/** How long each holder may keep a request before a sweeper takes it over. */
export interface ExecutionTiming {
  /** After the approve write, the clicking replica has this long to start the action. */
  clickLeaseMs: number;
  /** A started action may run this long; after it, a sweeper marks it failed (interrupted). */
  runLeaseMs: number;
  /** An approved action not started within this time is failed with the reason, never run late. */
  startWithinMs: number;
  /** Pause between attempts to record an outcome the store would not take (an outage). */
  retryBaseMs: number;
}

export const defaultExecutionTiming: ExecutionTiming = { clickLeaseMs: 60_000, runLeaseMs: 10 * 60_000, startWithinMs: 15 * 60_000, retryBaseMs: 1000 };

interface Deps {
  store: ApprovalStore;
  audit: AuditLog;
  executor: ActionExecutor;
  policy: ApprovalPolicySource;
  ttlMinutes: number;
  logger: Logger;
  verification?: VerificationSettings;
  execution?: Partial<ExecutionTiming>;
  now?: () => Date;
}

type AuditDetail = Record<string, string | number | boolean | null>;

const maxRollbackAttempts = 5;

/** How long a claimed verification is held before another replica may take it over (a crashed claimant). */
const verificationLeaseMs = 5 * 60_000;

/** An undo in one of these states is still the undo: asking again returns it rather than a new one. */
const openStates = new Set<ApprovalRequest['state']>(['pending', 'approved', 'executing', 'succeeded']);

/** The actor of work the bot does on its own (sweeps). */
const botActor = 'cloud-companion';

/**
 * The approval lifecycle. The agent can only propose; a decision is checked against the clicker's
 * role (read fresh), the channel policy and the four-eyes rule, and each state change is one atomic
 * conditional update, so duplicate clicks, retries and replicas execute an action at most once.
 * Anything that cannot be read fails closed: nothing runs, and the reason is returned.
 */
export class ApprovalService {
  private readonly now: () => Date;
  private readonly listeners = new Set<NoticeListener>();
  private readonly timing: ExecutionTiming;

  constructor(private readonly deps: Deps) {
    this.now = deps.now ?? (() => new Date());
    this.timing = { ...defaultExecutionTiming, ...deps.execution };
  }

  get executorName(): string {
    return this.deps.executor.name;
  }

  /** Subscribes to follow-ups (verifications) that the chat layer posts in the request's thread. Returns an unsubscribe function. */
  onNotice(listener: NoticeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async propose(context: RequestContext, input: { kind: string; params: Record<string, unknown>; target: CloudResource; reason: string }): Promise<ProposeResult> {
    const kind = findActionKind(input.kind);
    if (!kind) return { ok: false, reason: 'unknown_kind', message: `There is no action "${input.kind}".` };
    if (!kind.targets.includes(input.target.type)) {
      return { ok: false, reason: 'wrong_target', message: `${kind.title} cannot target ${input.target.name} (a ${input.target.type}).` };
    }
    const result = await this.create(context, kind, input.params, { id: input.target.id, name: input.target.name, accountId: input.target.accountId }, input.reason);
    return result === 'taken' ? { ok: false, reason: 'not_found', message: 'That request already exists.' } : result;
  }

  /**
   * Offers the undo of a succeeded reversible action: a new request, with the prior state recorded at
   * execution as its parameters, approved like any other. Asking twice gives the same request while
   * it is open (its id derives from the original's), from any replica.
   */
  async proposeRollback(context: RequestContext, approvalId: string): Promise<ProposeResult> {
    const original = await this.deps.store.get(context.orgId, approvalId);
    if (!original) return { ok: false, reason: 'not_found', message: 'That approval request does not exist in this workspace.' };
    const plan = original.execution?.rollback;
    if (original.state !== 'succeeded' || !plan) {
      return { ok: false, reason: 'not_reversible', message: `There is nothing to undo: ${original.action.kind} on ${original.action.targetName} is ${original.state}${original.state === 'succeeded' ? ' and recorded no prior state to restore' : ''}.` };
    }
    const kind = findActionKind(plan.kind);
    if (!kind) return { ok: false, reason: 'unknown_kind', message: `There is no action "${plan.kind}".` };
    const target = { id: original.action.targetResourceId, name: original.action.targetName, accountId: original.action.accountId };
    const reason = `Undo of request ${original.id} (${original.action.kind}): ${plan.description}.`;
    for (let attempt = 1; attempt <= maxRollbackAttempts; attempt += 1) {
      const result = await this.create(context, kind, plan.params, target, reason, { id: derivedId(original.id, `rollback:${attempt}`), rollbackOf: original.id });
      // 'taken': an earlier undo with this id was denied, expired or failed; the next id is a fresh request.
      if (result !== 'taken') return result;
    }
    return { ok: false, reason: 'not_reversible', message: `The undo of ${original.id} was already requested ${maxRollbackAttempts} times.` };
  }

  /**
   * Never throws: a store failure comes back as `unavailable` with a message telling the clicker to
   * try again (a decision that did get stored is then reported as already decided, and runs).
   */
  async decide(input: DecisionInput): Promise<DecisionOutcome> {
    try {
      return await this.decideOrThrow(input);
    } catch (error) {
      this.deps.logger.error({ orgId: input.orgId, approvalId: input.approvalId, err: error }, 'decision failed: the approval store is unavailable');
      return { kind: 'unavailable', message: `I could not apply your decision: my data store is unavailable (${describeError(error)}). Nothing new ran because of this click. Try again in a minute; if your approval was recorded after all, the result will be posted in this thread.` };
    }
  }

  private async decideOrThrow(input: DecisionInput): Promise<DecisionOutcome> {
    const { orgId, approvalId, actor } = input;
    const approval = await this.deps.store.get(orgId, approvalId);
    if (!approval) return { kind: 'not_found', message: 'That approval request does not exist in this workspace.' };
    if (approval.state !== 'pending') {
      await this.audit(orgId, actor.userId, 'approval.click_ignored', approvalId, { decision: input.decision, state: approval.state, platform: actor.platform });
      return { kind: 'already_decided', approval };
    }
    if (Date.parse(approval.expiresAt) <= this.now().getTime()) {
      const expired = await this.expire(approval, actor.userId);
      return expired ? { kind: 'expired', approval: expired } : this.afterLostRace(orgId, approvalId, input);
    }
    // The request's own channel decides (not where the click came from); four-eyes compares people across surfaces.
    const policy = await this.deps.policy.read({ orgId, actor, channel: approval.conversation, requester: { platform: approval.conversation.platform, userId: approval.requestedBy } });
    if (!policy.ok) return this.refuse(approval, input, 'policy_unavailable', policy.message);
    const refusal = this.checkDecision(approval, input, policy.policy);
    if (refusal) return this.refuse(approval, input, refusal.reason, refusal.message, { role: policy.policy.role });

    const at = this.now();
    const decision = { decision: input.decision, by: actor.userId, ...(actor.displayName ? { byName: actor.displayName } : {}), platform: actor.platform, at: at.toISOString() };
    const next = input.decision === 'approve' ? 'approved' : 'denied';
    // Approving is also the execution intent, in the same write: the lease says how long this
    // replica has to start it, `runBy` when it must have started at all. If this process dies or the
    // store goes away after this line, a sweeper on any replica finishes it (sweepApprovals).
    const intent = next === 'approved' ? { leaseUntil: this.later(at, this.timing.clickLeaseMs), runBy: this.later(at, this.timing.startWithinMs) } : {};
    const decided = await this.deps.store.transition(orgId, approvalId, 'pending', next, { decision, ...intent });
    if (!decided.ok) return this.afterLostRace(orgId, approvalId, input, decided.reason === 'wrong_state' ? decided.approval : undefined);
    const audited = await this.audit(orgId, actor.userId, `approval.${next}`, approvalId, { kind: approval.action.kind, role: policy.policy.role, platform: actor.platform })
      .then(() => true, (error: unknown) => {
        this.deps.logger.error({ orgId, approvalId, err: error }, 'audit of a decision failed; a sweeper runs the action once the store is back');
        return false;
      });
    if (next === 'denied') return { kind: 'denied', approval: decided.approval };
    if (!audited) return this.accepted(decided.approval, 'the audit log could not be written');
    try {
      const { approval: done, ran } = await this.execute(decided.approval, actor);
      if (ran) return { kind: 'executed', approval: done };
      return { kind: 'accepted', approval: done, message: 'Your approval is recorded; another replica of the bot took the action over, and its result is posted in this thread.' };
    } catch (error) {
      this.deps.logger.error({ orgId, approvalId, err: error }, 'approved action could not start; a sweeper takes it over');
      return this.accepted(decided.approval, describeError(error));
    }
  }

  private accepted(approval: ApprovalRequest, why: string): DecisionOutcome {
    const minutes = Math.round(this.timing.startWithinMs / 60_000);
    return {
      kind: 'accepted', approval,
      message: `Your approval is recorded, but the action could not start yet (${why}). It will run within ${minutes} minutes or be marked failed with the reason; either way the result is posted in this thread.`,
    };
  }

  /** Requests still waiting for a decision in this channel (the one `/cloud approvals` is typed in); overdue ones are expired on the way. */
  async listPending(context: Pick<RequestContext, 'orgId' | 'conversation' | 'actor'>): Promise<ApprovalRequest[]> {
    const { platform, workspaceId, channelId } = context.conversation;
    const pending = await this.deps.store.list(context.orgId, { states: ['pending'], channel: { platform, workspaceId, channelId } });
    const now = this.now().getTime();
    const overdue = pending.filter((a) => Date.parse(a.expiresAt) <= now);
    await Promise.all(overdue.map((a) => this.expire(a, context.actor.userId)));
    return pending.filter((a) => Date.parse(a.expiresAt) > now);
  }

  get(orgId: string, id: string): Promise<ApprovalRequest | undefined> {
    return this.deps.store.get(orgId, id);
  }

  /** Runs the verification of a succeeded request now (the scheduler calls it; so can tests and operators). */
  async verify(orgId: string, approvalId: string): Promise<ApprovalRequest | undefined> {
    const approval = await this.deps.store.get(orgId, approvalId);
    if (approval?.state !== 'succeeded') return approval;
    const policy = await this.deps.policy.read({ orgId, actor: { platform: approval.conversation.platform, userId: approval.decisions.at(-1)?.by ?? approval.requestedBy }, channel: approval.conversation });
    const account = policy.ok ? policy.policy.account(approval.action.accountId) : undefined;
    const target = account
      ? await this.deps.executor.verify(approval, this.targetOf(approval, account)).catch((error: unknown) => ({ ok: false, message: describeError(error) }))
      : { ok: false, message: policy.ok ? `Account ${approval.action.accountId} is no longer configured.` : policy.message };
    const accountIds = policy.ok ? policy.policy.accountIds : [];
    const metrics = this.deps.verification?.metrics && policy.ok
      ? await this.deps.verification.metrics.read({ orgId, accountIds, resourceId: approval.action.targetResourceId, windowMinutes: Math.max(5, this.deps.verification.afterMinutes) })
      : { readings: [], notes: [] };
    const report = verificationReport(approval, target, metrics.readings, metrics.notes, this.now().toISOString());
    const recorded = await this.deps.store.transition(orgId, approvalId, 'succeeded', 'succeeded', { verification: report });
    const updated = recorded.ok ? recorded.approval : { ...approval, verification: report };
    await this.audit(orgId, 'cloud-companion', 'action.verified', approvalId, { kind: approval.action.kind, status: report.status, message: report.message.slice(0, 1000) });
    await this.notify({ kind: 'verification', approval: updated, reply: verificationReply(updated) });
    return updated;
  }

  /** Validates, dry-runs and stores a new pending request. With a derived `extra.id`, an open request under that id is returned as is; a closed one gives 'taken'. */
  private async create(context: RequestContext, kind: ActionKind, rawParams: Record<string, unknown>, target: { id: string; name: string; accountId: string }, reason: string, extra: { id?: string; rollbackOf?: string } = {}): Promise<ProposeResult | 'taken'> {
    if (extra.id) {
      const existing = await this.deps.store.get(context.orgId, extra.id);
      if (existing) return openStates.has(existing.state) ? { ok: true, approval: existing, existing: true } : 'taken';
    }
    if (!context.accountIds.includes(target.accountId)) {
      return { ok: false, reason: 'out_of_scope', message: `${target.name} is not in an account this channel may use.` };
    }
    if (!actionAllowed(context.allowedActions, kind.kind)) {
      return { ok: false, reason: 'not_allowed_here', message: `${kind.title} is not enabled in this channel; an admin can enable ${kind.kind} in the channel policy.` };
    }
    const params = kind.params.safeParse(rawParams);
    if (!params.success) {
      return { ok: false, reason: 'invalid_params', message: `Invalid parameters for ${kind.kind}:\n${formatZodIssues(params.error)}` };
    }
    const policy = await this.deps.policy.read({ orgId: context.orgId, actor: context.actor, channel: context.conversation });
    if (!policy.ok) return { ok: false, reason: 'policy_unavailable', message: policy.message };
    const account = policy.policy.account(target.accountId);
    if (!account) return { ok: false, reason: 'out_of_scope', message: `Account ${target.accountId} is not configured for this organization.` };

    const action = { kind: kind.kind, params: params.data as Record<string, unknown>, targetResourceId: target.id, targetName: target.name, accountId: target.accountId };
    // The same action already waiting for a decision in this organization is reused, not repeated.
    const same = await this.openDuplicate(context, pendingKey(action));
    if (same) return { ok: true, approval: same, existing: true };
    const actionTarget: ActionTarget = { orgId: context.orgId, resourceId: target.id, name: target.name, account };
    const [dryRun, watch] = await Promise.all([
      this.deps.executor.dryRun(action, actionTarget).catch((error: unknown) => ({ ok: false, message: `The dry run failed: ${describeError(error)}` })),
      this.snapshot(context, target.id),
    ]);
    const createdAt = this.now();
    const approval: ApprovalRequest = {
      id: extra.id ?? randomUUID(),
      orgId: context.orgId,
      action,
      risk: kind.risk,
      requiredRole: kind.approverRole,
      reason,
      requestedBy: context.actor.userId,
      ...(context.actor.displayName ? { requestedByName: context.actor.displayName } : {}),
      conversation: context.conversation,
      state: 'pending',
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(createdAt.getTime() + this.deps.ttlMinutes * 60_000).toISOString(),
      decisions: [],
      dryRun: { ok: dryRun.ok, message: dryRun.message, at: createdAt.toISOString(), executor: this.deps.executor.name },
      ...(watch.length > 0 ? { watch } : {}),
      ...(extra.rollbackOf ? { rollbackOf: extra.rollbackOf } : {}),
    };
    try {
      await this.deps.store.create(approval);
    } catch (error) {
      if (!isCompanionError(error) || error.code !== 'conflict') throw error;
      // Another click or replica created the same action (or the same derived id) a moment ago: theirs stands.
      const same = await this.deps.store.findPending(context.orgId, pendingKey(action));
      if (same) return { ok: true, approval: same, existing: true };
      if (!extra.id) throw error;
      const existing = await this.deps.store.get(context.orgId, extra.id);
      return existing && openStates.has(existing.state) ? { ok: true, approval: existing, existing: true } : 'taken';
    }
    await this.audit(approval.orgId, context.actor.userId, extra.rollbackOf ? 'approval.rollback_requested' : 'approval.requested', approval.id, {
      kind: kind.kind, target: target.id, risk: kind.risk, params: JSON.stringify(approval.action.params), reason: reason.slice(0, 1000),
      dryRunOk: dryRun.ok, dryRun: dryRun.message.slice(0, 1000), executor: this.deps.executor.name, rollbackOf: extra.rollbackOf ?? null,
      platform: context.actor.platform, channel: context.conversation.channelId, requestId: context.requestId,
    });
    return { ok: true, approval };
  }

  /** The decision rules, in order: role for the risk, four-eyes, the channel's enabled actions and accounts. */
  private checkDecision(approval: ApprovalRequest, input: DecisionInput, policy: ApprovalPolicy): { reason: string; message: string } | undefined {
    const { role } = policy;
    if (input.decision === 'approve' || approval.risk !== 'low') {
      // Denying needs the same authority as approving, except for low-risk actions any operator may stop.
      if (!roleAtLeast(role, approval.requiredRole)) {
        return { reason: 'role', message: `Only ${approval.requiredRole}s can ${input.decision} ${approval.risk}-risk actions; you are ${article(role)} ${role}. Ask an ${approval.requiredRole} of this workspace.` };
      }
    } else if (!roleAtLeast(role, 'operator')) {
      return { reason: 'role', message: 'Viewers cannot decide on actions. Ask an operator or admin of this workspace.' };
    }
    if (input.decision !== 'approve') return undefined;
    if (policy.fourEyes && approval.risk === 'high' && policy.actorIsRequester) {
      return { reason: 'four_eyes', message: 'This organization requires a second person for high-risk actions: you requested this one, so another admin must approve it.' };
    }
    if (!actionAllowed(policy.allowedActions, approval.action.kind)) {
      return { reason: 'channel_policy', message: `${approval.action.kind} is not enabled in this channel any more; nothing was run.` };
    }
    if (!policy.accountIds.includes(approval.action.accountId)) {
      return { reason: 'channel_accounts', message: `This channel may not use account ${approval.action.accountId} any more; nothing was run.` };
    }
    return undefined;
  }

  private async refuse(approval: ApprovalRequest, input: DecisionInput, reason: string, message: string, detail: AuditDetail = {}): Promise<DecisionOutcome> {
    await this.audit(approval.orgId, input.actor.userId, 'approval.refused', approval.id, { decision: input.decision, reason, needed: approval.requiredRole, platform: input.actor.platform, ...detail });
    return { kind: 'forbidden', message };
  }

  /** Another click (or replica) changed the state first: report what it is now. */
  private async afterLostRace(orgId: string, approvalId: string, input: DecisionInput, current?: ApprovalRequest): Promise<DecisionOutcome> {
    const now = current ?? await this.deps.store.get(orgId, approvalId);
    if (!now) return { kind: 'not_found', message: 'That approval request no longer exists.' };
    await this.audit(orgId, input.actor.userId, 'approval.click_ignored', approvalId, { decision: input.decision, state: now.state, platform: input.actor.platform });
    return { kind: 'already_decided', approval: now };
  }

  private async expire(approval: ApprovalRequest, actor: string): Promise<ApprovalRequest | undefined> {
    const expired = await this.deps.store.transition(approval.orgId, approval.id, 'pending', 'expired');
    if (!expired.ok) return undefined;
    await this.audit(approval.orgId, actor, 'approval.expired', approval.id, { kind: approval.action.kind, expiresAt: approval.expiresAt });
    return expired.approval;
  }

  /** The pending request for the same action, unless it is past its expiry (then it is expired on the way, and a new one may be made). */
  private async openDuplicate(context: RequestContext, key: string): Promise<ApprovalRequest | undefined> {
    const same = await this.deps.store.findPending(context.orgId, key);
    if (!same) return undefined;
    if (Date.parse(same.expiresAt) > this.now().getTime()) {
      await this.audit(context.orgId, context.actor.userId, 'approval.reused', same.id, { kind: same.action.kind, platform: context.actor.platform, channel: context.conversation.channelId, requestId: context.requestId });
      return same;
    }
    await this.expire(same, context.actor.userId);
    return undefined;
  }

  /**
   * approved → executing → succeeded | failed, each one conditional write, so of every caller (the
   * click, a sweeper on any replica) exactly one runs the action. Throws only when the start cannot be
   * written or audited: the request is then still approved (or handed back), and a sweeper retries.
   */
  private async execute(approval: ApprovalRequest, actor: DecisionInput['actor']): Promise<{ approval: ApprovalRequest; ran: boolean }> {
    const startedAt = this.now();
    const started = await this.deps.store.transition(approval.orgId, approval.id, 'approved', 'executing', { leaseUntil: this.later(startedAt, this.timing.runLeaseMs) });
    if (!started.ok) return { approval: started.reason === 'wrong_state' ? started.approval : approval, ran: false };
    const executor = this.deps.executor.name;
    const approvedBy = approval.decisions.at(-1)?.by ?? null;
    try {
      await this.audit(approval.orgId, actor.userId, 'action.started', approval.id, { kind: approval.action.kind, executor, target: approval.action.targetResourceId, params: JSON.stringify(approval.action.params), approvedBy });
    } catch (error) {
      // Nothing runs unaudited: hand it back to the sweepers, due at once.
      await this.deps.store.transition(approval.orgId, approval.id, 'executing', 'approved', { leaseUntil: this.now().toISOString() }).catch(() => undefined);
      throw error;
    }
    // Real time, not the injected clock: how long this process keeps trying to record what happened.
    const recordUntil = Date.now() + Math.max(0, this.timing.runLeaseMs - 30_000);
    const result = await this.runChecked(started.approval, actor);
    const at = this.now();
    const kind = findActionKind(approval.action.kind);
    const execution: ExecutionReport = {
      ok: result.ok, message: result.message, at: at.toISOString(), executor,
      ...(result.changed === false ? { changed: false } : {}),
      ...(result.providerCode ? { providerCode: result.providerCode } : {}),
      ...(result.priorState ? { priorState: result.priorState } : {}),
      ...(result.ok && result.rollback && kind?.reversible ? { rollback: result.rollback } : {}),
    };
    // The follow-up is recorded with the outcome, in one write: a restart right after loses nothing.
    const verification = result.ok ? this.verificationSchedule(started.approval, execution, at) : undefined;
    const patch: TransitionPatch = { result: result.message, execution, ...(verification ? { verification } : {}) };
    // Not recorded in time: the request stays executing, and a sweeper fails it as interrupted after its lease.
    const finished = await this.persistently(`record the outcome of ${approval.id}`, recordUntil,
      () => this.deps.store.transition(approval.orgId, approval.id, 'executing', result.ok ? 'succeeded' : 'failed', patch));
    await this.persistently(`audit the outcome of ${approval.id}`, recordUntil, () => this.audit(approval.orgId, actor.userId, result.ok ? 'action.succeeded' : 'action.failed', approval.id, {
      kind: approval.action.kind, executor, message: result.message.slice(0, 1000), providerCode: result.providerCode ?? null,
      priorState: result.priorState ? JSON.stringify(result.priorState) : null, undoable: Boolean(execution.rollback),
    })).catch(() => undefined);
    const recorded = finished?.ok ? finished.approval : undefined;
    if (recorded?.verification?.status === 'scheduled') this.setVerificationTimer(recorded, recorded.verification.dueAt);
    // Not recorded (the store stayed away, or a sweeper declared it interrupted first): report what ran all the same.
    return { approval: recorded ?? { ...started.approval, state: result.ok ? 'succeeded' : 'failed', result: result.message, execution }, ran: true };
  }

  /** Calls `attempt` until it resolves or `until` (epoch ms) passes, backing off; undefined when it never did. */
  private async persistently<T>(what: string, until: number, attempt: () => Promise<T>): Promise<T | undefined> {
    for (let n = 0; ; n += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (Date.now() >= until) {
          this.deps.logger.error({ err: error, attempts: n + 1 }, `could not ${what} within the run lease; giving up`);
          return undefined;
        }
        this.deps.logger.warn({ err: error, attempt: n + 1 }, `could not ${what} yet; retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.timing.retryBaseMs * 2 ** n, 15_000, Math.max(0, until - Date.now()))));
      }
    }
  }

  /** Policy again, at execution time (it may have changed since the click), then exactly the stored action. */
  private async runChecked(approval: ApprovalRequest, actor: DecisionInput['actor']): Promise<ExecutionResult> {
    const policy = await this.deps.policy.read({ orgId: approval.orgId, actor, channel: approval.conversation });
    if (!policy.ok) return { ok: false, message: policy.message };
    const { role, allowedActions, accountIds } = policy.policy;
    if (!roleAtLeast(role, approval.requiredRole)) return { ok: false, message: `The approver is no longer ${article(approval.requiredRole)} ${approval.requiredRole} (now ${role}); nothing was run.` };
    if (!actionAllowed(allowedActions, approval.action.kind)) return { ok: false, message: `${approval.action.kind} is no longer enabled in the channel of this request; nothing was run.` };
    const account = policy.policy.account(approval.action.accountId);
    if (!account || !accountIds.includes(approval.action.accountId)) return { ok: false, message: `The channel of this request may no longer use account ${approval.action.accountId}; nothing was run.` };
    try {
      return await this.deps.executor.execute(approval, this.targetOf(approval, account));
    } catch (error) {
      this.deps.logger.error({ orgId: approval.orgId, approvalId: approval.id, err: error }, 'action executor threw');
      return { ok: false, message: `The action failed: ${describeError(error)}` };
    }
  }

  private targetOf(approval: ApprovalRequest, account: ActionTarget['account']): ActionTarget {
    return { orgId: approval.orgId, resourceId: approval.action.targetResourceId, name: approval.action.targetName, account };
  }

  private async snapshot(context: RequestContext, resourceId: string): Promise<MetricCheck[]> {
    const metrics = this.deps.verification?.metrics;
    if (!metrics || this.deps.verification?.afterMinutes === 0) return [];
    try {
      const { readings } = await metrics.read({ orgId: context.orgId, accountIds: context.accountIds, resourceId, windowMinutes: 60 });
      return watchFrom(readings);
    } catch (error) {
      this.deps.logger.warn({ orgId: context.orgId, err: error }, 'metrics snapshot for an approval failed');
      return [];
    }
  }

  /**
   * When the follow-up is due, if there is one: not after a dry run (nothing changed, so there is
   * nothing to verify) nor when the follow-up is off.
   */
  private verificationSchedule(approval: ApprovalRequest, execution: ExecutionReport, at: Date): VerificationReport | undefined {
    const settings = this.deps.verification;
    if (!settings || settings.afterMinutes <= 0 || execution.changed === false) return undefined;
    const dueAt = this.later(at, settings.afterMinutes * 60_000);
    return { status: 'scheduled', at: at.toISOString(), dueAt, metrics: approval.watch ?? [], message: `Verification at ${dueAt}.` };
  }

  /** The timer is the fast path; the due time is stored, so a restart loses nothing (sweepVerifications). */
  private setVerificationTimer(approval: ApprovalRequest, dueAt: string): void {
    const settings = this.deps.verification;
    if (!settings) return;
    (settings.scheduler ?? timerScheduler).schedule(settings.afterMinutes * 60_000, async () => {
      try {
        await this.runDueVerification(approval.orgId, approval.id, dueAt);
      } catch (error) {
        this.deps.logger.error({ orgId: approval.orgId, approvalId: approval.id, err: error }, 'verification failed');
      }
    });
  }

  /**
   * Finishes what a crash or an outage interrupted, across organizations; every replica runs it.
   * Pending requests past their expiry are expired; approved ones whose click lease lapsed are run
   * (once: the approved → executing write decides who) or, past their start deadline, failed with the
   * reason; executing ones whose run lease lapsed are failed as interrupted (the action may have run,
   * so it is never run twice). Every outcome is audited and posted in the request's thread.
   * Returns how many requests it settled.
   */
  async sweepApprovals(batch = 50): Promise<number> {
    const seen = new Set<string>();
    let settled = 0;
    for (;;) {
      const due = await this.deps.store.overdue(this.now().toISOString(), batch);
      const fresh = due.filter((d) => !seen.has(`${d.orgId}\u0000${d.id}`));
      for (const item of fresh) {
        seen.add(`${item.orgId}\u0000${item.id}`);
        try {
          if (await this.settle(item)) settled += 1;
        } catch (error) {
          this.deps.logger.warn({ orgId: item.orgId, approvalId: item.id, state: item.state, err: error }, 'could not settle an overdue approval; retrying at the next sweep');
        }
      }
      if (fresh.length === 0 || due.length < batch) break;
    }
    if (settled > 0) this.deps.logger.info({ settled }, 'overdue approvals settled');
    return settled;
  }

  private async settle(item: OverdueApproval): Promise<boolean> {
    const approval = await this.deps.store.get(item.orgId, item.id);
    const now = this.now();
    if (!approval || approval.state !== item.state) return false;
    if (approval.state === 'pending') {
      if (Date.parse(approval.expiresAt) > now.getTime()) return false;
      return (await this.expire(approval, botActor)) !== undefined;
    }
    if (approval.leaseUntil && Date.parse(approval.leaseUntil) > now.getTime()) return false;
    const last = approval.decisions.at(-1);
    const approver = { platform: last?.platform ?? (last?.by.startsWith(apiKeyActorPrefix) ? 'api' as const : approval.conversation.platform), userId: last?.by ?? approval.requestedBy, ...(last?.byName ? { displayName: last.byName } : {}) };
    if (approval.state === 'executing') {
      const message = `The bot stopped while this action was running (its lease lapsed at ${approval.leaseUntil ?? 'an unknown time'}), so whether it took effect is unknown; it is not run again. Check ${approval.action.targetName} before asking for it again.`;
      return this.failOverdue(approval, 'executing', message, 'interrupted');
    }
    const runBy = approval.runBy ?? (last ? this.later(new Date(last.at), this.timing.startWithinMs) : approval.expiresAt);
    if (Date.parse(runBy) <= now.getTime()) {
      const message = `This action was approved but could not be started by ${runBy} (the bot or its store was unavailable), so nothing was run. Ask again if it is still needed.`;
      return this.failOverdue(approval, 'approved', message, 'not_started_in_time');
    }
    const done = await this.execute(approval, approver);
    if (!done.ran) return false;
    await this.notify({ kind: 'execution', approval: done.approval, reply: executionReply(done.approval) });
    return true;
  }

  private async failOverdue(approval: ApprovalRequest, from: 'approved' | 'executing', message: string, reason: string): Promise<boolean> {
    const execution: ExecutionReport = { ok: false, message, at: this.now().toISOString(), executor: this.deps.executor.name };
    const failed: TransitionResult = await this.deps.store.transition(approval.orgId, approval.id, from, 'failed', { result: message, execution });
    if (!failed.ok) return false;
    await this.audit(approval.orgId, botActor, 'action.failed', approval.id, { kind: approval.action.kind, executor: execution.executor, message, reason, providerCode: null, priorState: null, undoable: false });
    await this.notify({ kind: 'execution', approval: failed.approval, reply: executionReply(failed.approval) });
    return true;
  }

  private later(from: Date, ms: number): string {
    return new Date(from.getTime() + ms).toISOString();
  }

  /**
   * Runs every verification that is due: those whose timer was lost with a restart, or whose
   * claimant died. Timers, sweepers and replicas race through one claim, so each runs once.
   * Returns how many ran.
   */
  async sweepVerifications(batch = 50): Promise<number> {
    let found = 0;
    let ran = 0;
    // Batch after batch until nothing is due: a claimed item (run, failed or another replica's) is
    // leased, so it is not listed again and the loop ends.
    for (;;) {
      const due = await this.deps.store.dueVerifications(this.now().toISOString(), batch);
      found += due.length;
      for (const item of due) {
        try {
          if (await this.runDueVerification(item.orgId, item.id, item.dueAt)) ran += 1;
        } catch (error) {
          this.deps.logger.error({ orgId: item.orgId, approvalId: item.id, err: error }, 'verification failed');
        }
      }
      if (due.length < batch) break;
    }
    if (found > 0) this.deps.logger.info({ due: found, ran }, 'overdue verifications swept');
    return ran;
  }

  /** Claims the verification, then runs it; false when another caller has it or it is not due. */
  private async runDueVerification(orgId: string, approvalId: string, dueAt: string): Promise<boolean> {
    // A timer fires at the due time by definition, whatever the clock says.
    const at = Math.max(this.now().getTime(), Date.parse(dueAt));
    const claimed = await this.deps.store.claimVerification(orgId, approvalId, new Date(at).toISOString(), new Date(at + verificationLeaseMs).toISOString());
    if (!claimed) return false;
    await this.verify(orgId, approvalId);
    return true;
  }

  private async notify(notice: ApprovalNotice): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(notice);
      } catch (error) {
        this.deps.logger.error({ orgId: notice.approval.orgId, approvalId: notice.approval.id, err: error }, 'approval notice listener failed');
      }
    }
  }

  private async audit(orgId: string, actor: string, type: string, subjectId: string, detail: AuditDetail): Promise<void> {
    // Every lifecycle step is audited here, so the audit type doubles as the metric's state label.
    if (type.startsWith('approval.') || type.startsWith('action.')) serviceMetrics.approvals.inc({ state: type.slice(type.indexOf('.') + 1) });
    await this.deps.audit.append({ orgId, at: this.now().toISOString(), actor, type, subjectId, detail });
  }
}

/** The outcome of an action a sweeper ran or failed, for the request's thread: the clicker's answer came from here. */
export function executionReply(approval: ApprovalRequest): Reply {
  const last = approval.decisions.at(-1);
  const who = last?.byName ?? last?.by ?? 'someone';
  const icon = approval.state === 'succeeded' ? '✅' : '❌';
  const summary = `${icon} ${approval.action.kind} on ${approval.action.targetName} (approved by ${who}): ${approval.state}`;
  return { summary, parts: [{ kind: 'text', markdown: `${summary}\n${approval.result ?? approval.execution?.message ?? ''}` }] };
}

function article(word: Role | string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** A UUID (version 8, RFC 9562) derived from a seed: the same seed gives the same id on every replica. */
function derivedId(seed: string, purpose: string): string {
  const bytes = createHash('sha256').update(`${seed}\u0000${purpose}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
