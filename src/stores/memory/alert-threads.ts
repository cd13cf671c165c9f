import { observeRecord, type AlertNotification, type AlertObservation, type AlertRecord, type AlertThread, type AlertThreadStore } from '../alert-threads.ts';

/** The embedded fingerprint → thread mapping: same contract as the Neo4j store, in process memory. */
export class MemoryAlertThreadStore implements AlertThreadStore {
  private readonly records = new Map<string, AlertRecord>();

  async observe(orgId: string, fingerprint: string, notification: AlertNotification, now: number, ttlMs: number): Promise<AlertObservation> {
    const key = keyOf(orgId, fingerprint);
    const { observation, next } = observeRecord(this.records.get(key), orgId, fingerprint, notification, now, ttlMs);
    if (next) this.records.set(key, structuredClone(next));
    if (this.records.size > 10_000) this.sweep(now);
    return structuredClone(observation);
  }

  async attach(orgId: string, fingerprint: string, thread: AlertThread, now: number, ttlMs: number): Promise<void> {
    const key = keyOf(orgId, fingerprint);
    const record = this.records.get(key);
    if (record) this.records.set(key, { ...record, thread: { ...thread }, expiresAt: now + ttlMs });
  }

  async release(orgId: string, fingerprint: string): Promise<void> {
    const key = keyOf(orgId, fingerprint);
    if (this.records.get(key)?.thread === undefined) this.records.delete(key);
  }

  async get(orgId: string, fingerprint: string, now: number): Promise<AlertRecord | undefined> {
    const record = this.records.get(keyOf(orgId, fingerprint));
    return record && record.expiresAt > now ? structuredClone(record) : undefined;
  }

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.records.delete(key);
  }
}

function keyOf(orgId: string, fingerprint: string): string {
  return `${orgId}\u0000${fingerprint}`;
}
