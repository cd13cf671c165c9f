import type { PostedMessage } from '../../chat/port.ts';
import type { AlertStormStore, StormSummary, SuppressedAlert } from '../alert-storms.ts';

interface Summary {
  entries: SuppressedAlert[];
  message?: PostedMessage;
  expiresAt: number;
}

/** The embedded storm limiter state: same contract as the Neo4j store, in process memory. */
export class MemoryAlertStormStore implements AlertStormStore {
  private readonly windows = new Map<string, { count: number; expiresAt: number }>();
  private readonly summaries = new Map<string, Summary>();

  async admit(orgId: string, windowKey: string, limit: number, now: number, ttlMs: number): Promise<boolean> {
    const key = keyOf(orgId, windowKey);
    const current = this.windows.get(key);
    const count = (current && current.expiresAt > now ? current.count : 0) + 1;
    this.windows.set(key, { count, expiresAt: current && current.expiresAt > now ? current.expiresAt : now + ttlMs });
    this.sweep(now);
    return count <= limit;
  }

  async suppress(orgId: string, summaryKey: string, alert: SuppressedAlert, now: number, ttlMs: number): Promise<StormSummary> {
    const key = keyOf(orgId, summaryKey);
    const existing = this.summaries.get(key);
    const summary: Summary = existing && existing.expiresAt > now ? existing : { entries: [], expiresAt: now + ttlMs };
    const added = !summary.entries.some((e) => e.fingerprint === alert.fingerprint);
    if (added) summary.entries.push({ ...alert });
    this.summaries.set(key, summary);
    return { entries: structuredClone(summary.entries), added, first: added && summary.entries.length === 1, ...(summary.message ? { message: { ...summary.message } } : {}) };
  }

  async setSummaryMessage(orgId: string, summaryKey: string, message: PostedMessage): Promise<void> {
    const summary = this.summaries.get(keyOf(orgId, summaryKey));
    if (summary) summary.message = { ...message };
  }

  async close(): Promise<void> {}

  private sweep(now: number): void {
    if (this.windows.size + this.summaries.size < 1_000) return;
    for (const [key, w] of this.windows) if (w.expiresAt <= now) this.windows.delete(key);
    for (const [key, s] of this.summaries) if (s.expiresAt <= now) this.summaries.delete(key);
  }
}

function keyOf(orgId: string, key: string): string {
  return `${orgId}\u0000${key}`;
}
