import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/api/rate-limit.ts';

describe('RateLimiter', () => {
  it('lets a key burst to its limit, then refuses with the seconds until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter({ perKeyPerMinute: 3, perOrgPerMinute: 100 }, () => now);
    for (let i = 0; i < 3; i += 1) expect(limiter.take('acme', 'k1')).toEqual({ ok: true });
    // One token every 20 s.
    expect(limiter.take('acme', 'k1')).toEqual({ ok: false, scope: 'key', limitPerMinute: 3, retryAfterSeconds: 20 });
    now = 5_000;
    expect(limiter.take('acme', 'k1')).toEqual({ ok: false, scope: 'key', limitPerMinute: 3, retryAfterSeconds: 15 });
    now = 19_999;
    expect(limiter.take('acme', 'k1')).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    now = 20_000;
    expect(limiter.take('acme', 'k1')).toEqual({ ok: true });
    expect(limiter.take('acme', 'k1')).toMatchObject({ ok: false });
    // Another key of the organization has its own bucket.
    expect(limiter.take('acme', 'k2')).toEqual({ ok: true });
  });

  it('limits an organization across its keys, and a refusal takes from neither bucket', () => {
    let now = 0;
    const limiter = new RateLimiter({ perKeyPerMinute: 2, perOrgPerMinute: 3 }, () => now);
    expect(limiter.take('acme', 'k1')).toEqual({ ok: true });
    expect(limiter.take('acme', 'k1')).toEqual({ ok: true });
    expect(limiter.take('acme', 'k2')).toEqual({ ok: true });
    expect(limiter.take('acme', 'k2')).toEqual({ ok: false, scope: 'organization', limitPerMinute: 3, retryAfterSeconds: 20 });
    expect(limiter.take('acme', 'k3')).toMatchObject({ ok: false, scope: 'organization' });
    // Other organizations are not affected.
    expect(limiter.take('globex', 'g1')).toEqual({ ok: true });
    now = 20_000;
    // The refused calls took nothing: k2 still has one token, and the organization one again.
    expect(limiter.take('acme', 'k2')).toEqual({ ok: true });
    expect(limiter.take('acme', 'k2')).toMatchObject({ ok: false });
  });

  it('never lets more through in any window than the limit allows', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (gaps) => {
      let now = 0;
      const limiter = new RateLimiter({ perKeyPerMinute: 10, perOrgPerMinute: 1_000 }, () => now);
      const allowed: number[] = [];
      for (const gap of gaps) {
        now += gap;
        if (limiter.take('o', 'k').ok) allowed.push(now);
      }
      // A full bucket plus what refills in the window: at most 10 + 10·(window/60 s) in any window.
      for (let i = 0; i < allowed.length; i += 1) {
        const start = allowed[i] ?? 0;
        const inMinute = allowed.filter((t) => t >= start && t < start + 60_000).length;
        expect(inMinute).toBeLessThanOrEqual(20);
      }
    }));
  });

  it('forgets full buckets, so idle keys do not pile up', () => {
    let now = 0;
    const limiter = new RateLimiter({ perKeyPerMinute: 60, perOrgPerMinute: 600 }, () => now);
    for (let i = 0; i < 999; i += 1) limiter.take('o', `k${i}`);
    expect(limiter.tracked).toBe(1_000);
    now = 60_000;
    limiter.take('o', 'fresh');
    expect(limiter.tracked).toBe(2);
  });
});
