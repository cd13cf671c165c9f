import type { ApprovalDecision, ApprovalRequest, ApprovalState, ApprovalStore, TransitionResult } from '../../approvals/types.ts';
import { CompanionError } from '../../errors.ts';
import { int, isConstraintViolation, type Neo4jConnection } from './driver.ts';

interface ApprovalRow {
  doc: string;
  state: ApprovalState;
  decisions: string[] | null;
  result: string | null;
}

const projection = 'a { .doc, .state, .decisions, .result } AS a';

/**
 * Approval requests in Neo4j, under (:Organization)-[:HAS_APPROVAL]->. The immutable part of a
 * request is one JSON document; `state`, `decisions` (a list of JSON strings) and `result` are
 * properties that `transition` changes in one conditional update.
 */
export class Neo4jApprovalStore implements ApprovalStore {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async create(approval: ApprovalRequest): Promise<void> {
    const { state, decisions, result, ...doc } = approval;
    try {
      await this.db.write(async (tx) => {
        await tx.run(`
          MERGE (o:Organization {id: $orgId})
          CREATE (o)-[:HAS_APPROVAL]->(:ApprovalRequest {
            orgId: $orgId, id: $id, doc: $doc, state: $state, decisions: $decisions, result: $result,
            createdAt: $createdAt, expiresAt: $expiresAt
          })`, {
          orgId: approval.orgId,
          id: approval.id,
          doc: JSON.stringify(doc),
          state,
          decisions: decisions.map((d) => JSON.stringify(d)),
          result: result ?? null,
          createdAt: approval.createdAt,
          expiresAt: approval.expiresAt,
        });
      });
    } catch (error) {
      // The (orgId, id) uniqueness constraint: a second create of the same approval.
      if (isConstraintViolation(error)) throw new CompanionError('conflict', `Approval ${approval.id} already exists.`, { cause: error });
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

  async list(orgId: string, options: { states?: readonly ApprovalState[]; limit?: number } = {}): Promise<ApprovalRequest[]> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ a: ApprovalRow }>(`
        MATCH (a:ApprovalRequest {orgId: $orgId})
        USING INDEX a:ApprovalRequest(orgId, createdAt)
        WHERE a.createdAt IS NOT NULL AND ($states IS NULL OR a.state IN $states)
        WITH a ORDER BY a.createdAt DESC, a.id ASC LIMIT $limit
        RETURN ${projection}`, { orgId, states: options.states ? [...options.states] : null, limit: int(options.limit ?? 50) });
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
    patch: { decision?: ApprovalDecision; result?: string } = {},
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
              a.result = CASE WHEN $result IS NULL THEN a.result ELSE $result END)
        RETURN matched, ${projection}`, {
        orgId,
        id,
        from,
        to,
        decisions: patch.decision ? [JSON.stringify(patch.decision)] : [],
        result: patch.result ?? null,
      });
      const record = result.records[0];
      return record && { matched: record.get('matched'), approval: toApproval(record.get('a')) };
    });
    if (!outcome) return { ok: false, reason: 'not_found' };
    return outcome.matched ? { ok: true, approval: outcome.approval } : { ok: false, reason: 'wrong_state', approval: outcome.approval };
  }

  async close(): Promise<void> {
    await this.release();
  }
}

function toApproval(row: ApprovalRow): ApprovalRequest {
  const doc = JSON.parse(row.doc) as Omit<ApprovalRequest, 'state' | 'decisions' | 'result'>;
  return {
    ...doc,
    state: row.state,
    decisions: (row.decisions ?? []).map((d) => JSON.parse(d) as ApprovalDecision),
    ...(row.result === null ? {} : { result: row.result }),
  };
}
