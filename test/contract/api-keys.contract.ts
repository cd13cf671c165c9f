import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, ApiKeyStore } from '../../src/stores/api-keys.ts';
import { isCompanionError } from '../../src/errors.ts';

/** The behaviour every ApiKeyStore must have; tests use random organizations and key ids. */
export function apiKeyStoreContract(name: string, make: () => Promise<{ apiKeys: ApiKeyStore; cleanup?: () => Promise<void> }>): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    let apiKeys: ApiKeyStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ apiKeys, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('finds a key by id exactly as created, optional fields absent when unset', async () => {
      const full = key(newOrg(), { name: `o'brien "ci" {}`, role: 'admin', expiresAt: '2031-01-01T00:00:00.000Z', lastUsedAt: '2025-01-02T00:00:00.000Z' });
      await apiKeys.create(full);
      await expect(apiKeys.find(full.keyId)).resolves.toEqual(full);
      const plain = key(full.orgId);
      await apiKeys.create(plain);
      const read = await apiKeys.find(plain.keyId);
      expect(read).toEqual(plain);
      for (const field of ['expiresAt', 'revokedAt', 'revokedBy', 'lastUsedAt']) expect(read && field in read).toBe(false);
      await expect(apiKeys.find(newKeyId())).resolves.toBeUndefined();
    });

    it('refuses a second key with the same id, in any organization', async () => {
      const first = key(newOrg());
      await apiKeys.create(first);
      for (const again of [{ ...first, name: 'again' }, { ...first, orgId: newOrg() }]) {
        const error: unknown = await apiKeys.create(again).then(() => undefined, (e: unknown) => e);
        expect(isCompanionError(error) && error.code).toBe('conflict');
      }
      await expect(apiKeys.find(first.keyId)).resolves.toEqual(first);
    });

    it('lists one organization\'s keys, newest first, without hashes', async () => {
      const org = newOrg();
      const keys = [1, 2, 3].map((i) => key(org, { createdAt: `2025-01-0${i}T00:00:00.000Z` }));
      for (const k of keys) await apiKeys.create(k);
      await apiKeys.create(key(newOrg()));
      const listed = await apiKeys.list(org);
      expect(listed.map((k) => k.keyId)).toEqual([keys[2]?.keyId, keys[1]?.keyId, keys[0]?.keyId]);
      for (const summary of listed) expect('hash' in summary).toBe(false);
      await expect(apiKeys.list(newOrg())).resolves.toEqual([]);
    });

    it('revokes once, only within the key\'s organization', async () => {
      const k = key(newOrg());
      await apiKeys.create(k);
      await expect(apiKeys.revoke(newOrg(), k.keyId, '2025-02-01T00:00:00.000Z', 'mallory')).resolves.toEqual({ ok: false, reason: 'not_found' });
      expect((await apiKeys.find(k.keyId))?.revokedAt).toBeUndefined();
      await expect(apiKeys.revoke(k.orgId, newKeyId(), '2025-02-01T00:00:00.000Z', 'alice')).resolves.toEqual({ ok: false, reason: 'not_found' });

      const revoked = await apiKeys.revoke(k.orgId, k.keyId, '2025-02-01T00:00:00.000Z', 'alice');
      expect(revoked).toEqual({ ok: true, key: expect.objectContaining({ keyId: k.keyId, revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'alice' }) });
      const again = await apiKeys.revoke(k.orgId, k.keyId, '2025-03-01T00:00:00.000Z', 'bob');
      expect(again).toEqual({ ok: false, reason: 'already_revoked', key: expect.objectContaining({ revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'alice' }) });
      expect(await apiKeys.find(k.keyId)).toEqual({ ...k, revokedAt: '2025-02-01T00:00:00.000Z', revokedBy: 'alice' });
    });

    it('lets exactly one of 10 concurrent revokes win', async () => {
      const k = key(newOrg());
      await apiKeys.create(k);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => apiKeys.revoke(k.orgId, k.keyId, `2025-02-01T00:00:0${i}.000Z`, `admin-${i}`)));
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const stored = await apiKeys.find(k.keyId);
      expect(winners[0]?.ok && stored && { revokedAt: stored.revokedAt, revokedBy: stored.revokedBy }).toEqual(winners[0]?.ok && { revokedAt: winners[0].key.revokedAt, revokedBy: winners[0].key.revokedBy });
    });

    it('moves last-used forward only, and only within the key\'s organization', async () => {
      const k = key(newOrg());
      await apiKeys.create(k);
      await apiKeys.touch(k.orgId, k.keyId, '2025-05-01T00:00:00.000Z');
      expect((await apiKeys.find(k.keyId))?.lastUsedAt).toBe('2025-05-01T00:00:00.000Z');
      await apiKeys.touch(k.orgId, k.keyId, '2025-04-01T00:00:00.000Z');
      expect((await apiKeys.find(k.keyId))?.lastUsedAt).toBe('2025-05-01T00:00:00.000Z');
      await apiKeys.touch(newOrg(), k.keyId, '2025-06-01T00:00:00.000Z');
      expect((await apiKeys.find(k.keyId))?.lastUsedAt).toBe('2025-05-01T00:00:00.000Z');
      // Replicas report uses concurrently and out of order: the latest wins.
      const days = Array.from({ length: 20 }, (_, i) => `2025-07-${String(i + 1).padStart(2, '0')}T00:00:00.000Z`);
      const shuffled = [...days.slice(10), ...days.slice(0, 10).reverse()];
      await Promise.all(shuffled.map((at) => apiKeys.touch(k.orgId, k.keyId, at)));
      expect((await apiKeys.find(k.keyId))?.lastUsedAt).toBe('2025-07-20T00:00:00.000Z');
      await apiKeys.touch(k.orgId, newKeyId(), '2025-09-01T00:00:00.000Z');
    });
  });
}

function newOrg(): string {
  return `org-${randomUUID()}`;
}

function newKeyId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 16);
}

function key(orgId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    keyId: newKeyId(),
    orgId,
    name: 'ci',
    role: 'viewer',
    hash: `scrypt$32768$8$1$${randomUUID()}$${randomUUID()}`,
    createdAt: '2025-01-01T00:00:00.000Z',
    createdBy: 'cli:alice',
    ...overrides,
  };
}
