import { AlertSource, AlertStatus } from '../../alerts/alert.ts';
import { observeRecord, type AlertNotification, type AlertObservation, type AlertRecord, type AlertThread, type AlertThreadStore } from '../alert-threads.ts';
import { Platform } from '../../request.ts';
import { z } from 'zod';
import { int, type Neo4jConnection } from './driver.ts';

const sweepEvery = 200;
const sweepBatch = 1_000;

/** What a stored node holds; read back through zod so a hand-edited node cannot break the bot. */
const Stored = z.object({
  orgId: z.string(),
  fingerprint: z.string(),
  source: AlertSource,
  title: z.string(),
  state: AlertStatus,
  thread: z.string().nullish(),
  occurrence: z.string().nullish(),
  fired: z.number(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.number(),
});

const Thread = z.object({
  platform: Platform,
  workspaceKey: z.string(),
  channelId: z.string(),
  threadId: z.string(),
  parentMessageId: z.string().optional(),
});

/**
 * Alert threads in Neo4j: one (:AlertThread {orgId, fingerprint}) per alert under a uniqueness
 * constraint. `observe` runs in one write transaction that first takes the node's write lock (MERGE,
 * then a SET), then reads it and applies the shared rule (`observeRecord`): concurrent deliveries of
 * one fingerprint, on any replica, queue on the lock, so exactly one of them opens the thread.
 */
export class Neo4jAlertThreadStore implements AlertThreadStore {
  private readonly releaseConnection: () => Promise<void>;
  private writes = 0;

  constructor(private readonly db: Neo4jConnection) {
    this.releaseConnection = db.acquire();
  }

  async observe(orgId: string, fingerprint: string, notification: AlertNotification, now: number, ttlMs: number): Promise<AlertObservation> {
    const observation = await this.db.write(async (tx) => {
      const locked = await tx.run<{ a: Record<string, unknown> }>(`
        MERGE (a:AlertThread {orgId: $orgId, fingerprint: $fingerprint})
        ON CREATE SET a.expiresAt = -1.0
        SET a.lockedBy = $lock
        RETURN a {.*} AS a`, { orgId, fingerprint, lock: `${now}-${Math.random()}` });
      const previous = fromNode(locked.records[0]?.get('a'));
      const { observation, next } = observeRecord(previous, orgId, fingerprint, notification, now, ttlMs);
      if (next) {
        await tx.run('MATCH (a:AlertThread {orgId: $orgId, fingerprint: $fingerprint}) SET a = $props', { orgId, fingerprint, props: toNode(next) });
      } else {
        await tx.run('MATCH (a:AlertThread {orgId: $orgId, fingerprint: $fingerprint}) DELETE a', { orgId, fingerprint });
      }
      return observation;
    });
    await this.maybeSweep(now);
    return observation;
  }

  async attach(orgId: string, fingerprint: string, thread: AlertThread, now: number, ttlMs: number): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run('MATCH (a:AlertThread {orgId: $orgId, fingerprint: $fingerprint}) SET a.thread = $thread, a.expiresAt = $expiresAt', {
        orgId, fingerprint, thread: JSON.stringify(thread), expiresAt: now + ttlMs,
      });
    });
  }

  async release(orgId: string, fingerprint: string): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run('MATCH (a:AlertThread {orgId: $orgId, fingerprint: $fingerprint}) WHERE a.thread IS NULL DELETE a', { orgId, fingerprint });
    });
  }

  async get(orgId: string, fingerprint: string, now: number): Promise<AlertRecord | undefined> {
    const record = await this.db.read(async (tx) => {
      const result = await tx.run<{ a: Record<string, unknown> }>('MATCH (a:AlertThread {orgId: $orgId, fingerprint: $fingerprint}) RETURN a {.*} AS a', { orgId, fingerprint });
      return fromNode(result.records[0]?.get('a'));
    });
    return record && record.expiresAt > now ? record : undefined;
  }

  async close(): Promise<void> {
    await this.releaseConnection();
  }

  /** Expired records are only history; remove a batch now and then. Best effort. */
  private async maybeSweep(now: number): Promise<void> {
    this.writes += 1;
    if (this.writes % sweepEvery !== 0) return;
    try {
      await this.db.write(async (tx) => {
        await tx.run('MATCH (a:AlertThread) WHERE 0 <= a.expiresAt <= $before WITH a LIMIT $batch DELETE a', { before: now - 60_000, batch: int(sweepBatch) });
      });
    } catch {
      // Retried at the next sweep.
    }
  }
}

function toNode(record: AlertRecord): Record<string, unknown> {
  return {
    orgId: record.orgId, fingerprint: record.fingerprint, source: record.source, title: record.title, state: record.state,
    thread: record.thread ? JSON.stringify(record.thread) : null, occurrence: record.occurrence ?? null,
    fired: record.fired, firstSeenAt: record.firstSeenAt, lastSeenAt: record.lastSeenAt, expiresAt: record.expiresAt,
  };
}

/** A node just created by MERGE (expiresAt -1) has no record yet. */
function fromNode(node: Record<string, unknown> | undefined): AlertRecord | undefined {
  if (!node || node.expiresAt === -1) return undefined;
  const parsed = Stored.safeParse(node);
  if (!parsed.success) return undefined;
  const { thread, occurrence, ...rest } = parsed.data;
  const threadValue = thread ? Thread.safeParse(JSON.parse(thread)) : undefined;
  return { ...rest, ...(threadValue?.success ? { thread: threadValue.data } : {}), ...(occurrence ? { occurrence } : {}) };
}
