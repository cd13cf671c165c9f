import { createHash } from 'node:crypto';
import type { ConversationRef, Platform, Role } from '../request.ts';

export type Risk = 'low' | 'medium' | 'high';

export type ApprovalState = 'pending' | 'approved' | 'executing' | 'succeeded' | 'failed' | 'denied' | 'expired';

/** JSON-safe values: everything stored with a request must survive a round trip through JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

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
  /** The surface the decision came from; a sweeper that runs the action re-checks this identity's role. */
  platform?: Platform;
  at: string;
}

/** What a dry run said at proposal time: shown on the card, before anyone approves. */
export interface DryRunReport {
  ok: boolean;
  message: string;
  at: string;
  /** Which executor ran it: `dry-run` (nothing was asked of the provider) or `live`. */
  executor: string;
}

/** An action that puts things back as they were: a new proposal, approved like any other. */
export interface RollbackPlan {
  kind: string;
  params: Record<string, JsonValue>;
  /** e.g. "Set desired count of ECS service checkout-api back to 2". */
  description: string;
}

/** What the executor reported once it ran. */
export interface ExecutionReport {
  ok: boolean;
  message: string;
  at: string;
  executor: string;
  /** false when the executor changed nothing on purpose (dry-run). */
  changed?: boolean;
  /** The provider's refusal, e.g. UnauthorizedOperation, IncorrectInstanceState, AuthorizationFailed. */
  providerCode?: string;
  /** The state before the change, for reversible kinds. */
  priorState?: Record<string, JsonValue>;
  /** Present when the change can be undone from the prior state. */
  rollback?: RollbackPlan;
}

/** One metric as it stood when the action was proposed, and as re-read after it ran. */
export interface MetricCheck {
  resourceId: string;
  metric: string;
  unit: string;
  before?: number;
  after?: number;
  threshold?: number;
  /** Past its threshold when the action was proposed: this metric prompted it. */
  breachedBefore?: boolean;
  breachedAfter?: boolean;
}

/** The follow-up a few minutes after execution: the provider's view of the target and the metrics that prompted the action. */
export interface VerificationReport {
  /** `improved`: nothing watched is past its threshold any more; `not_improved`: still past it; `inconclusive`: could not tell. */
  status: 'scheduled' | 'improved' | 'not_improved' | 'inconclusive';
  at: string;
  /** When the check runs (status `scheduled`) or ran. */
  dueAt: string;
  /** The provider's state of the target, e.g. "desired count 6, running 6". */
  targetState?: { ok: boolean; message: string };
  metrics: MetricCheck[];
  message: string;
}

export interface ApprovalRequest {
  id: string;
  orgId: string;
  action: ProposedAction;
  risk: Risk;
  requiredRole: Role;
  reason: string;
  requestedBy: string;
  requestedByName?: string;
  conversation: ConversationRef;
  state: ApprovalState;
  createdAt: string;
  expiresAt: string;
  decisions: ApprovalDecision[];
  /** The dry run at proposal time. */
  dryRun?: DryRunReport;
  /** Set when this request undoes an earlier one (its id). */
  rollbackOf?: string;
  /** The metrics that prompted the action, as they stood at proposal time; re-read to verify. */
  watch?: MetricCheck[];
  /** What the executor reported, once it ran (one line, kept for older renderers). */
  result?: string;
  execution?: ExecutionReport;
  verification?: VerificationReport;
  /**
   * While `approved` or `executing`: the replica that moved it there holds it until this time; after
   * it, a sweeper on any replica takes it over (a crash or an outage between two writes).
   */
  leaseUntil?: string;
  /** Set with the approval: an approved request not started by then is failed with the reason, never run late. */
  runBy?: string;
}

/** Fields a transition may set together with the state. */
export interface TransitionPatch {
  decision?: ApprovalDecision;
  result?: string;
  execution?: ExecutionReport;
  verification?: VerificationReport;
  /** Kept while the new state is `approved` or `executing`, dropped with any other. */
  leaseUntil?: string;
  runBy?: string;
}

export type TransitionResult =
  | { ok: true; approval: ApprovalRequest }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'wrong_state'; approval: ApprovalRequest };

/** The channel a request was made in: `/cloud approvals` lists only that channel's requests. */
export interface ChannelFilter {
  platform: ConversationRef['platform'];
  workspaceId: string;
  channelId: string;
}

export interface ListApprovalsOptions {
  states?: readonly ApprovalState[];
  channel?: ChannelFilter;
  limit?: number;
}

/**
 * Approval requests per organization. `transition` is one atomic conditional update: of two
 * concurrent callers expecting the same state, exactly one succeeds.
 */
export interface ApprovalStore {
  /**
   * Throws CompanionError `conflict` when the id exists, or when the request is pending and another
   * pending request of the organization has the same `pendingKey` (one open request per action).
   */
  create(approval: ApprovalRequest): Promise<void>;
  get(orgId: string, id: string): Promise<ApprovalRequest | undefined>;
  /** The pending request of the organization with this `pendingKey`, if any. */
  findPending(orgId: string, key: string): Promise<ApprovalRequest | undefined>;
  /**
   * Requests a sweeper must act on by `now`, across organizations, earliest first: pending past
   * their expiry, and approved or executing whose lease lapsed (or that never had one).
   */
  overdue(now: string, limit: number): Promise<OverdueApproval[]>;
  /** Newest first. */
  list(orgId: string, options?: ListApprovalsOptions): Promise<ApprovalRequest[]>;
  /** `from` equal to `to` records a patch (e.g. a verification) only while the state still is `from`. */
  transition(orgId: string, id: string, from: ApprovalState, to: ApprovalState, patch?: TransitionPatch): Promise<TransitionResult>;
  /**
   * Succeeded requests whose verification is scheduled and due by `now` (or whose claim lapsed),
   * across organizations, earliest due first: the sweeper's work list after a restart.
   */
  dueVerifications(now: string, limit: number): Promise<VerificationDue[]>;
  /**
   * Claims a due verification until `leaseUntil`: of concurrent callers (timers, sweepers,
   * replicas) exactly one gets true. A claim that is never completed lapses at `leaseUntil`.
   */
  claimVerification(orgId: string, id: string, now: string, leaseUntil: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface OverdueApproval {
  orgId: string;
  id: string;
  state: Extract<ApprovalState, 'pending' | 'approved' | 'executing'>;
  /** The expiry (pending) or the lapsed lease (approved, executing); '' when it never had one. */
  dueAt: string;
}

export interface VerificationDue {
  orgId: string;
  id: string;
  dueAt: string;
}

/** When a request's verification is next due: its scheduled time, or nothing once it ran. */
export function verificationDueAt(approval: Pick<ApprovalRequest, 'state' | 'verification'>): string | undefined {
  return approval.state === 'succeeded' && approval.verification?.status === 'scheduled' ? approval.verification.dueAt : undefined;
}

/** When a sweeper must look at a request: its expiry while pending, its lease while approved or executing, never after. */
export function sweepDueAt(approval: Pick<ApprovalRequest, 'state' | 'expiresAt' | 'leaseUntil'>): string | undefined {
  if (approval.state === 'pending') return approval.expiresAt;
  if (approval.state === 'approved' || approval.state === 'executing') return approval.leaseUntil ?? '';
  return undefined;
}

/**
 * What makes two requests the same action: kind, target, account and parameters (keys sorted, so
 * `{a,b}` and `{b,a}` match). The organization is the store's own scope. A hash, to index it.
 */
export function pendingKey(action: ProposedAction): string {
  return createHash('sha256').update(JSON.stringify([action.kind, action.targetResourceId, action.accountId, canonical(action.params)])).digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
