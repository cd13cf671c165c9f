import type { AuditEvent, AuditListOptions, AuditLog } from '../audit.ts';
import { int, type Neo4jConnection } from './driver.ts';

interface EventRow {
  seq: number;
  at: string;
  actor: string;
  type: string;
  subjectId: string;
  detail: string;
}

/**
 * The audit log in Neo4j, under (:Organization)-[:HAS_AUDIT]->(:AuditEvent). Each event takes the
 * next number of its organization's sequence (under the Organization node's lock), so every replica
 * lists events in the order they were written.
 */
export class Neo4jAuditLog implements AuditLog {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async append(event: AuditEvent): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (o:Organization {id: $orgId})
        SET o.auditSeq = coalesce(o.auditSeq, 0) + 1
        CREATE (o)-[:HAS_AUDIT]->(:AuditEvent {
          orgId: $orgId, seq: o.auditSeq, at: $at, actor: $actor, type: $type, subjectId: $subjectId, detail: $detail
        })`, {
        orgId: event.orgId,
        at: event.at,
        actor: event.actor,
        type: event.type,
        subjectId: event.subjectId,
        detail: JSON.stringify(event.detail),
      });
    });
  }

  async list(orgId: string, options: AuditListOptions = {}): Promise<AuditEvent[]> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ e: EventRow }>(`
        MATCH (e:AuditEvent {orgId: $orgId})
        USING INDEX e:AuditEvent(orgId, seq)
        WHERE e.seq IS NOT NULL AND ($subjectId IS NULL OR e.subjectId = $subjectId) AND ($since IS NULL OR e.at >= $since)
        WITH e ORDER BY e.seq DESC LIMIT $limit
        RETURN e { .seq, .at, .actor, .type, .subjectId, .detail } AS e`, {
        orgId,
        subjectId: options.subjectId ? options.subjectId : null,
        since: options.since ? options.since : null,
        limit: int(options.limit ?? 100),
      });
      return result.records.map((record) => record.get('e'));
    });
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map((row) => ({
        orgId,
        at: row.at,
        actor: row.actor,
        type: row.type,
        subjectId: row.subjectId,
        detail: JSON.parse(row.detail) as AuditEvent['detail'],
      }));
  }

  async close(): Promise<void> {
    await this.release();
  }
}
