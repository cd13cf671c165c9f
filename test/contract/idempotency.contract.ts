import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../src/stores/idempotency.ts';

/**
 * The behaviour every IdempotencyStore must have. `make` receives the clock the store must use, so
 * expiry is tested without waiting; keys are random, so suites can share one server.
 */
export function idempotencyStoreContract(name: string, make: (now: () => number) => Promise<{ idempotency: IdempotencyStore; cleanup?: () => Promise<void> }>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let idempotency: IdempotencyStore;
    let cleanup: (() => Promise<void>) | undefined;
    let clock = 0;
    beforeEach(async () => {
      clock = Date.UTC(2025, 0, 1);
      ({ idempotency, cleanup } = await make(() => clock));
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('claims a key once until it expires', async () => {
      const key = newKey();
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(true);
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(false);
      clock += 59_999;
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(false);
      clock += 1;
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(true);
      // The new claim runs from now, whatever a later caller's ttl.
      await expect(idempotency.claim(key, 1_000)).resolves.toBe(false);
      clock += 59_999;
      await expect(idempotency.claim(key, 1)).resolves.toBe(false);
      clock += 1;
      await expect(idempotency.claim(key, 1_000)).resolves.toBe(true);
    });

    it('forgets a released claim, so the next claim wins; releasing an unknown key is harmless', async () => {
      const [key, other] = [newKey(), newKey()];
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(true);
      await expect(idempotency.claim(other, 60_000)).resolves.toBe(true);
      await idempotency.release(key);
      await idempotency.release(newKey());
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(true);
      await expect(idempotency.claim(key, 60_000)).resolves.toBe(false);
      await expect(idempotency.claim(other, 60_000)).resolves.toBe(false);
    });

    it('keeps keys apart, hostile ones included', async () => {
      const suffix = randomUUID();
      const keys = [`o'brien "x"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, '{', 'name:* OR', '{ Get { Runbook { text } } }', ''].map((k) => `${k}${suffix}`);
      for (const key of keys) await expect(idempotency.claim(key, 60_000)).resolves.toBe(true);
      for (const key of keys) await expect(idempotency.claim(key, 60_000)).resolves.toBe(false);
      await expect(idempotency.claim(`${suffix}-other`, 60_000)).resolves.toBe(true);
    });

    it('lets exactly one of 20 concurrent claims win, again after expiry', async () => {
      const key = newKey();
      const first = await Promise.all(Array.from({ length: 20 }, () => idempotency.claim(key, 5_000)));
      expect(first.filter(Boolean)).toHaveLength(1);
      clock += 5_000;
      const second = await Promise.all(Array.from({ length: 20 }, () => idempotency.claim(key, 5_000)));
      expect(second.filter(Boolean)).toHaveLength(1);
      const keys = Array.from({ length: 10 }, newKey);
      const distinct = await Promise.all(keys.map((k) => idempotency.claim(k, 5_000)));
      expect(distinct).toEqual(keys.map(() => true));
    });
  });
}

function newKey(): string {
  return `slack:T1:event:${randomUUID()}`;
}
