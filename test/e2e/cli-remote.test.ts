import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
import { startTestBot } from '../support/bot.ts';
import { runCli } from '../support/cli.ts';

/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

/**
 * The CLI acting on a running bot's stores through its /v1 API: an approval asked for by one
 * command is listed and decided by the next ones, and the audit shows it, instead of vanishing with
 * the process as on the embedded default.
 */
describe('cloud-companion against a running bot (--url / CLOUD_COMPANION_URL)', () => {
  let bot: RunningBot;
  let operator: string;
  let admin: string;

  beforeAll(async () => {
    bot = await startTestBot({});
    const keys = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() });
    operator = (await keys.create({ orgId: 'demo', role: 'operator', name: 'cli operator', createdBy: 'cli:test' })).key;
    admin = (await keys.create({ orgId: 'demo', role: 'admin', name: 'cli admin', createdBy: 'cli:test' })).key;
  });
  afterAll(async () => {
    await bot.stop(1_000);
  });

  it('asks, lists the approval it proposed, approves it once, and reads the audit of it', async () => {
    const env = { CLOUD_COMPANION_URL: bot.url, CLOUD_COMPANION_API_KEY: operator };
    const asked = await runCli(['ask', 'why is checkout-api slow?'], env);
    expect(asked.code, asked.stderr).toBe(0);
    const id = /Approval pending: .*\[aws\.ecs\.scale.*\] id (\S+)/.exec(asked.stdout)?.[1];
    expect(id, asked.stdout).toBeDefined();
    expect(asked.stderr).toContain(`held by the bot at ${bot.url}`);

    const listed = await runCli(['approvals', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${id}\tpending\taws.ecs.scale on checkout-api`);

    const approved = await runCli(['approvals', 'approve', id as string], env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^${id}\\tsucceeded`));
    expect((await bot.runtime.stores.approvals.get('demo', id as string))?.state).toBe('succeeded');

    const again = await runCli(['approvals', 'approve', id as string], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Nothing done: .*already/);

    // --url on the command line wins over the environment, and the audit needs an admin key.
    const audit = await runCli(['audit', '--url', bot.url, '--subject', id as string], { CLOUD_COMPANION_API_KEY: admin });
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/\tapproval\.approved\tapikey:/);
    expect(audit.stdout).toMatch(/\taction\.succeeded\t/);
  });

  it('says what is missing: a key, a reachable bot, a role', async () => {
    const noKey = await runCli(['approvals', 'list', '--url', bot.url], {});
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/CLOUD_COMPANION_API_KEY is not set.*keys create --org/);

    const closed = await closedPort();
    const down = await runCli(['approvals', 'list'], { CLOUD_COMPANION_URL: `http://127.0.0.1:${closed}`, CLOUD_COMPANION_API_KEY: operator });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`Cannot reach the bot at http://127.0.0.1:${closed} (ECONNREFUSED)`);

    const viewerAudit = await runCli(['audit'], { CLOUD_COMPANION_URL: bot.url, CLOUD_COMPANION_API_KEY: operator });
    expect(viewerAudit.code).toBe(1);
    expect(viewerAudit.stderr).toMatch(/refused GET \/v1\/audit.*higher --role/);
  });
});

describe('a one-shot ask on the embedded default', () => {
  it('says its approvals live only in this process, and how to act on them', async () => {
    const asked = await runCli(['ask', '--org', 'demo', 'why is checkout-api slow?'], {});
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/Approval pending: /);
    expect(asked.stderr).toMatch(/live only in this process.*gone when it exits/);
    expect(asked.stderr).toContain('services.mjs up neo4j');
    expect(asked.stderr).toContain('CLOUD_COMPANION_URL=http://127.0.0.1:3000');

    const listed = await runCli(['approvals', 'list', '--org', 'demo'], {});
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('');
    expect(listed.stderr).toMatch(/embedded stores of this one command/);
  }, 60_000);
});
