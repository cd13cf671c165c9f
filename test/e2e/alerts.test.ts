import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { alertFixture, alertFixtureText } from '../support/alert-fixtures.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { postToSlackEndpoint } from '../support/slack-requests.ts';

const demoToken = 'demo-alerts-token';
const globexToken = 'globex-alerts-token';
const pagerDutySecret = 'pd-webhook-secret-0123456789';

interface Block { type: string; block_id?: string; text?: { text: string } }

/** POSTs a payload to /alerts/:source the way the provider would, with the organization's token. */
async function postAlert(bot: RunningBot, source: string, body: string, options: { token?: string; headers?: Record<string, string>; contentType?: string } = {}): Promise<Response> {
  return fetch(`${bot.url}/alerts/${source}`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body,
  });
}

async function settled(bot: RunningBot): Promise<void> {
  await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });
}

/**
 * The messages posted, as people see them now: an investigation's "Investigating…" note has been
 * replaced by its answer (chat.update), so the text is the answer's.
 */
const posts = (slack: FakeSlack): SlackCall[] => slack.callsOf('chat.postMessage').map((c) => ({ ...c, args: { ...c.args, ...slack.latest(c.ts)?.args, channel: c.args.channel, ...(c.args.thread_ts ? { thread_ts: c.args.thread_ts } : {}) } }));
const text = (call: SlackCall | undefined): string => JSON.stringify([call?.args.text, call?.args.blocks]);

describe('alert webhooks end to end, on Slack', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, ALERT_SECRET_DEMO_PAGERDUTY: pagerDutySecret });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  it('CloudWatch via SNS: posts the alarm in the alert channel, investigates in its thread; a retry is dropped, a re-fire joins, a resolve updates', async () => {
    // SNS posts JSON with Content-Type text/plain; the token comes as the basic-auth password of the subscription URL.
    const basic = `Basic ${Buffer.from(`sns:${demoToken}`).toString('base64')}`;
    const sns = { contentType: 'text/plain; charset=UTF-8', headers: { authorization: basic, 'x-amz-sns-message-type': 'Notification' } };
    const fired = await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/alarm-firing.json'), sns);
    expect(fired.status).toBe(202);
    await expect(fired.json()).resolves.toEqual({ status: 'accepted', alerts: 1 });
    await settled(bot);

    const [parent, investigation] = posts(slack);
    expect(posts(slack)).toHaveLength(2);
    expect(parent?.args).toMatchObject({ channel: 'C0000ALERTS' });
    expect(parent?.args.thread_ts).toBeUndefined();
    expect(String(parent?.args.text)).toBe('🔥 checkout-api-cpu-high');
    // Slack mrkdwn: data is escaped, so `>` arrives as &gt;.
    expect(text(parent)).toContain('average CPUUtilization &gt; 80 (observed 95.36)');
    expect(text(parent)).toContain('arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api');
    const parentTs = parent?.ts;
    expect(investigation?.args).toMatchObject({ channel: 'C0000ALERTS', thread_ts: parentTs });
    // The thread got "Investigating…" at once, which the answer then replaced.
    expect(slack.callsOf('chat.postMessage')[1]?.args.text).toBe('🔎 Investigating checkout-api-cpu-high…');
    expect(slack.callsOf('chat.update').map((c) => c.args.ts)).toEqual([investigation?.ts]);
    expect(String(investigation?.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    const blocks = investigation?.args.blocks as Block[];
    expect(JSON.stringify(blocks)).toContain('Alert:* checkout-api-cpu-high (firing');
    // The alert channel allows ECS actions: the runbook's remedy is proposed for approval, never run.
    expect(blocks.some((b) => b.block_id?.startsWith('approval:') && b.text?.text.includes('aws.ecs.scale'))).toBe(true);
    // The thread's history, under the key a later @mention in this thread uses, starts with the alert itself.
    const history = await bot.runtime.stores.conversations.history('demo', { platform: 'slack', workspaceId: ':T00000001', channelId: 'C0000ALERTS', threadId: parentTs as string });
    expect(history[0]).toMatchObject({ role: 'user', text: expect.stringMatching(/^Alert firing from cloudwatch: checkout-api-cpu-high/) });

    // SNS redelivers the same MessageId: nothing new.
    slack.reset();
    const retry = await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/alarm-firing.json'), sns);
    await expect(retry.json()).resolves.toEqual({ status: 'duplicate' });
    await settled(bot);
    expect(slack.calls).toHaveLength(0);

    // The alarm goes OK→ALARM again: a note in the same thread, no second investigation.
    const refired = await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/alarm-refired.json'), sns);
    expect(refired.status).toBe(202);
    await settled(bot);
    expect(posts(slack)).toHaveLength(1);
    expect(posts(slack)[0]?.args).toMatchObject({ channel: 'C0000ALERTS', thread_ts: parentTs });
    expect(String(posts(slack)[0]?.args.text)).toMatch(/^🔁 Fired again at 2025-01-14 12:05 UTC .*occurrence 2/);
    expect(posts(slack)[0]?.args.blocks).toBeUndefined();

    // Resolved: the parent is updated, and the thread says so.
    slack.reset();
    await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/alarm-resolved.json'), sns);
    await settled(bot);
    const updates = slack.callsOf('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args).toMatchObject({ channel: 'C0000ALERTS', ts: parentTs, text: '✅ Resolved: checkout-api-cpu-high' });
    expect(text(updates[0])).toContain('Fired');
    expect(posts(slack)).toHaveLength(1);
    expect(posts(slack)[0]?.args).toMatchObject({ thread_ts: parentTs, text: '✅ Resolved at 2025-01-14 11:20 UTC (cloudwatch).' });
  });

  it('Alertmanager: a grouped notification opens one thread per alert; the same group again adds nothing; a resolve updates only its alert', async () => {
    const response = await postAlert(bot, 'alertmanager', alertFixtureText('alertmanager/firing-group.json'), { token: demoToken });
    await expect(response.json()).resolves.toEqual({ status: 'accepted', alerts: 2 });
    await settled(bot);
    const calls = posts(slack);
    expect(calls).toHaveLength(4);
    const parents = calls.filter((c) => c.args.thread_ts === undefined);
    expect(parents.map((c) => c.args.text)).toEqual(['🔥 checkout-api p95 latency above 1s', '⚠️ orders-queue backlog above 1000']);
    const replies = calls.filter((c) => c.args.thread_ts !== undefined);
    expect(replies.map((c) => String(c.args.text))).toEqual([expect.stringMatching(/^Likely cause: checkout-api CPUUtilization/), expect.stringMatching(/^Likely cause: order-worker Throttles/)]);
    const latencyParent = calls[0]?.ts;
    expect(calls[1]?.args.thread_ts).toBe(latencyParent);
    expect(calls[3]?.args.thread_ts).toBe(calls[2]?.ts);

    slack.reset();
    await postAlert(bot, 'alertmanager', alertFixtureText('alertmanager/firing-group.json'), { token: demoToken });
    await settled(bot);
    expect(slack.calls).toHaveLength(0);

    await postAlert(bot, 'alertmanager', alertFixtureText('alertmanager/resolved.json'), { token: demoToken });
    await settled(bot);
    expect(slack.callsOf('chat.update').map((c) => [c.args.ts, c.args.text])).toEqual([[latencyParent, '✅ Resolved: checkout-api p95 latency above 1s']]);
    expect(posts(slack).map((c) => [c.args.thread_ts, c.args.text])).toEqual([[latencyParent, '✅ Resolved at 2025-01-14 11:15 UTC (alertmanager).']]);
  });

  it('refuses unauthenticated and mis-addressed webhooks with 401, malformed payloads with 400 naming the field, and posts nothing', async () => {
    const body = alertFixtureText('grafana/firing.json');
    const none = await postAlert(bot, 'grafana', body);
    const wrong = await postAlert(bot, 'grafana', body, { token: 'not-a-token' });
    const query = await fetch(`${bot.url}/alerts/grafana?token=nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect([none.status, wrong.status, query.status]).toEqual([401, 401, 401]);
    await expect(none.json()).resolves.toMatchObject({ error: 'unauthenticated' });
    // SNS answers a Basic challenge with the credentials of its subscription URL.
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=.*Bearer realm=/);
    const malformed = await postAlert(bot, 'alertmanager', alertFixtureText('alertmanager/malformed-missing-labels.json'), { token: demoToken });
    expect(malformed.status).toBe(400);
    await expect(malformed.json()).resolves.toMatchObject({ error: 'invalid_alert', source: 'alertmanager', field: 'alerts[0].labels', message: 'alertmanager payload rejected: alerts[0].labels is missing' });
    const notJson = await postAlert(bot, 'datadog', 'title=oops', { token: demoToken, contentType: 'application/x-www-form-urlencoded' });
    expect(notJson.status).toBe(400);
    const unknown = await postAlert(bot, 'nagios', '{}', { token: demoToken });
    expect(unknown.status).toBe(404);
    const huge = await postAlert(bot, 'datadog', JSON.stringify({ title: 'x'.repeat(2_000_000) }), { token: demoToken });
    expect(huge.status).toBe(413);
    await settled(bot);
    expect(slack.calls).toHaveLength(0);
  });

  it('lets a token reach its own organization only: Globex alerts go to Globex\'s channel and see Globex data', async () => {
    const response = await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/alarm-minimal.json'), { token: globexToken });
    expect(response.status).toBe(202);
    await settled(bot);
    expect(posts(slack).map((c) => c.args.channel)).toEqual(['C0000GLOBEXOPS', 'C0000GLOBEXOPS']);
    expect(slack.visibleText()).not.toMatch(/bastion-1 \(|orders-queue|prod-cluster/);
  });

  it('PagerDuty: accepts its HMAC signature instead of a token, dedupes X-Webhook-Id, ignores acknowledgements, rejects a bad signature', async () => {
    const body = alertFixtureText('pagerduty/incident-triggered.json');
    const signature = `v1=${createHmac('sha256', pagerDutySecret).update(body).digest('hex')}`;
    const headers = { 'x-pagerduty-signature': `v1=${'0'.repeat(64)},${signature}`, 'x-webhook-id': 'a1b2c3d4-0000-4000-8000-000000000001' };
    expect((await postAlert(bot, 'pagerduty', body, { headers })).status).toBe(202);
    expect(await (await postAlert(bot, 'pagerduty', body, { headers })).json()).toEqual({ status: 'duplicate' });
    const forged = await postAlert(bot, 'pagerduty', body.replace('latency', 'lateNcy'), { headers });
    expect(forged.status).toBe(401);
    const ackBody = alertFixtureText('pagerduty/incident-acknowledged.json');
    const ack = await postAlert(bot, 'pagerduty', ackBody, { headers: { 'x-pagerduty-signature': `v1=${createHmac('sha256', pagerDutySecret).update(ackBody).digest('hex')}` } });
    await expect(ack.json()).resolves.toMatchObject({ status: 'ignored' });
    await settled(bot);
    expect(posts(slack)).toHaveLength(2);
    expect(posts(slack)[0]?.args.text).toBe('🔥 checkout-api latency above SLO');
    expect(String(posts(slack)[1]?.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
  });

  it('answers an SNS subscription confirmation without fetching anything', async () => {
    const response = await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/subscription-confirmation.json'), { token: demoToken, headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' } });
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toMatchObject({ status: 'subscription_pending', message: expect.stringContaining('aws sns confirm-subscription') });
    await settled(bot);
    expect(slack.calls).toHaveLength(0);
  });
});

describe('alert channels end to end: integration posts on Slack', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl });
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  async function slackEvent(fixture: string, headers: Record<string, string> = {}): Promise<Response> {
    return postToSlackEndpoint(events, { secret: testSigningSecret, contentType: 'application/json', body: alertFixtureText(`slack/${fixture}`), headers });
  }

  it('alert channel: an AWS Chatbot post is investigated in its own thread; Slack\'s retry adds nothing; its OK post notes the resolve there', async () => {
    const first = await slackEvent('chatbot-alarm.json');
    const retry = await slackEvent('chatbot-alarm.json', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await settled(bot);
    expect(posts(slack)).toHaveLength(1);
    const investigation = posts(slack)[0];
    expect(investigation?.args).toMatchObject({ channel: 'C0000ALERTS', thread_ts: '1736851329.000200' });
    expect(String(investigation?.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(text(investigation)).toContain('Alert:* checkout-api-cpu-high (firing, severity ALARM)');

    slack.reset();
    await slackEvent('chatbot-ok.json');
    await settled(bot);
    // The parent is AWS Chatbot's message: it is not ours to update.
    expect(slack.callsOf('chat.update')).toHaveLength(0);
    expect(posts(slack).map((c) => [c.args.thread_ts, c.args.text])).toEqual([['1736851329.000200', '✅ Resolved at 2025-01-14 11:20 UTC (aws-chatbot).']]);
  });

  it('alert channel: reads a classic bot_message from attachments and blocks; ignores our own posts, humans, and channels without alerts', async () => {
    await slackEvent('generic-bot-message.json');
    await slackEvent('own-message.json');
    await slackEvent('human-message.json');
    await slackEvent('generic-bot-message-ops-channel.json');
    await settled(bot);
    expect(posts(slack)).toHaveLength(1);
    expect(posts(slack)[0]?.args).toMatchObject({ channel: 'C0000ALERTS', thread_ts: '1736851500.000400' });
    expect(String(posts(slack)[0]?.args.text)).toMatch(/^Likely cause: order-worker Throttles/);
    expect(text(posts(slack)[0])).toContain('OrdersQueueBacklog (Fulfilment) (firing, severity warning)');
  });

  it('joins one thread when the same alarm also arrives by webhook (the alarm ARN is the fingerprint either way)', async () => {
    // Idempotent: opens the thread when this test runs alone, a no-op after the first test.
    await slackEvent('chatbot-alarm.json');
    await settled(bot);
    slack.reset();
    const response = await postAlert(bot, 'cloudwatch', alertFixtureText('cloudwatch/alarm-refired.json'), { token: demoToken });
    expect(response.status).toBe(202);
    await settled(bot);
    expect(posts(slack).map((c) => c.args.thread_ts)).toEqual(['1736851329.000200']);
    expect(String(posts(slack)[0]?.args.text)).toMatch(/^🔁 Fired again/);
    expect(slack.callsOf('chat.update')).toHaveLength(0);
  });
});

describe('alert storms', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;
  // A fixed clock keeps every alert of the test in one storm window.
  const now = (): Date => new Date('2025-01-14T10:42:30.000Z');

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, ALERT_STORM_LIMIT: '2' }, { now });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  it('investigates up to the limit, then posts one summary listing the rest and keeps it up to date', async () => {
    const group = alertFixture('alertmanager/firing-group.json') as { alerts: { fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }[] };
    const template = group.alerts[0] as (typeof group.alerts)[number];
    group.alerts = Array.from({ length: 5 }, (_, i) => ({ ...template, fingerprint: `5707${i}`, labels: { ...template.labels, alertname: `Storm${i}` }, annotations: { summary: `storm alert ${i}` } }));
    const response = await postAlert(bot, 'alertmanager', JSON.stringify(group), { token: demoToken });
    await expect(response.json()).resolves.toEqual({ status: 'accepted', alerts: 5 });
    await settled(bot);

    // As first posted (the summary is updated afterwards, below).
    const posted = slack.callsOf('chat.postMessage');
    const parents = posted.filter((c) => c.args.thread_ts === undefined);
    expect(parents.map((c) => String(c.args.text))).toEqual(['🔥 storm alert 0', '🔥 storm alert 1', expect.stringMatching(/^⚠️ Alert storm: 1 more alert/)]);
    expect(posted.filter((c) => c.args.thread_ts !== undefined)).toHaveLength(2);
    const summary = posted.find((c) => String(c.args.text).startsWith('⚠️ Alert storm'));
    expect(text(summary)).toContain('storm alert 2');
    // Each investigation's note replaced by its answer, then the summary kept up to date.
    const updates = slack.callsOf('chat.update').filter((c) => c.args.ts === summary?.ts);
    expect(slack.callsOf('chat.update')).toHaveLength(2 + 2);
    expect(updates).toHaveLength(2);
    const last = updates.at(-1);
    expect(last?.args.ts).toBe(summary?.ts);
    expect(String(last?.args.text)).toMatch(/^⚠️ Alert storm: 3 more alert/);
    for (const i of [2, 3, 4]) expect(text(last)).toContain(`storm alert ${i}`);
    expect(text(last)).toContain('More than 2 new alerts arrived within 60 s');
  });
});
