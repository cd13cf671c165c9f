import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging.ts';
import { roleAtLeast, type Actor, type RequestContext } from '../request.ts';
import type { AuditLog } from '../stores/audit.ts';
import type { CloudResource } from '../stores/graph.ts';
import { actionAllowed } from '../tenancy/policy.ts';
import { formatZodIssues } from '../validation.ts';
import { findActionKind } from './catalog.ts';
import type { ActionExecutor } from './executor.ts';
import type { ApprovalRequest, ApprovalStore } from './types.ts';

export type ProposeResult =
  | { ok: true; approval: ApprovalRequest }
  | { ok: false; reason: 'unknown_kind' | 'wrong_target' | 'invalid_params' | 'not_allowed_here' | 'out_of_scope'; message: string };

export type DecisionOutcome =
  | { kind: 'executed'; approval: ApprovalRequest }
  | { kind: 'denied'; approval: ApprovalRequest }
  | { kind: 'already_decided'; approval: ApprovalRequest }
  | { kind: 'expired'; approval: ApprovalRequest }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not_found'; message: string };

export interface DecisionInput {
  orgId: string;
  approvalId: string;
  decision: 'approve' | 'deny';
  actor: Actor;
  /** Action kinds the channel where the click happened allows, re-read at decision time. */
  allowedActions: readonly string[];
}

interface Deps {
  store: ApprovalStore;
  audit: AuditLog;
  executor: ActionExecutor;
  ttlMinutes: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * The approval lifecycle. The agent can only propose; a decision is checked against role and channel
 * policy, and the state change is one atomic conditional update, so duplicate clicks, retries and
 * replicas execute an action at most once.
 */
export class ApprovalService {
  private readonly now: () => Date;

  constructor(private readonly deps: Deps) {
    this.now = deps.now ?? (() => new Date());
  }

  async propose(context: RequestContext, input: { kind: string; params: Record<string, unknown>; target: CloudResource; reason: string }): Promise<ProposeResult> {
    const kind = findActionKind(input.kind);
    if (!kind) return { ok: false, reason: 'unknown_kind', message: `There is no action "${input.kind}".` };
    if (!kind.targets.includes(input.target.type)) {
      return { ok: false, reason: 'wrong_target', message: `${kind.title} cannot target ${input.target.name} (a ${input.target.type}).` };
    }
    if (!context.accountIds.includes(input.target.accountId)) {
      return { ok: false, reason: 'out_of_scope', message: `${input.target.name} is not in an account this channel may use.` };
    }
    if (!actionAllowed(context.allowedActions, kind.kind)) {
      return { ok: false, reason: 'not_allowed_here', message: `${kind.title} is not enabled in this channel; an admin can enable ${kind.kind} in the channel policy.` };
    }
    const params = kind.params.safeParse(input.params);
    if (!params.success) {
      return { ok: false, reason: 'invalid_params', message: `Invalid parameters for ${kind.kind}:\n${formatZodIssues(params.error)}` };
    }
    const createdAt = this.now();
    const approval: ApprovalRequest = {
      id: randomUUID(),
      orgId: context.orgId,
      action: { kind: kind.kind, params: params.data as Record<string, unknown>, targetResourceId: input.target.id, targetName: input.target.name, accountId: input.target.accountId },
      risk: kind.risk,
      requiredRole: kind.approverRole,
      reason: input.reason,
      requestedBy: context.actor.userId,
      conversation: context.conversation,
      state: 'pending',
      createdAt: createdAt.toISOString(),
      expiresAt: new Date(createdAt.getTime() + this.deps.ttlMinutes * 60_000).toISOString(),
      decisions: [],
    };
    await this.deps.store.create(approval);
    await this.audit(approval.orgId, context.actor.userId, 'approval.requested', approval.id, { kind: kind.kind, target: input.target.id, risk: kind.risk });
    return { ok: true, approval };
  }

  async decide(input: DecisionInput): Promise<DecisionOutcome> {
    const { orgId, approvalId, actor } = input;
    const approval = await this.deps.store.get(orgId, approvalId);
    if (!approval) return { kind: 'not_found', message: 'That approval request does not exist in this workspace.' };
    if (approval.state !== 'pending') return { kind: 'already_decided', approval };
    if (Date.parse(approval.expiresAt) <= this.now().getTime()) {
      const expired = await this.deps.store.transition(orgId, approvalId, 'pending', 'expired');
      if (expired.ok) {
        await this.audit(orgId, actor.userId, 'approval.expired', approvalId, {});
        return { kind: 'expired', approval: expired.approval };
      }
      return expired.reason === 'wrong_state' ? { kind: 'already_decided', approval: expired.approval } : { kind: 'not_found', message: 'That approval request no longer exists.' };
    }
    if (input.decision === 'approve' || approval.risk !== 'low') {
      // Denying needs the same authority as approving, except for low-risk actions any operator may stop.
      if (!roleAtLeast(actor.role, approval.requiredRole)) {
        await this.audit(orgId, actor.userId, 'approval.refused', approvalId, { role: actor.role, needed: approval.requiredRole });
        return { kind: 'forbidden', message: `Only ${approval.requiredRole}s can ${input.decision} ${approval.risk}-risk actions; you are ${article(actor.role)} ${actor.role}. Ask an ${approval.requiredRole} of this workspace.` };
      }
    } else if (!roleAtLeast(actor.role, 'operator')) {
      return { kind: 'forbidden', message: 'Viewers cannot decide on actions. Ask an operator or admin of this workspace.' };
    }
    if (input.decision === 'approve' && !actionAllowed(input.allowedActions, approval.action.kind)) {
      return { kind: 'forbidden', message: `${approval.action.kind} is not enabled in this channel any more; nothing was run.` };
    }
    const decision = { decision: input.decision, by: actor.userId, ...(actor.displayName ? { byName: actor.displayName } : {}), at: this.now().toISOString() };
    const next = input.decision === 'approve' ? 'approved' : 'denied';
    const decided = await this.deps.store.transition(orgId, approvalId, 'pending', next, { decision });
    if (!decided.ok) {
      return decided.reason === 'wrong_state' ? { kind: 'already_decided', approval: decided.approval } : { kind: 'not_found', message: 'That approval request no longer exists.' };
    }
    await this.audit(orgId, actor.userId, `approval.${next}`, approvalId, { kind: approval.action.kind });
    if (next === 'denied') return { kind: 'denied', approval: decided.approval };
    return { kind: 'executed', approval: await this.execute(decided.approval, actor) };
  }

  list(orgId: string): Promise<ApprovalRequest[]> {
    return this.deps.store.list(orgId, { states: ['pending'] });
  }

  get(orgId: string, id: string): Promise<ApprovalRequest | undefined> {
    return this.deps.store.get(orgId, id);
  }

  private async execute(approval: ApprovalRequest, actor: Actor): Promise<ApprovalRequest> {
    const started = await this.deps.store.transition(approval.orgId, approval.id, 'approved', 'executing');
    if (!started.ok) return started.reason === 'wrong_state' ? started.approval : approval;
    let result: { ok: boolean; message: string };
    try {
      result = await this.deps.executor.execute(started.approval);
    } catch (error) {
      this.deps.logger.error({ orgId: approval.orgId, approvalId: approval.id, err: error }, 'action executor threw');
      result = { ok: false, message: `The action failed: ${(error as Error).message}` };
    }
    const finished = await this.deps.store.transition(approval.orgId, approval.id, 'executing', result.ok ? 'succeeded' : 'failed', { result: result.message });
    await this.audit(approval.orgId, actor.userId, result.ok ? 'action.succeeded' : 'action.failed', approval.id, { kind: approval.action.kind, executor: this.deps.executor.name });
    return finished.ok ? finished.approval : { ...started.approval, state: result.ok ? 'succeeded' : 'failed', result: result.message };
  }

  private async audit(orgId: string, actor: string, type: string, subjectId: string, detail: Record<string, string | number | boolean | null>): Promise<void> {
    await this.deps.audit.append({ orgId, at: this.now().toISOString(), actor, type, subjectId, detail });
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
