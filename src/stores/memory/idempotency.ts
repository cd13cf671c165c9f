import type { IdempotencyStore } from '../idempotency.ts';

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly claimed = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const expires = this.claimed.get(key);
    if (expires !== undefined && expires > now) return false;
    this.claimed.set(key, now + ttlMs);
    if (this.claimed.size > 10_000) this.sweep(now);
    return true;
  }

  async release(key: string): Promise<void> {
    this.claimed.delete(key);
  }

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [key, expires] of this.claimed) if (expires <= now) this.claimed.delete(key);
  }
}
