import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { FakeBotFrameworkIssuer, otherKey } from '../support/bot-framework-tokens.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postToSlackEndpoint, slackSignature, slashCommandBody } from '../support/slack-requests.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

/**
 * Every negative path of every authenticated surface, through the real server: Slack's request
 * signature and replay window, Bot Framework tokens (with an app id configured), alert-webhook
 * tokens and signatures, and HTTP API keys. A refusal is a 401/403 with nothing done: no chat
 * call, no background work, no store write.
 */
const appId = '00000000-0000-0000-0000-0000000000b0';
const demoTenant = '00000000-0000-0000-0000-000000000001';
const pagerDutySecret = 'pd-webhook-secret-0123456789';
const form = 'application/x-www-form-urlencoded';
const runs = Number(process.env.HARDENING_RUNS ?? 40);
const tried: Record<string, number> = {};
const count = (suite: string, n = 1): void => { tried[suite] = (tried[suite] ?? 0) + n; };

describe('authentication negatives, through the real server', () => {
  const slack = new FakeSlack();
  const teams = new FakeTeamsConnector();
  const issuer = new FakeBotFrameworkIssuer();
  const executor = new RecordingExecutor();
  let bot: RunningBot;
  let keys: ApiKeyService;

  beforeAll(async () => {
    await Promise.all([slack.start(), teams.start(), issuer.start()]);
    bot = await startTestBot({
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
      MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'test-client-secret', MICROSOFT_APP_TENANT_ID: demoTenant, MICROSOFT_OPENID_METADATA_URL: issuer.metadataUrl,
      ALERT_SECRET_DEMO_PAGERDUTY: pagerDutySecret, API_RATE_LIMIT_PER_KEY: '10000', API_RATE_LIMIT_PER_ORG: '10000',
    }, { executor });
    keys = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() });
    // Bolt's start-up auth.test is not a request's doing.
    slack.reset();
  });
  afterAll(async () => {
    await bot.stop();
    await Promise.all([slack.stop(), teams.stop(), issuer.stop()]);
    for (const [suite, n] of Object.entries(tried)) console.log(`[hardening] auth ${suite}: ${n} refused requests tried`);
  });

  async function nothingHappened(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    expect(slack.calls).toEqual([]);
    expect(slack.responses).toEqual([]);
    expect(teams.calls).toEqual([]);
    expect(executor.executed).toEqual([]);
  }

  describe('Slack: signature and replay window', () => {
    const events = (): string => `${bot.url}/slack/events`;
    const body = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: 'http://127.0.0.1:9/never' });

    it('refuses missing, wrong, tampered, stale, future and re-timed signatures', async () => {
      const now = Math.floor(Date.now() / 1000);
      const cases: [string, Parameters<typeof postToSlackEndpoint>[1]][] = [
        ['no signature', { secret: testSigningSecret, contentType: form, body, signature: '' }],
        ['signed with another secret', { secret: 'not-the-signing-secret', contentType: form, body }],
        ['v1 scheme', { secret: testSigningSecret, contentType: form, body, signature: slackSignature(testSigningSecret, now, body).replace('v0=', 'v1=') }],
        ['body changed after signing', { secret: testSigningSecret, contentType: form, body: body.replace('C0000OPS', 'C0000ALERTS'), signature: slackSignature(testSigningSecret, now, body), timestamp: now }],
        ['replayed after 6 minutes', { secret: testSigningSecret, contentType: form, body, timestamp: now - 6 * 60 }],
        ['replayed a day later', { secret: testSigningSecret, contentType: form, body, timestamp: now - 86_400 }],
        ['timestamp 6 minutes ahead', { secret: testSigningSecret, contentType: form, body, timestamp: now + 6 * 60 }],
        ['signature of another timestamp', { secret: testSigningSecret, contentType: form, body, timestamp: now, signature: slackSignature(testSigningSecret, now - 1, body) }],
        ['timestamp not a number', { secret: testSigningSecret, contentType: form, body, headers: { 'x-slack-request-timestamp': 'yesterday' } }],
      ];
      for (const [what, post] of cases) {
        const response = await postToSlackEndpoint(events(), post);
        expect(response.status, what).toBe(401);
        count('slack');
      }
      await nothingHappened();
    });

    it('refuses any single-byte change to a signed request (property)', async () => {
      await fc.assert(fc.asyncProperty(fc.nat({ max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
        const timestamp = Math.floor(Date.now() / 1000);
        const signature = slackSignature(testSigningSecret, timestamp, body);
        const bytes = Buffer.from(body);
        bytes[index] = ((bytes[index] ?? 0) + delta) % 256;
        const response = await fetch(events(), { method: 'POST', headers: { 'content-type': form, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature }, body: bytes });
        count('slack');
        return response.status === 401;
      }), { numRuns: runs });
      await nothingHappened();
    });
  });

  describe('Teams: Bot Framework tokens with an app id configured', () => {
    it('refuses unsigned, re-signed and garbage tokens', async () => {
      const serviceUrl = teams.serviceUrl(demoTenant);
      const mention = teamsActivity('channel-mention', serviceUrl);
      const good = { aud: appId, serviceurl: serviceUrl };
      const [header, payload] = issuer.token(good).split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload ?? ''}.`;
      const cases: [string, string][] = [
        ['alg none', `Bearer ${none}`],
        ['signature stripped', `Bearer ${header ?? ''}.${payload ?? ''}.`],
        ['payload swapped under a valid signature', `Bearer ${header ?? ''}.${Buffer.from(JSON.stringify({ ...good, aud: appId, iss: 'https://api.botframework.com', exp: 9_999_999_999 })).toString('base64url')}.${issuer.token(good).split('.')[2] ?? ''}`],
        ['signed with another key', `Bearer ${issuer.token(good, { key: otherKey() })}`],
        ['not yet valid', `Bearer ${issuer.token({ ...good, nbf: Math.floor(Date.now() / 1000) + 3600 })}`],
      ];
      for (const [what, authorization] of cases) {
        expect((await postActivity(bot.url, mention, authorization)).status, what).toBe(401);
        count('teams');
      }
      await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (garbage) => {
        const status = (await postActivity(bot.url, mention, `Bearer ${garbage}`)).status;
        count('teams');
        return status === 401;
      }), { numRuns: runs });
      await nothingHappened();
      expect(await bot.runtime.stores.references.get('teams', demoTenant, '19:ops0000000000000000000000000000@thread.tacv2')).toBeUndefined();
    });
  });

  describe('alert webhooks: tokens and signatures', () => {
    const payload = alertFixtureText('alertmanager/firing-group.json');
    const post = (source: string, headers: Record<string, string>, body = payload, query = ''): Promise<Response> =>
      fetch(`${bot.url}/alerts/${source}${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    it('refuses missing, wrong and mis-sourced credentials, and forged PagerDuty signatures', async () => {
      const pd = alertFixtureText('pagerduty/incident-triggered.json');
      const sign = (secret: string, body: string): string => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const cases: [string, Promise<Response>][] = [
        ['no credential', post('alertmanager', {})],
        ['wrong bearer token', post('alertmanager', { authorization: 'Bearer demo-alerts-token-x' })],
        ['token prefix', post('alertmanager', { authorization: 'Bearer demo-alerts' })],
        ['token in another case', post('alertmanager', { authorization: 'Bearer DEMO-ALERTS-TOKEN' })],
        ['wrong basic-auth password', post('alertmanager', { authorization: `Basic ${Buffer.from('sns:nope').toString('base64')}` })],
        ['wrong query token', post('alertmanager', {}, payload, '?token=nope')],
        ['the token as a basic-auth user name', post('alertmanager', { authorization: `Basic ${Buffer.from('demo-alerts-token:').toString('base64')}` })],
        ['PagerDuty signature with another secret', post('pagerduty', { 'x-pagerduty-signature': sign('other-secret', pd) }, pd)],
        ['PagerDuty signature of another body', post('pagerduty', { 'x-pagerduty-signature': sign(pagerDutySecret, `${pd} `) }, pd)],
        ['PagerDuty signature without its scheme', post('pagerduty', { 'x-pagerduty-signature': sign(pagerDutySecret, pd).slice(3) }, pd)],
        ['an API key that does not exist', post('alertmanager', { 'x-api-key': 'cc_0123456789abcdef_notasecret' })],
      ];
      for (const [what, response] of cases) {
        const r = await response;
        expect(r.status, what).toBe(401);
        count('alert-webhooks');
      }
      // The right signature is accepted, so the refusals above are about the credential alone.
      expect((await post('pagerduty', { 'x-pagerduty-signature': sign(pagerDutySecret, pd) }, pd)).status).toBeLessThan(300);
      await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
      slack.reset();
      await fc.assert(fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }).filter((t) => t !== 'demo-alerts-token' && t !== 'globex-alerts-token' && !/[\r\n]/.test(t)), async (token) => {
        const r = await post('grafana', { authorization: `Bearer ${encodeURIComponent(token)}` });
        count('alert-webhooks');
        return r.status === 401;
      }), { numRuns: runs });
      await nothingHappened();
    });
  });

  describe('HTTP API keys', () => {
    it('refuses missing, malformed, unknown, wrong-secret, revoked and expired keys, and a role below the route', async () => {
      const viewer = (await keys.create({ orgId: 'demo', role: 'viewer', name: 'v', createdBy: 'cli:test' })).key;
      const revoked = await keys.create({ orgId: 'demo', role: 'admin', name: 'r', createdBy: 'cli:test' });
      await keys.revoke('demo', revoked.summary.keyId, 'cli:test');
      // Made an hour ago (a service on a clock an hour behind), expired a second ago.
      const anHourAgo = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger(), now: () => new Date(Date.now() - 3_600_000) });
      const expired = (await anHourAgo.create({ orgId: 'demo', role: 'admin', name: 'e', createdBy: 'cli:test', expiresAt: new Date(Date.now() - 1000) })).key;
      const [, id = '', secret = ''] = /^cc_([^_]+)_(.+)$/.exec(viewer) ?? [];
      const ask = (key: string | undefined): Promise<Response> => fetch(`${bot.url}/v1/ask`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'x-api-key': key } : {}) }, body: JSON.stringify({ question: 'why is checkout-api slow?' }),
      });
      const cases: [string, string | undefined, number][] = [
        ['no key', undefined, 401], ['empty key', '', 401], ['not our format', 'sk-live-123', 401],
        ['unknown key id', `cc_ffffffffffffffff_${secret}`, 401], ['right id, wrong secret', `cc_${id}_${secret.slice(0, -1)}x`, 401],
        ['right id, secret of another length', `cc_${id}_${secret}extra`, 401], ['revoked', revoked.key, 401], ['expired', expired, 401],
      ];
      for (const [what, key, status] of cases) {
        expect((await ask(key)).status, what).toBe(status);
        count('api-keys');
      }
      // A viewer reads, but neither decides nor reads the audit log.
      const decision = await fetch(`${bot.url}/v1/approvals/00000000-0000-4000-8000-000000000000/decision`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': viewer }, body: '{"decision":"approve"}' });
      expect(decision.status).toBe(403);
      expect((await fetch(`${bot.url}/v1/audit`, { headers: { 'x-api-key': viewer } })).status).toBe(403);
      count('api-keys', 2);
      await fc.assert(fc.asyncProperty(fc.string({ maxLength: 120 }).filter((k) => !/[\r\n\0]/.test(k) && /^[\x20-\x7e]*$/.test(k)), async (key) => {
        const r = await ask(key);
        count('api-keys');
        return r.status === 401;
      }), { numRuns: runs });
      await nothingHappened();
      expect(await bot.runtime.stores.conversations.history('demo', { platform: 'api', workspaceId: 'api', channelId: 'api', threadId: 'x' })).toEqual([]);
    });
  });
});
