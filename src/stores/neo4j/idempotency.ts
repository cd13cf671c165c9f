import type { IdempotencyStore } from '../idempotency.ts';
import { int, type Neo4jConnection } from './driver.ts';

const sweepEvery = 200;
const sweepBatch = 1_000;
const sweepGraceMs = 10 * 60_000;

/**
 * Claims in Neo4j: one (:IdempotencyKey {key, expiresAt}) per key under a uniqueness constraint.
 * Keys are global by contract (callers put the organization, platform and event id in the key).
 */
export class Neo4jIdempotencyStore implements IdempotencyStore {
  private readonly releaseConnection: () => Promise<void>;
  private claims = 0;

  constructor(private readonly db: Neo4jConnection, private readonly now: () => number = Date.now) {
    this.releaseConnection = db.acquire();
  }

  /**
   * One write transaction: MERGE under the uniqueness constraint (concurrent creators of a key queue
   * on it), a write that takes the node's exclusive lock, then the expiry check and the claim. So of
   * any number of concurrent callers exactly one sees the key free.
   */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const claimed = await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (k:IdempotencyKey {key: $key})
        ON CREATE SET k.expiresAt = -1
        SET k.lockedBy = $lock`, { key, lock: `${now}-${Math.random()}` });
      const result = await tx.run<{ claimed: boolean }>(`
        MATCH (k:IdempotencyKey {key: $key})
        WITH k, k.expiresAt <= $now AS free
        FOREACH (_ IN CASE WHEN free THEN [1] ELSE [] END | SET k.expiresAt = $expiresAt)
        RETURN free AS claimed`, { key, now, expiresAt: now + ttlMs });
      return result.records[0]?.get('claimed') === true;
    });
    this.claims += 1;
    if (this.claims % sweepEvery === 0) await this.sweep(now);
    return claimed;
  }

  async release(key: string): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run('MATCH (k:IdempotencyKey {key: $key}) DELETE k', { key });
    });
  }

  async close(): Promise<void> {
    await this.releaseConnection();
  }

  /**
   * Expired keys are only history: remove a batch of them now and then (those expired a while ago,
   * so a sweep does not race a claim of the same key). Best effort: a failed sweep is retried later.
   */
  private async sweep(now: number): Promise<void> {
    try {
      await this.db.write(async (tx) => {
        await tx.run('MATCH (k:IdempotencyKey) WHERE k.expiresAt <= $before WITH k LIMIT $batch DELETE k', { before: now - sweepGraceMs, batch: int(sweepBatch) });
      });
    } catch {
      // Nothing depends on it.
    }
  }
}
