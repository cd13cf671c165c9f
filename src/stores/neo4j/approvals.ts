import {
  pendingKey, sweepDueAt, verificationDueAt,
  type ApprovalDecision, type ApprovalRequest, type ApprovalState, type ApprovalStore, type ChannelFilter, type ExecutionReport, type ListApprovalsOptions,
  type OverdueApproval, type TransitionPatch, type TransitionResult, type VerificationDue, type VerificationReport,
} from '../../approvals/types.ts';
import type { ConversationRef } from '../../request.ts';
import { CompanionError } from '../../errors.ts';
import { int, isConstraintViolation, type Neo4jConnection } from './driver.ts';

interface ApprovalRow {
  doc: string;
  state: ApprovalState;
  decisions: string[] | null;
  result: string | null;
  execution: string | null;
  verification: string | null;
  leaseUntil: string | null;
  runBy: string | null;
}

const projection = 'a { .doc, .state, .decisions, .result, .execution, .verification, .leaseUntil, .runBy } AS a';

/** One string per channel, so listing a channel's requests is an equality match on an index. */
function channelKey(channel: ChannelFilter | ConversationRef): string {
  return JSON.stringify([channel.platform, channel.workspaceId, channel.channelId]);
}

/**
 * Approval requests in Neo4j, under (:Organization)-[:HAS_APPROVAL]->. The immutable part of a
 * request is one JSON document; `state`, `decisions` (a list of JSON strings), `result`, and the
 * `execution` and `verification` reports (JSON strings), the lease and the run-by time are properties
 * that `transition` changes in one conditional update. `channelKey` names the request's channel for
 * `/cloud approvals`; `openKey` (while pending) makes one pending request per action; `sweepAt` is
 * when the decision sweeper must look at it (expiry, lapsed lease), null once it is closed.
 */
export class Neo4jApprovalStore implements ApprovalStore {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async create(approval: ApprovalRequest): Promise<void> {
    const { state, decisions, result, execution, verification, leaseUntil, runBy, ...doc } = approval;
    try {
      await this.db.write(async (tx) => {
        await tx.run(`
          MERGE (o:Organization {id: $orgId})
          CREATE (o)-[:HAS_APPROVAL]->(:ApprovalRequest {
            orgId: $orgId, id: $id, doc: $doc, state: $state, decisions: $decisions, result: $result,
            execution: $execution, verification: $verification, verifyDueAt: $verifyDueAt,
            createdAt: $createdAt, expiresAt: $expiresAt, channelKey: $channelKey,
            leaseUntil: $leaseUntil, runBy: $runBy, openKey: $openKey, sweepAt: $sweepAt
          })`, {
          orgId: approval.orgId,
          id: approval.id,
          doc: JSON.stringify(doc),
          state,
          decisions: decisions.map((d) => JSON.stringify(d)),
          result: result ?? null,
          execution: execution ? JSON.stringify(execution) : null,
          verification: verification ? JSON.stringify(verification) : null,
          verifyDueAt: verificationDueAt(approval) ?? null,
          channelKey: channelKey(approval.conversation),
          createdAt: approval.createdAt,
          expiresAt: approval.expiresAt,
          leaseUntil: leaseUntil ?? null,
          runBy: runBy ?? null,
          openKey: state === 'pending' ? pendingKey(approval.action) : null,
          sweepAt: sweepDueAt(approval) ?? null,
        });
      });
    } catch (error) {
      // The (orgId, id) or (orgId, openKey) uniqueness constraint: the same request, or the same action pending.
      if (isConstraintViolation(error)) throw new CompanionError('conflict', `Approval ${approval.id} or the same pending action already exists.`, { cause: error });
      throw error;
    }
  }

  async get(orgId: string, id: string): Promise<ApprovalRequest | undefined> {
    const row = await this.db.read(async (tx) => {
      const result = await tx.run<{ a: ApprovalRow }>(`MATCH (a:ApprovalRequest {orgId: $orgId, id: $id}) RETURN ${projection}`, { orgId, id });
      return result.records[0]?.get('a');
    });
    return row && toApproval(row);
  }

  async findPending(orgId: string, key: string): Promise<ApprovalRequest | undefined> {
    const row = await this.db.read(async (tx) => {
      const result = await tx.run<{ a: ApprovalRow }>(`MATCH (a:ApprovalRequest {orgId: $orgId, openKey: $key}) WHERE a.state = 'pending' RETURN ${projection} LIMIT 1`, { orgId, key });
      return result.records[0]?.get('a');
    });
    return row && toApproval(row);
  }

  async overdue(now: string, limit: number): Promise<OverdueApproval[]> {
    return this.db.read(async (tx) => {
      const result = await tx.run<OverdueApproval>(`
        MATCH (a:ApprovalRequest)
        WHERE a.sweepAt <= $now AND a.state IN ['pending', 'approved', 'executing']
        RETURN a.orgId AS orgId, a.id AS id, a.state AS state, a.sweepAt AS dueAt
        ORDER BY dueAt, orgId, id LIMIT $limit`, { now, limit: int(limit) });
      return result.records.map((record) => record.toObject());
    });
  }

  async list(orgId: string, options: ListApprovalsOptions = {}): Promise<ApprovalRequest[]> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ a: ApprovalRow }>(`
        MATCH (a:ApprovalRequest {orgId: $orgId})
        USING INDEX a:ApprovalRequest(orgId, createdAt)
        WHERE a.createdAt IS NOT NULL AND ($states IS NULL OR a.state IN $states)
          AND ($channelKey IS NULL OR a.channelKey = $channelKey)
        WITH a ORDER BY a.createdAt DESC, a.id ASC LIMIT $limit
        RETURN ${projection}`, {
        orgId,
        states: options.states ? [...options.states] : null,
        channelKey: options.channel ? channelKey(options.channel) : null,
        limit: int(options.limit ?? 50),
      });
      return result.records.map((record) => record.get('a'));
    });
    return rows.map(toApproval);
  }

  /**
   * One write transaction: a write to the node first (Neo4j then holds its exclusive lock until
   * commit), then the conditional update. Two callers expecting the same `from` queue on the lock,
   * and the second reads the first one's committed state, so exactly one of them matches.
   */
  async transition(
    orgId: string,
    id: string,
    from: ApprovalState,
    to: ApprovalState,
    patch: TransitionPatch = {},
  ): Promise<TransitionResult> {
    const outcome = await this.db.write(async (tx) => {
      const locked = await tx.run(
        'MATCH (a:ApprovalRequest {orgId: $orgId, id: $id}) SET a.lockedBy = $lock RETURN count(a) AS n',
        { orgId, id, lock: `${Date.now()}-${Math.random()}` },
      );
      if ((locked.records[0]?.get('n') ?? 0) === 0) return undefined;
      const result = await tx.run<{ matched: boolean; a: ApprovalRow }>(`
        MATCH (a:ApprovalRequest {orgId: $orgId, id: $id})
        WITH a, a.state = $from AS matched
        FOREACH (_ IN CASE WHEN matched THEN [1] ELSE [] END |
          SET a.state = $to,
              a.decisions = coalesce(a.decisions, []) + $decisions,
              a.result = CASE WHEN $result IS NULL THEN a.result ELSE $result END,
              a.execution = CASE WHEN $execution IS NULL THEN a.execution ELSE $execution END,
              a.verification = CASE WHEN $verification IS NULL THEN a.verification ELSE $verification END,
              a.verifyDueAt = CASE WHEN $to <> 'succeeded' THEN null WHEN $verification IS NULL THEN a.verifyDueAt ELSE $verifyDueAt END,
              a.runBy = coalesce($runBy, a.runBy),
              a.leaseUntil = CASE WHEN $to IN ['approved', 'executing'] THEN coalesce($leaseUntil, a.leaseUntil) ELSE null END,
              a.openKey = CASE WHEN $to = 'pending' THEN a.openKey ELSE null END,
              a.sweepAt = CASE WHEN $to = 'pending' THEN a.expiresAt WHEN $to IN ['approved', 'executing'] THEN coalesce($leaseUntil, a.leaseUntil, '') ELSE null END)
        RETURN matched, ${projection}`, {
        orgId,
        id,
        from,
        to,
        decisions: patch.decision ? [JSON.stringify(patch.decision)] : [],
        result: patch.result ?? null,
        execution: patch.execution ? JSON.stringify(patch.execution) : null,
        verification: patch.verification ? JSON.stringify(patch.verification) : null,
        verifyDueAt: (patch.verification && verificationDueAt({ state: to, verification: patch.verification })) ?? null,
        runBy: patch.runBy ?? null,
        leaseUntil: patch.leaseUntil ?? null,
      });
      const record = result.records[0];
      return record && { matched: record.get('matched'), approval: toApproval(record.get('a')) };
    });
    if (!outcome) return { ok: false, reason: 'not_found' };
    return outcome.matched ? { ok: true, approval: outcome.approval } : { ok: false, reason: 'wrong_state', approval: outcome.approval };
  }

  async dueVerifications(now: string, limit: number): Promise<VerificationDue[]> {
    return this.db.read(async (tx) => {
      const result = await tx.run<{ orgId: string; id: string; dueAt: string }>(`
        MATCH (a:ApprovalRequest)
        WHERE a.verifyDueAt <= $now AND coalesce(a.verifyLease, '') <= $now
        RETURN a.orgId AS orgId, a.id AS id, a.verifyDueAt AS dueAt
        ORDER BY dueAt, orgId, id LIMIT $limit`, { now, limit: int(limit) });
      return result.records.map((record) => record.toObject());
    });
  }

  /** Lock first, then check and set, as in `transition`: of concurrent claims exactly one sees the lease free. */
  async claimVerification(orgId: string, id: string, now: string, leaseUntil: string): Promise<boolean> {
    return this.db.write(async (tx) => {
      await tx.run('MATCH (a:ApprovalRequest {orgId: $orgId, id: $id}) SET a.lockedBy = $lock', { orgId, id, lock: `${Date.now()}-${Math.random()}` });
      const result = await tx.run<{ n: number }>(`
        MATCH (a:ApprovalRequest {orgId: $orgId, id: $id})
        WHERE a.verifyDueAt <= $now AND coalesce(a.verifyLease, '') <= $now
        SET a.verifyLease = $leaseUntil
        RETURN count(a) AS n`, { orgId, id, now, leaseUntil });
      return (result.records[0]?.get('n') ?? 0) > 0;
    });
  }

  async close(): Promise<void> {
    await this.release();
  }
}

function toApproval(row: ApprovalRow): ApprovalRequest {
  const doc = JSON.parse(row.doc) as Omit<ApprovalRequest, 'state' | 'decisions' | 'result' | 'execution' | 'verification' | 'leaseUntil' | 'runBy'>;
  return {
    ...doc,
    state: row.state,
    decisions: (row.decisions ?? []).map((d) => JSON.parse(d) as ApprovalDecision),
    ...(row.result === null || row.result === undefined ? {} : { result: row.result }),
    ...(row.execution ? { execution: JSON.parse(row.execution) as ExecutionReport } : {}),
    ...(row.verification ? { verification: JSON.parse(row.verification) as VerificationReport } : {}),
    ...(row.leaseUntil ? { leaseUntil: row.leaseUntil } : {}),
    ...(row.runBy ? { runBy: row.runBy } : {}),
  };
}
