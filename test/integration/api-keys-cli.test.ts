import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { startTestBot } from '../support/bot.ts';
import { runCli } from '../support/cli.ts';

interface ListedKey { keyId: string; orgId: string; role: string; name: string; lastUsedAt?: string; revokedAt?: string; expiresAt?: string; status: string }

/**
 * The key lifecycle as an admin lives it: the CLI and the server are separate runtimes that share
 * only Neo4j (a real server), like a deployment.
 */
describe('API keys: CLI and server on real Neo4j', () => {
  let bot: RunningBot;
  let env: Record<string, string>;

  beforeAll(async () => {
    const services = inject('services');
    env = { NEO4J_URI: services.NEO4J_URI, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD };
    bot = await startTestBot(env);
  }, 120_000);
  afterAll(async () => {
    await bot.stop();
  });

  const get = (path: string, key: string) => fetch(`${bot.url}${path}`, { headers: { 'x-api-key': key } });
  const list = async (org: string): Promise<ListedKey[]> => {
    const run = await runCli(['keys', 'list', '--org', org, '--json'], env);
    expect(run.code).toBe(0);
    return run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as ListedKey);
  };

  it('creates a key shown once, which the server accepts; lists it with its last use; revokes it at once', async () => {
    const created = await runCli(['keys', 'create', '--org', 'demo', '--role', 'admin', '--name', 'CI runbooks', '--json'], env);
    expect(created.code).toBe(0);
    const { key, keyId, role, name } = JSON.parse(created.stdout) as { key: string; keyId: string; role: string; name: string };
    expect(key).toMatch(new RegExp(`^cc_${keyId}_[A-Za-z0-9_-]{43}$`));
    expect({ role, name }).toEqual({ role: 'admin', name: 'CI runbooks' });

    expect((await get('/v1/approvals', key)).status).toBe(200);
    const listed = (await list('demo')).find((k) => k.keyId === keyId);
    expect(listed).toMatchObject({ keyId, orgId: 'demo', role: 'admin', name: 'CI runbooks', status: 'active' });
    expect(listed?.lastUsedAt).toBeDefined();
    const secret = key.split('_').slice(2).join('_');
    expect(JSON.stringify(await list('demo'))).not.toContain(secret);
    expect((await list('globex')).some((k) => k.keyId === keyId)).toBe(false);

    const audit = await get(`/v1/audit?subjectId=${keyId}`, key);
    const events = (await audit.json() as { events: { type: string; actor: string }[] }).events;
    expect(events[0]).toMatchObject({ type: 'api_key.created' });
    expect(events[0]?.actor).toMatch(/^cli/);

    const wrongOrg = await runCli(['keys', 'revoke', keyId, '--org', 'globex'], env);
    expect(wrongOrg.code).toBe(2);
    expect(wrongOrg.stderr).toContain(`There is no API key ${keyId} in "globex"`);
    expect((await get('/v1/approvals', key)).status).toBe(200);

    const revoked = await runCli(['keys', 'revoke', key, '--org', 'demo'], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${keyId} ("CI runbooks")`);
    const refused = await get('/v1/approvals', key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toMatch(/was revoked at/);
    expect((await list('demo')).find((k) => k.keyId === keyId)?.status).toMatch(/^revoked /);
    const again = await runCli(['keys', 'revoke', keyId, '--org', 'demo'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was already revoked');
  });

  it('prints the key once in the human form, with an expiry when asked', async () => {
    const created = await runCli(['keys', 'create', '--org', 'globex', '--expires', '1h'], env);
    expect(created.code).toBe(0);
    const lines = created.stdout.split('\n');
    const key = lines.find((l) => l.startsWith('cc_')) ?? '';
    expect(key).toMatch(/^cc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stdout).toMatch(/role viewer, name "api key", expires \d{4}-\d{2}-\d{2}T/);
    expect(created.stdout).toContain('shown this once');
    const listed = (await list('globex')).find((k) => key.includes(k.keyId));
    expect(Date.parse(listed?.expiresAt ?? '') - Date.now()).toBeGreaterThan(50 * 60_000);
    expect((await get('/v1/resources?q=checkout-api', key)).status).toBe(200);
  });

  it('refuses an unknown organization and names the known ones', async () => {
    const run = await runCli(['keys', 'create', '--org', 'initech'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no organization "initech".*Known organizations: .*demo/);
  });
});
