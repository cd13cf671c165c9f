import type { ConversationRef, Role } from '../request.ts';

export type Risk = 'low' | 'medium' | 'high';

export type ApprovalState = 'pending' | 'approved' | 'executing' | 'succeeded' | 'failed' | 'denied' | 'expired';

export interface ProposedAction {
  kind: string;
  /** Parameters as validated by the action kind's schema. */
  params: Record<string, unknown>;
  targetResourceId: string;
  targetName: string;
  accountId: string;
}

export interface ApprovalDecision {
  decision: 'approve' | 'deny';
  by: string;
  byName?: string;
  at: string;
}

export interface ApprovalRequest {
  id: string;
  orgId: string;
  action: ProposedAction;
  risk: Risk;
  requiredRole: Role;
  reason: string;
  requestedBy: string;
  conversation: ConversationRef;
  state: ApprovalState;
  createdAt: string;
  expiresAt: string;
  decisions: ApprovalDecision[];
  /** What the executor reported, once it ran. */
  result?: string;
}

export type TransitionResult =
  | { ok: true; approval: ApprovalRequest }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'wrong_state'; approval: ApprovalRequest };

/**
 * Approval requests per organization. `transition` is one atomic conditional update: of two
 * concurrent callers expecting the same state, exactly one succeeds.
 */
export interface ApprovalStore {
  create(approval: ApprovalRequest): Promise<void>;
  get(orgId: string, id: string): Promise<ApprovalRequest | undefined>;
  list(orgId: string, options?: { states?: readonly ApprovalState[]; limit?: number }): Promise<ApprovalRequest[]>;
  transition(
    orgId: string,
    id: string,
    from: ApprovalState,
    to: ApprovalState,
    patch?: { decision?: ApprovalDecision; result?: string },
  ): Promise<TransitionResult>;
  close(): Promise<void>;
}
