import {
  pendingKey, sweepDueAt, verificationDueAt,
  type ApprovalRequest, type ApprovalState, type ApprovalStore, type ListApprovalsOptions, type OverdueApproval, type TransitionPatch, type TransitionResult, type VerificationDue,
} from '../../approvals/types.ts';
import { CompanionError } from '../../errors.ts';

export class MemoryApprovalStore implements ApprovalStore {
  private readonly approvals = new Map<string, ApprovalRequest>();
  /** Claimed verifications: key → lease end. */
  private readonly leases = new Map<string, string>();

  async create(approval: ApprovalRequest): Promise<void> {
    const key = this.key(approval.orgId, approval.id);
    if (this.approvals.has(key)) throw new CompanionError('conflict', `Approval ${approval.id} already exists.`);
    if (approval.state === 'pending' && this.pendingOf(approval.orgId, pendingKey(approval.action))) {
      throw new CompanionError('conflict', `The same action is already pending in this organization.`);
    }
    this.approvals.set(key, structuredClone(approval));
  }

  async findPending(orgId: string, key: string): Promise<ApprovalRequest | undefined> {
    const found = this.pendingOf(orgId, key);
    return found && structuredClone(found);
  }

  async overdue(now: string, limit: number): Promise<OverdueApproval[]> {
    return [...this.approvals.values()]
      .flatMap((a): OverdueApproval[] => {
        const dueAt = sweepDueAt(a);
        if (dueAt === undefined || dueAt > now || (a.state !== 'pending' && a.state !== 'approved' && a.state !== 'executing')) return [];
        return [{ orgId: a.orgId, id: a.id, state: a.state, dueAt }];
      })
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.orgId.localeCompare(b.orgId) || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  async get(orgId: string, id: string): Promise<ApprovalRequest | undefined> {
    const approval = this.approvals.get(this.key(orgId, id));
    return approval && structuredClone(approval);
  }

  async list(orgId: string, options: ListApprovalsOptions = {}): Promise<ApprovalRequest[]> {
    const { channel } = options;
    return [...this.approvals.values()]
      .filter((a) => a.orgId === orgId && (!options.states || options.states.includes(a.state)))
      .filter((a) => !channel || (a.conversation.platform === channel.platform && a.conversation.workspaceId === channel.workspaceId && a.conversation.channelId === channel.channelId))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
      .slice(0, options.limit ?? 50)
      .map((a) => structuredClone(a));
  }

  // Check and set happen in one synchronous step, so concurrent callers cannot both pass the check.
  async transition(orgId: string, id: string, from: ApprovalState, to: ApprovalState, patch: TransitionPatch = {}): Promise<TransitionResult> {
    const current = this.approvals.get(this.key(orgId, id));
    if (!current) return { ok: false, reason: 'not_found' };
    if (current.state !== from) return { ok: false, reason: 'wrong_state', approval: structuredClone(current) };
    current.state = to;
    if (patch.decision) current.decisions.push({ ...patch.decision });
    if (patch.result !== undefined) current.result = patch.result;
    if (patch.execution !== undefined) current.execution = structuredClone(patch.execution);
    if (patch.verification !== undefined) current.verification = structuredClone(patch.verification);
    if (patch.runBy !== undefined) current.runBy = patch.runBy;
    const leaseUntil = patch.leaseUntil ?? current.leaseUntil;
    if ((to === 'approved' || to === 'executing') && leaseUntil !== undefined) current.leaseUntil = leaseUntil;
    else delete current.leaseUntil;
    return { ok: true, approval: structuredClone(current) };
  }

  async dueVerifications(now: string, limit: number): Promise<VerificationDue[]> {
    return [...this.approvals.entries()]
      .flatMap(([key, a]) => {
        const dueAt = verificationDueAt(a);
        const lease = this.leases.get(key);
        return dueAt !== undefined && dueAt <= now && (lease === undefined || lease <= now) ? [{ orgId: a.orgId, id: a.id, dueAt }] : [];
      })
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.orgId.localeCompare(b.orgId) || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  // Check and set in one synchronous step, as in `transition`.
  async claimVerification(orgId: string, id: string, now: string, leaseUntil: string): Promise<boolean> {
    const key = this.key(orgId, id);
    const current = this.approvals.get(key);
    const dueAt = current && verificationDueAt(current);
    const lease = this.leases.get(key);
    if (dueAt === undefined || dueAt > now || (lease !== undefined && lease > now)) return false;
    this.leases.set(key, leaseUntil);
    return true;
  }

  async close(): Promise<void> {}

  private pendingOf(orgId: string, key: string): ApprovalRequest | undefined {
    for (const a of this.approvals.values()) {
      if (a.orgId === orgId && a.state === 'pending' && pendingKey(a.action) === key) return a;
    }
    return undefined;
  }

  private key(orgId: string, id: string): string {
    return `${orgId}\u0000${id}`;
  }
}
