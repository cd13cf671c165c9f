import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSecret, keyPattern, newKey, parseKey, verifySecret } from '../../src/api/key-hash.ts';
import { ApiKeyService, parseExpiry } from '../../src/api/keys.ts';
import { isCompanionError } from '../../src/errors.ts';
import { silentLogger } from '../../src/logging.ts';
import { MemoryApiKeyStore } from '../../src/stores/memory/api-keys.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit.ts';
import { MemoryTenantDirectory } from '../../src/stores/memory/tenants.ts';
import { OrganizationConfig } from '../../src/tenancy/organization.ts';

describe('API key material', () => {
  it('makes keys of the documented form, each different, and parses them back', () => {
    const a = newKey();
    const b = newKey();
    expect(a.key).toMatch(keyPattern);
    expect(a.key).toBe(`cc_${a.keyId}_${a.secret}`);
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.secret).not.toBe(b.secret);
    expect(parseKey(a.key)).toEqual({ keyId: a.keyId, secret: a.secret });
    expect(parseKey(` ${a.key}\n`)).toEqual({ keyId: a.keyId, secret: a.secret });
  });

  it('refuses anything that is not a whole key', () => {
    const { key } = newKey();
    for (const bad of ['', 'cc_', key.slice(0, -1), `${key}x`, key.replace('cc_', 'cx_'), `Bearer ${key}`, key.toUpperCase(), `"${key}"`]) {
      expect(parseKey(bad), bad).toBeUndefined();
    }
  });

  it('hashes with a per-key salt and verifies only the right secret', async () => {
    const { secret } = newKey();
    const [one, two] = await Promise.all([hashSecret(secret), hashSecret(secret)]);
    expect(one).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain(secret);
    await expect(verifySecret(secret, one)).resolves.toBe(true);
    await expect(verifySecret(secret, two)).resolves.toBe(true);
    await expect(verifySecret(newKey().secret, one)).resolves.toBe(false);
    await expect(verifySecret(`${secret.slice(0, -1)}A`, one)).resolves.toBe(secret.endsWith('A'));
  });

  it('never matches a malformed stored hash', async () => {
    const { secret } = newKey();
    const good = await hashSecret(secret);
    const parts = good.split('$');
    for (const bad of ['', 'plain', good.replace('scrypt', 'md5'), [...parts.slice(0, 5), 'short'].join('$'), [parts[0], 'x', ...parts.slice(2)].join('$'), [parts[0], '0', ...parts.slice(2)].join('$')]) {
      await expect(verifySecret(secret, bad), bad).resolves.toBe(false);
    }
  });
});

describe('parseExpiry', () => {
  const now = new Date('2025-06-01T12:00:00.000Z');
  it('reads durations, dates and timestamps', () => {
    expect(parseExpiry('12h', now).toISOString()).toBe('2025-06-02T00:00:00.000Z');
    expect(parseExpiry('90d', now).toISOString()).toBe('2025-08-30T12:00:00.000Z');
    expect(parseExpiry('2w', now).toISOString()).toBe('2025-06-15T12:00:00.000Z');
    expect(parseExpiry('2026-01-31', now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseExpiry('2026-01-31T10:00:00+02:00', now).toISOString()).toBe('2026-01-31T08:00:00.000Z');
  });
  it('says what it accepts when it cannot read one', () => {
    const error: unknown = (() => { try { return parseExpiry('soon', now); } catch (e) { return e; } })();
    expect(isCompanionError(error) && error.toUserText()).toMatch(/"soon" is not an expiry.*12h, 90d or 4w.*2026-12-31/);
  });
});

describe('ApiKeyService', () => {
  let clock: Date;
  let store: MemoryApiKeyStore;
  let audit: MemoryAuditLog;
  let keys: ApiKeyService;

  beforeEach(() => {
    clock = new Date('2025-06-01T12:00:00.000Z');
    store = new MemoryApiKeyStore();
    audit = new MemoryAuditLog();
    const tenants = new MemoryTenantDirectory([OrganizationConfig.parse({ id: 'acme', name: 'Acme' }), OrganizationConfig.parse({ id: 'globex', name: 'Globex' })]);
    keys = new ApiKeyService({ store, audit, tenants, logger: silentLogger(), now: () => clock });
  });

  it('creates a key shown once, stores only its hash, and audits the creation', async () => {
    const { key, summary } = await keys.create({ orgId: 'acme', role: 'operator', name: 'CI runbooks', createdBy: 'cli:alice' });
    expect(key).toMatch(keyPattern);
    expect(summary).toEqual({ keyId: parseKey(key)?.keyId, orgId: 'acme', name: 'CI runbooks', role: 'operator', createdAt: clock.toISOString(), createdBy: 'cli:alice' });
    const stored = await store.find(summary.keyId);
    expect(JSON.stringify(stored)).not.toContain(parseKey(key)?.secret);
    expect(await keys.list('acme')).toEqual([summary]);
    expect(await keys.list('globex')).toEqual([]);
    expect(await audit.list('acme')).toEqual([expect.objectContaining({ type: 'api_key.created', actor: 'cli:alice', subjectId: summary.keyId, detail: { name: 'CI runbooks', role: 'operator', expiresAt: null } })]);
  });

  it('refuses unknown organizations and past expiries with what to do', async () => {
    const unknown: unknown = await keys.create({ orgId: 'nope', role: 'viewer', name: 'x', createdBy: 'cli' }).catch((e: unknown) => e);
    expect(isCompanionError(unknown) && unknown.code).toBe('tenant_unknown');
    expect(isCompanionError(unknown) && unknown.toUserText()).toContain('Known organizations: acme, globex.');
    const past: unknown = await keys.create({ orgId: 'acme', role: 'viewer', name: 'x', createdBy: 'cli', expiresAt: new Date(clock.getTime() - 1) }).catch((e: unknown) => e);
    expect(isCompanionError(past) && past.code).toBe('input_invalid');
    expect(await keys.list('acme')).toEqual([]);
  });

  it('authenticates a good key as its organization and role, and records the use', async () => {
    const { key, summary } = await keys.create({ orgId: 'acme', role: 'admin', name: 'portal', createdBy: 'cli' });
    clock = new Date('2025-06-02T00:00:00.000Z');
    await expect(keys.authenticate(key)).resolves.toEqual({ ok: true, principal: { keyId: summary.keyId, orgId: 'acme', role: 'admin', name: 'portal' } });
    expect((await store.find(summary.keyId))?.lastUsedAt).toBe('2025-06-02T00:00:00.000Z');
    clock = new Date('2025-06-03T00:00:00.000Z');
    await expect(keys.authenticate(key)).resolves.toMatchObject({ ok: true });
    expect((await store.find(summary.keyId))?.lastUsedAt).toBe('2025-06-03T00:00:00.000Z');
  });

  it('refuses missing, malformed and unknown keys with messages that say what to do', async () => {
    const missing = await keys.authenticate(undefined);
    expect(missing).toMatchObject({ ok: false, reason: 'missing' });
    expect(!missing.ok && missing.message).toMatch(/X-API-Key header.*cloud-companion keys create --org/);
    expect(await keys.authenticate('  ')).toMatchObject({ ok: false, reason: 'missing' });
    const { key } = newKey();
    const cut = await keys.authenticate(key.slice(0, 30));
    expect(cut).toMatchObject({ ok: false, reason: 'malformed' });
    expect(!cut.ok && cut.message).toContain(`it starts like key ${parseKey(key)?.keyId}`);
    const unknown = await keys.authenticate(key);
    expect(unknown).toMatchObject({ ok: false, reason: 'invalid' });
    expect(!unknown.ok && unknown.message).toMatch(/copied whole.*create a new one/);
  });

  it('answers a wrong secret like an unknown key, and audits it for the key\'s organization', async () => {
    const { key, summary } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'n8n', createdBy: 'cli' });
    await keys.authenticate(key);
    const forged = `cc_${summary.keyId}_${newKey().secret}`;
    const result = await keys.authenticate(forged);
    const unknown = await keys.authenticate(newKey().key);
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
    expect(!result.ok && !unknown.ok && result.message.replace(summary.keyId, 'X')).toBe(!unknown.ok && unknown.message.replace(/[0-9a-f]{16}/, 'X'));
    expect((await audit.list('acme')).map((e) => [e.type, e.detail['reason'] ?? null])).toEqual([['api_key.created', null], ['api_key.rejected', 'wrong_secret']]);
  });

  it('refuses a revoked key at once, even one verified a moment ago, and says so only to its holder', async () => {
    const { key, summary } = await keys.create({ orgId: 'acme', role: 'operator', name: 'ci', createdBy: 'cli' });
    await expect(keys.authenticate(key)).resolves.toMatchObject({ ok: true });
    await expect(keys.revoke('globex', summary.keyId, 'cli:mallory')).resolves.toEqual({ ok: false, reason: 'not_found' });
    await expect(keys.authenticate(key)).resolves.toMatchObject({ ok: true });
    await expect(keys.revoke('acme', summary.keyId, 'cli:alice')).resolves.toMatchObject({ ok: true });
    const revoked = await keys.authenticate(key);
    expect(revoked).toMatchObject({ ok: false, reason: 'revoked' });
    expect(!revoked.ok && revoked.message).toMatch(new RegExp(`${summary.keyId}.*revoked at ${clock.toISOString()}.*keys create --org acme`));
    const forged = await keys.authenticate(`cc_${summary.keyId}_${newKey().secret}`);
    expect(forged).toMatchObject({ ok: false, reason: 'invalid' });
    expect((await audit.list('acme')).map((e) => e.type)).toEqual(['api_key.created', 'api_key.revoked', 'api_key.rejected', 'api_key.rejected']);
    expect(await audit.list('globex')).toEqual([]);
  });

  it('refuses a key from its expiry on', async () => {
    const { key } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'temp', createdBy: 'cli', expiresAt: new Date('2025-06-01T13:00:00.000Z') });
    clock = new Date('2025-06-01T12:59:59.999Z');
    await expect(keys.authenticate(key)).resolves.toMatchObject({ ok: true });
    clock = new Date('2025-06-01T13:00:00.000Z');
    const expired = await keys.authenticate(key);
    expect(expired).toMatchObject({ ok: false, reason: 'expired' });
    expect(!expired.ok && expired.message).toMatch(/expired at 2025-06-01T13:00:00.000Z.*keys create --org acme/);
  });

  it('re-verifies when the stored hash changes under a cached key', async () => {
    const { key, summary } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'ci', createdBy: 'cli' });
    await expect(keys.authenticate(key)).resolves.toMatchObject({ ok: true });
    // The record is re-keyed (e.g. restored from elsewhere) under the same id: the verification cached for the old hash must not carry over.
    const record = await store.find(summary.keyId);
    if (!record) throw new Error('stored key missing');
    const otherHash = await hashSecret(newKey().secret);
    const find = store.find.bind(store);
    store.find = async (keyId) => (keyId === summary.keyId ? { ...record, hash: otherHash } : find(keyId));
    await expect(keys.authenticate(key)).resolves.toMatchObject({ ok: false, reason: 'invalid' });
  });

  describe('failed logins', () => {
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
      const started = performance.now();
      const value = await work();
      return { value, ms: performance.now() - started };
    }

    it('are refused before the store is read or any hash runs once a key id has failed too often; a key this replica verified still passes at once', async () => {
      keys = new ApiKeyService({ store, audit, tenants: new MemoryTenantDirectory([OrganizationConfig.parse({ id: 'acme', name: 'Acme' })]), logger: silentLogger(), now: () => clock, loginFailures: { perSourcePerMinute: 1000, perKeyPerMinute: 5 } });
      const { key, summary } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'ci', createdBy: 'cli' });
      await expect(keys.authenticate(key, '10.0.0.1')).resolves.toMatchObject({ ok: true });
      let reads = 0;
      const find = store.find.bind(store);
      store.find = async (keyId) => {
        reads += 1;
        return find(keyId);
      };
      const forged = (): string => `cc_${summary.keyId}_${newKey().secret}`;
      const attempts = await Promise.all(Array.from({ length: 40 }, (_, i) => timed(() => keys.authenticate(forged(), `198.51.100.${i}`))));
      const refused = attempts.filter((a) => !a.value.ok && a.value.reason === 'rate_limited');
      expect(attempts.filter((a) => !a.value.ok && a.value.reason === 'invalid')).toHaveLength(5);
      expect(refused).toHaveLength(35);
      // Only the five allowed failures read the store (and hashed); the rest cost next to nothing.
      expect(reads).toBe(5);
      expect(refused.every((a) => !a.value.ok && (a.value.retryAfterSeconds ?? 0) >= 1)).toBe(true);
      // The holder of the real key, already verified here, is not locked out by the flood, nor slowed by it.
      const good = await timed(() => keys.authenticate(key, '10.0.0.1'));
      expect(good.value).toMatchObject({ ok: true });
      expect(good.ms).toBeLessThan(20);
      // A minute later the key id may be tried again.
      clock = new Date(clock.getTime() + 60_000);
      await expect(keys.authenticate(forged(), '198.51.100.1')).resolves.toMatchObject({ ok: false, reason: 'invalid' });
    });

    it('are limited per source address across key ids', async () => {
      keys = new ApiKeyService({ store, audit, tenants: new MemoryTenantDirectory([OrganizationConfig.parse({ id: 'acme', name: 'Acme' })]), logger: silentLogger(), now: () => clock, loginFailures: { perSourcePerMinute: 3, perKeyPerMinute: 1000 } });
      const { key } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'ci', createdBy: 'cli' });
      for (let i = 0; i < 3; i += 1) await expect(keys.authenticate(newKey().key, '203.0.113.9')).resolves.toMatchObject({ ok: false, reason: 'invalid' });
      await expect(keys.authenticate(newKey().key, '203.0.113.9')).resolves.toMatchObject({ ok: false, reason: 'rate_limited' });
      await expect(keys.authenticate(key, '203.0.113.9')).resolves.toMatchObject({ ok: false, reason: 'rate_limited' });
      await expect(keys.authenticate(key, '192.0.2.1')).resolves.toMatchObject({ ok: true });
    });

    it('are audited once per key and reason a minute, with the number of attempts, not once each', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout'] });
      try {
        const { summary } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'ci', createdBy: 'cli' });
        for (let i = 0; i < 8; i += 1) await keys.authenticate(`cc_${summary.keyId}_${newKey().secret}`, `198.51.100.${i}`);
        const rejected = async () => (await audit.list('acme')).filter((e) => e.type === 'api_key.rejected').map((e) => e.detail);
        expect(await rejected()).toEqual([{ reason: 'wrong_secret', attempts: 1, windowSeconds: 60 }]);
        await vi.advanceTimersByTimeAsync(60_000);
        expect(await rejected()).toEqual([{ reason: 'wrong_secret', attempts: 1, windowSeconds: 60 }, { reason: 'wrong_secret', attempts: 7, windowSeconds: 60 }]);
      } finally {
        vi.useRealTimers();
      }
    });

    it('cost the same for a key id that does not exist as for a wrong secret, so timing does not tell which ids exist', async () => {
      const { summary } = await keys.create({ orgId: 'acme', role: 'viewer', name: 'ci', createdBy: 'cli' });
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        wrong.push((await timed(() => keys.authenticate(`cc_${summary.keyId}_${newKey().secret}`, `198.51.100.${i}`))).ms);
        unknown.push((await timed(() => keys.authenticate(newKey().key, `203.0.113.${i}`))).ms);
      }
      // Both run one scrypt of the same parameters (tens of milliseconds); without the dummy hash an unknown id answers in well under a millisecond.
      expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.4);
      expect(median(wrong)).toBeGreaterThan(median(unknown) * 0.4);
    });
  });
});
