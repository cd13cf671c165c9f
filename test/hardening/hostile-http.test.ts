import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { approveActionId, denyActionId, undoActionId } from '../../adapters/slack/ids.ts';
import { WebhookSource } from '../../src/alerts/alert.ts';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
import { alertFixture, alertFixtureText } from '../support/alert-fixtures.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { CaseCounter, deepJson, hardeningRuns, hostileText, invalidUtf8, mutated, slackControlSequences } from '../support/hostile.ts';
import { postToSlackEndpoint, slackSignature, slashCommandBody } from '../support/slack-requests.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

/**
 * Hostile input through the real HTTP server, with valid credentials so it reaches the parsers:
 * generated Slack commands, events and clicks (signed), Teams activities, alert payloads of every
 * source and API bodies, plus oversized, deeply nested and non-UTF-8 bodies. Each is refused with a
 * 4xx or handled; never a 5xx, the server keeps answering, nothing runs, and whatever the bot
 * posts carries no link, mention or button that came from the input.
 */
const form = 'application/x-www-form-urlencoded';
const maxBodyBytes = 65_536;
const cases = new CaseCounter();
const demoTenant = '00000000-0000-0000-0000-000000000001';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Block { type: string; block_id?: string; elements?: { type: string; action_id?: string; value?: string; text?: unknown }[] }

describe('hostile input through the real server', () => {
  const slack = new FakeSlack();
  const teams = new FakeTeamsConnector();
  const executor = new RecordingExecutor();
  let bot: RunningBot;
  let apiKey: string;

  beforeAll(async () => {
    await Promise.all([slack.start(), teams.start()]);
    bot = await startTestBot({
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, TEAMS_ENABLED: 'true',
      MAX_BODY_BYTES: String(maxBodyBytes), API_RATE_LIMIT_PER_KEY: '100000', API_RATE_LIMIT_PER_ORG: '100000', ALERT_STORM_LIMIT: '1000',
    }, { executor });
    apiKey = (await new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() })
      .create({ orgId: 'demo', role: 'admin', name: 'fuzz', createdBy: 'cli:test' })).key;
  });
  afterAll(async () => {
    await bot.stop();
    await Promise.all([slack.stop(), teams.stop()]);
    cases.print('http');
  });
  beforeEach(() => {
    slack.reset();
    teams.reset();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
  }

  /** The server still answers, and nothing was executed. */
  async function stillStanding(): Promise<void> {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect(executor.executed).toEqual([]);
  }

  /**
   * Markup the bot writes itself, never from data: an approval's expiry as Slack's date token (its
   * fallback an ISO time), and a resource's name linked to its provider console page, a URL built from
   * the resource's id in the estate (the input cannot add a resource).
   */
  const botMarkup = [
    /^<!date\^\d+\^\{date_short_pretty\} at \{time\}\|\d{4}-\d{2}-\d{2}T[\d:.]+Z>$/,
    /^<https:\/\/([a-z0-9-]+\.)?(console\.aws\.amazon\.com|portal\.azure\.com|console\.cloud\.google\.com)\/[^\s<>|]*\|[a-z0-9._-]+>$/,
  ];

  /** Every mrkdwn and text field the bot sent to Slack: only the asker's own mention and the bot's own markup. */
  function expectSlackOutputNeutral(allowed: readonly string[]): void {
    for (const call of slack.calls) {
      const blocks = (call.args.blocks ?? []) as Block[];
      const texts = [String(call.args.text ?? ''), ...collectText(blocks)];
      for (const text of texts) expect(slackControlSequences(text).filter((s) => !allowed.includes(s) && !botMarkup.some((m) => m.test(s))), `${call.method}: ${text.slice(0, 200)}`).toEqual([]);
      for (const block of blocks) {
        for (const element of block.elements ?? []) {
          if (element.type !== 'button') continue;
          expect([approveActionId, denyActionId, undoActionId]).toContain(element.action_id);
          expect(element.value).toMatch(uuid);
          expect(block.block_id).toBe(`approval_actions:${element.value}`);
        }
      }
    }
  }

  const signedPost = (body: string | Uint8Array<ArrayBuffer>, contentType: string): Promise<Response> => {
    const timestamp = Math.floor(Date.now() / 1000);
    return fetch(`${bot.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(testSigningSecret, timestamp, Buffer.from(body).toString()) },
      body,
    });
  };

  it('Slack /cloud with hostile text: acked, answered in the thread, nothing in the reply is a link, mention or button from the input', async () => {
    await fc.assert(fc.asyncProperty(hostileText(3000), cases.counted('Slack slash command', async (text: string) => {
      const response = await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text, response_url: slack.responseUrl('fuzz') }) });
      expect(response.status).toBe(200);
    })), { numRuns: hardeningRuns });
    await settled();
    expect(slack.callsOf('chat.postMessage').length).toBeGreaterThan(0);
    expectSlackOutputNeutral(['<@U0000OPER>']);
    await stillStanding();
  });

  it('Slack events and clicks, mutated anywhere: 2xx or 4xx, never a crash, never an execution', async () => {
    const mention = {
      token: 'x', team_id: 'T00000001', api_app_id: 'A00000001', type: 'event_callback', event_id: 'Ev0FUZZ', event_time: 1700000000,
      authorizations: [{ team_id: 'T00000001', enterprise_id: null, user_id: 'UBOT00001', is_bot: true }],
      event: { type: 'app_mention', user: 'U0000OPER', text: '<@UBOT00001> why is checkout-api slow?', ts: '1700000100.000100', channel: 'C0000OPS', event_ts: '1700000100.000100' },
    };
    const click = {
      type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: 'U0000OPER', username: 'o', team_id: 'T00000001' }, api_app_id: 'A00000001', token: 'x',
      trigger_id: '1.2.3', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
      container: { type: 'message', message_ts: '1700000000.000002', thread_ts: '1700000000.000001' }, message: { type: 'message', ts: '1700000000.000002', thread_ts: '1700000000.000001', text: 'x', blocks: [] },
      actions: [{ type: 'button', block_id: 'x', action_id: approveActionId, value: '00000000-0000-4000-8000-000000000000', text: { type: 'plain_text', text: 'Approve' }, action_ts: '1' }],
    };
    let n = 0;
    // Bolt holds a request no listener acks for about 3 s before it gives up, so cases go in concurrent batches.
    const batch = 10;
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(mutated(mention), mutated(click)), { minLength: batch, maxLength: batch }), async (pairs) => {
      await Promise.all(pairs.map(async ([event, action]) => {
        cases.add('Slack event and click');
        // Unique event ids, so deduplication does not hide the handler from the input.
        n += 1;
        if (event && typeof event === 'object' && 'event_id' in event) (event as Record<string, unknown>).event_id = `Ev0FUZZ${n}`;
        const [e, c] = await Promise.all([signedPost(JSON.stringify(event), 'application/json'), signedPost(new URLSearchParams({ payload: JSON.stringify(action) }).toString(), form)]);
        expect(e.status, JSON.stringify(event).slice(0, 300)).toBeLessThan(500);
        expect(c.status, JSON.stringify(action).slice(0, 300)).toBeLessThan(500);
      }));
    }), { numRuns: Math.ceil(hardeningRuns / batch) });
    await settled();
    expectSlackOutputNeutral(['<@U0000OPER>']);
    await stillStanding();
  });

  it('Teams activities, mutated anywhere or with hostile text: never a 5xx, and no card carries a link from the input', async () => {
    const serviceUrl = teams.serviceUrl(demoTenant);
    let n = 0;
    const base = teamsActivity('channel-mention', serviceUrl);
    const arbitrary = fc.oneof(
      mutated(base),
      hostileText(3000).map((text) => ({ ...base, text: `<at>Cloud Companion</at> ${text}` })),
    );
    await fc.assert(fc.asyncProperty(arbitrary, cases.counted('Teams activity', async (activity: unknown) => {
      n += 1;
      // Keep the fake connector as the service URL (the bot posts there) and make each activity new.
      if (activity && typeof activity === 'object' && !Array.isArray(activity)) Object.assign(activity, { serviceUrl, id: `fuzz-${n}` });
      const response = await postActivity(bot.url, activity);
      expect(response.status).toBeLessThan(500);
    })), { numRuns: hardeningRuns });
    await settled();
    expect(teams.calls.length).toBeGreaterThan(0);
    // The only link a card may carry is a resource's console page, built from its id in the estate.
    const consoleLink = /\[console\]\(https:\/\/([a-z0-9-]+\.)?(console\.aws\.amazon\.com|portal\.azure\.com|console\.cloud\.google\.com)\/[^\s()<>]*\)/g;
    for (const call of teams.calls) expect(collectText(call.activity.attachments).join('\n').replace(consoleLink, '')).not.toMatch(/\]\(/);
    await stillStanding();
  });

  it('alert webhooks of every source, mutated anywhere: accepted, ignored or refused with the field; never a 5xx', async () => {
    for (const source of WebhookSource.options) {
      const fixture = alertFixture(`${source}/${source === 'cloudwatch' ? 'alarm-firing' : source === 'alertmanager' ? 'firing-group' : source === 'azure-monitor' ? 'metric-fired' : source === 'gcp-monitoring' ? 'incident-open' : source === 'grafana' ? 'firing' : source === 'datadog' ? 'triggered' : 'incident-triggered'}.json`);
      await fc.assert(fc.asyncProperty(mutated(fixture), cases.counted(`alert webhook ${source}`, async (body: unknown) => {
        const response = await fetch(`${bot.url}/alerts/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer demo-alerts-token' }, body: JSON.stringify(body) });
        expect(response.status).toBeLessThan(500);
        if (response.status === 400) expect(await response.json()).toMatchObject({ error: 'invalid_alert', source, field: expect.any(String) as string });
      })), { numRuns: Math.ceil(hardeningRuns / 2) });
    }
    await settled();
    expectSlackOutputNeutral([]);
    await stillStanding();
  });

  it('alert titles and summaries that spoof links and mentions are posted inert', async () => {
    await fc.assert(fc.asyncProperty(hostileText(200).filter((t) => t.trim().length > 0), hostileText(600), cases.counted('alert text spoofing', async (title: string, summary: string) => {
      const payload = JSON.parse(alertFixtureText('alertmanager/minimal-no-fingerprint.json')) as { alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
      const [first] = payload.alerts;
      if (first) {
        first.labels.alertname = title;
        first.annotations = { summary: title, description: summary };
      }
      const response = await fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer demo-alerts-token' }, body: JSON.stringify(payload) });
      expect(response.status).toBeLessThan(500);
    })), { numRuns: Math.ceil(hardeningRuns / 2) });
    await settled();
    expect(slack.callsOf('chat.postMessage').length).toBeGreaterThan(0);
    expectSlackOutputNeutral([]);
    await stillStanding();
  });

  it('the HTTP API: any body is a 400 naming the problem or an answer; never a 5xx', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.anything(), fc.record({ question: hostileText(5000) }), mutated({ question: 'why is checkout-api slow?' })), cases.counted('API body', async (body: unknown) => {
      const response = await fetch(`${bot.url}/v1/ask`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body: JSON.stringify(body) ?? 'null' });
      expect(response.status).toBeLessThan(500);
      const answer = await response.json() as { message?: string; reply?: unknown };
      expect(response.status === 200 ? answer.reply : answer.message).toBeDefined();
    })), { numRuns: hardeningRuns });
    await settled();
    await stillStanding();
  });

  describe('bodies no parser should see: oversized, deeply nested, not UTF-8', () => {
    const big = `{"a":"${'x'.repeat(maxBodyBytes * 2)}"}`;
    const deep = deepJson(50_000);
    const slackSigned = (body: string | Uint8Array<ArrayBuffer>, type: string): Promise<Response> => signedPost(body, type);
    const surfaces: [string, (body: string | Uint8Array<ArrayBuffer>, type: string) => Promise<Response>][] = [
      ['Slack events', slackSigned],
      ['Teams', (body, type) => fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': type }, body })],
      ['alert webhook', (body, type) => fetch(`${bot.url}/alerts/grafana`, { method: 'POST', headers: { 'content-type': type, authorization: 'Bearer demo-alerts-token' }, body })],
      ['API', (body, type) => fetch(`${bot.url}/v1/ask`, { method: 'POST', headers: { 'content-type': type, 'x-api-key': apiKey }, body })],
    ];

    for (const [surface, post] of surfaces) {
      it(`${surface}: refused with a 4xx, and the server keeps answering`, async () => {
        expect((await post(big, 'application/json')).status, 'oversized').toBe(413);
        const nested = (await post(deep, 'application/json')).status;
        expect(nested, 'deeply nested').toBeGreaterThanOrEqual(400);
        expect(nested, 'deeply nested').toBeLessThan(500);
        expect((await post(invalidUtf8, 'application/json')).status, 'invalid UTF-8').toBeLessThan(500);
        expect((await post('\u0000\u0001\u0002{', 'application/json')).status, 'control characters').toBeLessThan(500);
        expect((await post('{"a":1}', 'text/xml; charset=utf-16')).status, 'wrong content type').toBeLessThan(500);
        cases.add('oversized, deep and non-UTF-8 bodies', 5);
        await settled();
        await stillStanding();
      });
    }
  });
});

/** Every string under a text-like key, wherever it sits in blocks, attachments or cards. */
function collectText(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(collectText);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (typeof v === 'string' && ['text', 'value', 'title', 'url'].includes(k) ? [v] : collectText(v)));
  }
  return [];
}
