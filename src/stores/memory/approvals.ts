import type { ApprovalDecision, ApprovalRequest, ApprovalState, ApprovalStore, TransitionResult } from '../../approvals/types.ts';
import { CompanionError } from '../../errors.ts';

export class MemoryApprovalStore implements ApprovalStore {
  private readonly approvals = new Map<string, ApprovalRequest>();

  async create(approval: ApprovalRequest): Promise<void> {
    const key = this.key(approval.orgId, approval.id);
    if (this.approvals.has(key)) throw new CompanionError('conflict', `Approval ${approval.id} already exists.`);
    this.approvals.set(key, structuredClone(approval));
  }

  async get(orgId: string, id: string): Promise<ApprovalRequest | undefined> {
    const approval = this.approvals.get(this.key(orgId, id));
    return approval && structuredClone(approval);
  }

  async list(orgId: string, options: { states?: readonly ApprovalState[]; limit?: number } = {}): Promise<ApprovalRequest[]> {
    return [...this.approvals.values()]
      .filter((a) => a.orgId === orgId && (!options.states || options.states.includes(a.state)))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
      .slice(0, options.limit ?? 50)
      .map((a) => structuredClone(a));
  }

  // Check and set happen in one synchronous step, so concurrent callers cannot both pass the check.
  async transition(orgId: string, id: string, from: ApprovalState, to: ApprovalState, patch: { decision?: ApprovalDecision; result?: string } = {}): Promise<TransitionResult> {
    const current = this.approvals.get(this.key(orgId, id));
    if (!current) return { ok: false, reason: 'not_found' };
    if (current.state !== from) return { ok: false, reason: 'wrong_state', approval: structuredClone(current) };
    current.state = to;
    if (patch.decision) current.decisions.push({ ...patch.decision });
    if (patch.result !== undefined) current.result = patch.result;
    return { ok: true, approval: structuredClone(current) };
  }

  async close(): Promise<void> {}

  private key(orgId: string, id: string): string {
    return `${orgId}\u0000${id}`;
  }
}
