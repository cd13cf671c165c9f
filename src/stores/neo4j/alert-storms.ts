import { z } from 'zod';
import type { PostedMessage } from '../../chat/port.ts';
import { Platform } from '../../request.ts';
import type { AlertStormStore, StormSummary, SuppressedAlert } from '../alert-storms.ts';
import { int, type Neo4jConnection } from './driver.ts';

const sweepEvery = 100;

const Entry = z.object({ fingerprint: z.string(), line: z.string() });
const Message = z.object({ platform: Platform, channelId: z.string(), workspaceKey: z.string(), messageId: z.string(), threadId: z.string() });

/**
 * Storm limiter state in Neo4j: (:AlertStormWindow {orgId, key, count}) counts new alerts per
 * organization and window, (:AlertStormSummary {orgId, key, entries, message}) lists what a window
 * suppressed in one channel. Each change takes the node's write lock before reading it (MERGE, then
 * a SET), so counts from several replicas add up and no entry is lost.
 */
export class Neo4jAlertStormStore implements AlertStormStore {
  private readonly release: () => Promise<void>;
  private writes = 0;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async admit(orgId: string, windowKey: string, limit: number, now: number, ttlMs: number): Promise<boolean> {
    const count = await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (w:AlertStormWindow {orgId: $orgId, key: $key})
        ON CREATE SET w.count = 0, w.expiresAt = $expiresAt
        SET w.lockedBy = $lock`, { orgId, key: windowKey, expiresAt: now + ttlMs, lock: `${now}-${Math.random()}` });
      const result = await tx.run<{ count: number }>(`
        MATCH (w:AlertStormWindow {orgId: $orgId, key: $key})
        SET w.count = w.count + 1
        RETURN w.count AS count`, { orgId, key: windowKey });
      return Number(result.records[0]?.get('count') ?? Number.POSITIVE_INFINITY);
    });
    await this.maybeSweep(now);
    return count <= limit;
  }

  async suppress(orgId: string, summaryKey: string, alert: SuppressedAlert, now: number, ttlMs: number): Promise<StormSummary> {
    return this.db.write(async (tx) => {
      const locked = await tx.run<{ entries: string[] | null; message: string | null }>(`
        MERGE (s:AlertStormSummary {orgId: $orgId, key: $key})
        ON CREATE SET s.entries = [], s.expiresAt = $expiresAt
        SET s.lockedBy = $lock
        RETURN s.entries AS entries, s.message AS message`, { orgId, key: summaryKey, expiresAt: now + ttlMs, lock: `${now}-${Math.random()}` });
      const row = locked.records[0];
      const entries = (row?.get('entries') ?? []).flatMap((text) => {
        const parsed = Entry.safeParse(JSON.parse(text));
        return parsed.success ? [parsed.data] : [];
      });
      const messageText = row?.get('message');
      const message = messageText ? Message.safeParse(JSON.parse(messageText)) : undefined;
      const added = !entries.some((e) => e.fingerprint === alert.fingerprint);
      if (added) {
        entries.push({ fingerprint: alert.fingerprint, line: alert.line });
        await tx.run('MATCH (s:AlertStormSummary {orgId: $orgId, key: $key}) SET s.entries = s.entries + $entry', { orgId, key: summaryKey, entry: JSON.stringify(entries.at(-1)) });
      }
      return { entries, added, first: added && entries.length === 1, ...(message?.success ? { message: message.data } : {}) };
    });
  }

  async setSummaryMessage(orgId: string, summaryKey: string, message: PostedMessage): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run('MATCH (s:AlertStormSummary {orgId: $orgId, key: $key}) SET s.message = $message', { orgId, key: summaryKey, message: JSON.stringify(message) });
    });
  }

  async close(): Promise<void> {
    await this.release();
  }

  private async maybeSweep(now: number): Promise<void> {
    this.writes += 1;
    if (this.writes % sweepEvery !== 0) return;
    try {
      await this.db.write(async (tx) => {
        await tx.run('MATCH (w:AlertStormWindow) WHERE w.expiresAt <= $now WITH w LIMIT $batch DELETE w', { now, batch: int(1_000) });
        await tx.run('MATCH (s:AlertStormSummary) WHERE s.expiresAt <= $now WITH s LIMIT $batch DELETE s', { now, batch: int(1_000) });
      });
    } catch {
      // Retried at the next sweep.
    }
  }
}
