/**
 * Token buckets per API key and per organization, in this process's memory: each replica enforces
 * the limits on the requests it receives (documented in the README). A bucket holds `perMinute`
 * tokens and refills continuously, so a client may burst up to the limit and then sustain it.
 */
export interface RateLimits {
  perKeyPerMinute: number;
  perOrgPerMinute: number;
}

export type RateDecision =
  | { ok: true }
  | { ok: false; scope: 'key' | 'organization'; limitPerMinute: number; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class Buckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(readonly perMinute: number) {
    this.perMs = perMinute / 60_000;
  }

  /** Tokens now, after refilling since the last look. */
  level(id: string, now: number): Bucket {
    const bucket = this.buckets.get(id) ?? { tokens: this.perMinute, at: now };
    const tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.perMs);
    const current = { tokens, at: now };
    this.buckets.set(id, current);
    return current;
  }

  /** Milliseconds until the bucket holds one whole token. */
  waitMs(bucket: Bucket): number {
    return bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / this.perMs;
  }

  /** Full buckets are the same as absent ones: forget them so the maps stay small. */
  sweep(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.perMinute) this.buckets.delete(id);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

export class RateLimiter {
  private readonly keys: Buckets;
  private readonly orgs: Buckets;
  private checks = 0;

  constructor(limits: RateLimits, private readonly now: () => number = Date.now) {
    this.keys = new Buckets(limits.perKeyPerMinute);
    this.orgs = new Buckets(limits.perOrgPerMinute);
  }

  /** Takes one token from both the key's and the organization's bucket, or from neither. */
  take(orgId: string, keyId: string): RateDecision {
    const now = this.now();
    if (++this.checks % 1_000 === 0) {
      this.keys.sweep(now);
      this.orgs.sweep(now);
    }
    const key = this.keys.level(keyId, now);
    const org = this.orgs.level(orgId, now);
    const keyWait = this.keys.waitMs(key);
    const orgWait = this.orgs.waitMs(org);
    if (keyWait > 0 || orgWait > 0) {
      const byKey = keyWait >= orgWait;
      return {
        ok: false,
        scope: byKey ? 'key' : 'organization',
        limitPerMinute: byKey ? this.keys.perMinute : this.orgs.perMinute,
        retryAfterSeconds: Math.max(1, Math.ceil(Math.max(keyWait, orgWait) / 1000)),
      };
    }
    key.tokens -= 1;
    org.tokens -= 1;
    return { ok: true };
  }

  /** Buckets currently tracked (for tests of the sweep). */
  get tracked(): number {
    return this.keys.size + this.orgs.size;
  }
}
