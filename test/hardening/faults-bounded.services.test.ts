import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { teamsActivity } from '../support/teams-activities.ts';

/**
 * Bounded answers on the real Neo4j (issue #21): a frozen database costs each request one
 * transaction timeout and a 503 with Retry-After, on every endpoint; a signed slash command replayed
 * to two replicas opens one thread; a flood of wrong secrets for a real key id is refused before any
 * hash, while the key's holder is answered as fast as before.
 */
describe('bounded faults on the real Neo4j', () => {
  const slack = new FakeSlack();
  let neo4j: TcpProxy;
  let bot: RunningBot;
  let replica: RunningBot;
  let keys: ApiKeyService;
  const form = 'application/x-www-form-urlencoded';

  beforeAll(async () => {
    await slack.start();
    const services = inject('services');
    neo4j = await TcpProxy.forUrl(services.NEO4J_URI.replace(/^(bolt|neo4j)/, 'http')).start();
    const env = {
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, TEAMS_ENABLED: 'true',
      NEO4J_URI: `bolt://127.0.0.1:${neo4j.port}`, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
      NEO4J_TRANSACTION_TIMEOUT_SECONDS: '1', API_LOGIN_FAILURES_PER_KEY: '5', API_LOGIN_FAILURES_PER_SOURCE: '1000',
    };
    bot = await startTestBot(env);
    // A second replica on the same database, reached without the proxy.
    replica = await startTestBot({ ...env, NEO4J_URI: services.NEO4J_URI });
    keys = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() });
  }, 120_000);
  afterAll(async () => {
    neo4j.thaw();
    await Promise.all([bot.stop(), replica.stop()]);
    await Promise.all([slack.stop(), neo4j.stop()]);
  });

  it('Neo4j frozen: alert webhooks, /v1/ask, decisions and Teams answer 503 with Retry-After within a bounded time, and work again after', async () => {
    const { key } = await keys.create({ orgId: 'demo', role: 'admin', name: 'faults', createdBy: 'cli:faults' });
    const api = (path: string, body: unknown) => fetch(`${bot.url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
    expect((await api('/v1/ask', { question: 'deps checkout-db' })).status).toBe(200);
    neo4j.freeze();
    try {
      const started = Date.now();
      const answers = await Promise.all([
        fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { authorization: 'Bearer demo-alerts-token', 'content-type': 'application/json' }, body: alertFixtureText('alertmanager/firing-group.json'), signal: AbortSignal.timeout(15_000) }),
        api('/v1/ask', { question: 'deps checkout-db' }),
        api(`/v1/approvals/${randomUUID()}/decision`, { decision: 'approve' }),
        fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(teamsActivity('channel-mention', slack.url, (a) => { a.id = randomUUID(); })), signal: AbortSignal.timeout(15_000) }),
      ]);
      const elapsed = Date.now() - started;
      expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503]);
      for (const answer of answers) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      // One transaction timeout (1 s) and the client's grace, not the freeze and not Node's defaults.
      expect(elapsed).toBeLessThan(8_000);
    } finally {
      neo4j.thaw();
    }
    await vi.waitFor(async () => expect((await api('/v1/ask', { question: 'deps checkout-db' })).status).toBe(200), { timeout: 30_000, interval: 500 });
  }, 60_000);

  it('a signed /cloud body replayed to two replicas within the window opens one thread', async () => {
    slack.reset();
    const marker = randomUUID().slice(0, 8);
    const body = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: `deps checkout-db ${marker}`, response_url: slack.responseUrl('replay') });
    const timestamp = Math.floor(Date.now() / 1000);
    const acks = await Promise.all([bot, replica, bot, replica, bot].map((target) => postToSlackEndpoint(`${target.url}/slack/events`, { secret: testSigningSecret, contentType: form, body, timestamp })));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await vi.waitFor(() => expect(bot.background.size + replica.background.size).toBe(0), { timeout: 30_000, interval: 50 });
    const parents = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined && String(c.args.text).includes(marker));
    expect(parents).toHaveLength(1);
  }, 60_000);

  it('a login flood on a real key id is refused before hashing and audited in aggregate; the key\'s holder is answered as fast as before', async () => {
    const { key, summary } = await keys.create({ orgId: 'demo', role: 'viewer', name: 'flood', createdBy: 'cli:faults' });
    const get = async (secretKey: string): Promise<{ status: number; ms: number }> => {
      const started = performance.now();
      const response = await fetch(`${bot.url}/v1/approvals`, { headers: { 'x-api-key': secretKey }, signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    expect((await get(key)).status).toBe(200);
    const before: number[] = [];
    for (let i = 0; i < 10; i += 1) before.push((await get(key)).ms);

    const forged = `cc_${summary.keyId}_${'A'.repeat(43)}`;
    const during: number[] = [];
    const [flood] = await Promise.all([
      Promise.all(Array.from({ length: 150 }, () => get(forged))),
      (async () => {
        for (let i = 0; i < 10; i += 1) {
          const answer = await get(key);
          expect(answer.status).toBe(200);
          during.push(answer.ms);
        }
      })(),
    ]);
    const statuses = flood.map((a) => a.status);
    // Five failures per key id a minute are checked (one scrypt each); the other 145 are refused unhashed.
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(145);
    expect(median(during)).toBeLessThan(Math.max(median(before) * 3, median(before) + 100));
    // One audit entry for the first wrong secret; the rest are counted into one entry when the minute closes.
    const audit = await bot.runtime.stores.audit.list('demo', { subjectId: summary.keyId });
    expect(audit.filter((e) => e.type === 'api_key.rejected')).toHaveLength(1);
  }, 90_000);
});
