import { z } from 'zod';
import { Alert, WebhookSource } from '../../alerts/alert.ts';
import type { AlertInbox, InboxEntry } from '../alert-inbox.ts';
import { int, type Neo4jConnection } from './driver.ts';

const Alerts = z.array(Alert);

/**
 * The alert inbox in Neo4j: one (:AlertInboxEntry {orgId, id, source, alerts, receivedAt, leaseUntil})
 * per accepted webhook delivery. A claim takes the node's write lock before reading the lease, so
 * replicas racing for an entry queue on it and exactly one wins.
 */
export class Neo4jAlertInbox implements AlertInbox {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async add(entry: InboxEntry): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (e:AlertInboxEntry {orgId: $orgId, id: $id})
        ON CREATE SET e.source = $source, e.alerts = $alerts, e.receivedAt = $receivedAt, e.leaseUntil = 0`, {
        orgId: entry.orgId, id: entry.id, source: entry.source, alerts: JSON.stringify(entry.alerts), receivedAt: entry.receivedAt,
      });
    });
  }

  async claim(orgId: string, id: string, now: number, leaseUntil: number): Promise<boolean> {
    return this.db.write(async (tx) => {
      await tx.run('MATCH (e:AlertInboxEntry {orgId: $orgId, id: $id}) SET e.lockedBy = $lock', { orgId, id, lock: `${now}-${Math.random()}` });
      const result = await tx.run<{ n: number }>(`
        MATCH (e:AlertInboxEntry {orgId: $orgId, id: $id})
        WHERE e.leaseUntil <= $now
        SET e.leaseUntil = $leaseUntil
        RETURN count(e) AS n`, { orgId, id, now, leaseUntil });
      return (result.records[0]?.get('n') ?? 0) > 0;
    });
  }

  async pending(now: number, limit: number): Promise<InboxEntry[]> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ orgId: string; id: string; source: string; alerts: string; receivedAt: number }>(`
        MATCH (e:AlertInboxEntry)
        WHERE e.leaseUntil <= $now
        RETURN e.orgId AS orgId, e.id AS id, e.source AS source, e.alerts AS alerts, e.receivedAt AS receivedAt
        ORDER BY receivedAt, id LIMIT $limit`, { now, limit: int(limit) });
      return result.records.map((record) => record.toObject());
    });
    return rows.map((row) => ({ orgId: row.orgId, id: row.id, source: WebhookSource.parse(row.source), alerts: Alerts.parse(JSON.parse(row.alerts)), receivedAt: row.receivedAt }));
  }

  async complete(orgId: string, id: string): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run('MATCH (e:AlertInboxEntry {orgId: $orgId, id: $id}) DELETE e', { orgId, id });
    });
  }

  async close(): Promise<void> {
    await this.release();
  }
}
