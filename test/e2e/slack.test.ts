import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

interface Button { action_id: string; value: string; text: { text: string } }
interface Block { type: string; block_id?: string; elements?: Button[]; text?: { text: string } }

const form = 'application/x-www-form-urlencoded';

describe('Slack end to end: /cloud → threaded answer → Approve once', () => {
  const slack = new FakeSlack();
  const executor = new RecordingExecutor();
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl }, { executor });
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  async function slashCommand(fields: { team_id: string; user_id: string; channel_id: string; text: string }, responseId = 'r1'): Promise<Response> {
    return postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ ...fields, response_url: slack.responseUrl(responseId) }) });
  }

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  function clickPayload(reply: SlackCall, button: Button, user: string, team = 'T00000001'): Record<string, unknown> {
    return {
      type: 'block_actions',
      team: { id: team, domain: 'demo' },
      user: { id: user, username: user.toLowerCase(), team_id: team },
      api_app_id: 'A00000001',
      token: 'deprecated-verification-token',
      trigger_id: '1234.5678.abcdef',
      response_url: slack.responseUrl('click'),
      channel: { id: 'C0000OPS', name: 'ops' },
      container: { type: 'message', message_ts: 'REPLACED', channel_id: 'C0000OPS', is_ephemeral: false, thread_ts: reply.args.thread_ts },
      message: { type: 'message', ts: 'REPLACED', thread_ts: reply.args.thread_ts, text: reply.args.text, blocks: reply.args.blocks },
      actions: [{ type: 'button', block_id: 'x', action_id: button.action_id, value: button.value, text: { type: 'plain_text', text: button.text.text }, action_ts: '1700000001.000100' }],
    };
  }

  it('answers a signed slash command in a thread, with Approve and Deny buttons, and runs an approved action exactly once', async () => {
    const started = Date.now();
    const ack = await slashCommand({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?' });
    expect(ack.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    await settled();

    // The parent, then a placeholder in its thread that the answer replaced.
    const posts = slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(2);
    const parent = posts[0] as SlackCall;
    expect(parent.args.thread_ts).toBeUndefined();
    expect(posts[1]?.args).toMatchObject({ thread_ts: parent.ts, text: expect.stringContaining('Looking into it') });
    const thread = slack.thread(parent.ts as string);
    expect(thread).toHaveLength(1);
    const reply = thread[0] as SlackCall;
    expect(reply.ts).toBe(posts[1]?.ts);
    expect(parent.args.text).toContain('why is checkout-api slow?');
    expect(reply.args.thread_ts).toBe('1700000000.000001');
    expect(reply.args.channel).toBe('C0000OPS');
    expect(String(reply.args.text)).toContain('checkout-api');

    const blocks = reply.args.blocks as Block[];
    const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
    const approve = buttons.find((b) => b.text.text === 'Approve' && blocks.some((blk) => blk.block_id === `approval:${b.value}` && blk.text?.text.includes('aws.ecs.scale')));
    expect(approve).toBeDefined();
    expect(buttons.some((b) => b.text.text === 'Deny' && b.value === approve?.value)).toBe(true);

    // Fill in the ts Slack would put in the click payload: the reply's own ts.
    const replyTs = '1700000000.000002';
    const payload = clickPayload(reply, approve as Button, 'U0000OPER');
    (payload.container as Record<string, unknown>).message_ts = replyTs;
    (payload.message as Record<string, unknown>).ts = replyTs;
    slack.reset();

    const body = blockActionsBody(payload);
    const [first, second] = await Promise.all([
      postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body }),
      postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await settled();
    // A retry of the same click, later.
    await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    await settled();

    expect(executor.executed.map((a) => a.id)).toEqual([approve?.value]);
    const results = slack.callsOf('chat.postMessage');
    expect(results).toHaveLength(1);
    expect(results[0]?.args.thread_ts).toBe('1700000000.000001');
    expect(String(results[0]?.args.text)).toMatch(/approved `aws\.ecs\.scale` on checkout-api: Dry run/);
    const updates = slack.callsOf('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args.ts).toBe(replyTs);
    expect(JSON.stringify(updates[0]?.args.blocks)).toContain('Approved by <@U0000OPER>');
    expect(slack.callsOf('chat.postEphemeral').map((c) => String(c.args.text))).toEqual([
      expect.stringContaining('already handled'), expect.stringContaining('already handled'),
    ]);
    const audit = (await bot.runtime.stores.audit.list('demo', { subjectId: approve?.value as string })).map((e) => e.type);
    // Every click is audited: the one that ran the action, and the two that found it already handled.
    expect(audit.filter((t) => t !== 'approval.click_ignored')).toEqual(['approval.requested', 'approval.approved', 'action.started', 'action.succeeded']);
    expect(audit.filter((t) => t === 'approval.click_ignored')).toHaveLength(2);
  });

  it('refuses a click from a user without the role, and runs nothing', async () => {
    await slashCommand({ team_id: 'T00000001', user_id: 'U0000ADMIN', channel_id: 'C0000OPS', text: 'why is checkout-api slow?' });
    await settled();
    const reply = slack.thread(slack.callsOf('chat.postMessage')[0]?.ts as string)[0] as SlackCall;
    const blocks = reply.args.blocks as Block[];
    const approve = blocks.flatMap((b) => b.elements ?? []).find((b) => b.text.text === 'Approve') as Button;
    const before = executor.executed.length;
    slack.reset();
    await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: blockActionsBody(clickPayload(reply, approve, 'U0000VIEW')) });
    await settled();
    expect(executor.executed.length).toBe(before);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
    const refusals = slack.callsOf('chat.postEphemeral');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.args.user).toBe('U0000VIEW');
    expect(String(refusals[0]?.args.text)).toMatch(/Only (operators|admins) can approve/);
  });

  it('rejects a bad signature and a stale timestamp with 401 before any handler runs', async () => {
    const body = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('bad') });
    const forged = await postToSlackEndpoint(events, { secret: 'not-the-secret', contentType: form, body });
    const stale = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const future = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body, timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    const unsigned = await fetch(events, { method: 'POST', headers: { 'content-type': form }, body });
    expect([forged.status, stale.status, future.status, unsigned.status]).toEqual([401, 401, 401, 401]);
    await settled();
    expect(slack.calls).toHaveLength(0);
    expect(slack.responses).toHaveLength(0);
  });

  it('answers Globex from Globex data only, even for a look-alike resource name', async () => {
    await slashCommand({ team_id: 'T00000002', user_id: 'U0000GLOBEX', channel_id: 'C0000GLOBEX', text: 'why is checkout-api slow?' });
    await settled();
    const text = slack.visibleText();
    expect(text).toContain('checkout-api');
    expect(text).toContain('globex');
    for (const demoOnly of ['111111111111', '222222222222', 'orders-queue', 'demo-prod', 'prod-cluster', 'ecs-service-high-latency']) {
      expect(text).not.toContain(demoOnly);
    }
  });

  it('tells an unbound workspace how to onboard, and shows it no data', async () => {
    await slashCommand({ team_id: 'T09999999', user_id: 'U0000OTHER', channel_id: 'C0000OTHER', text: 'why is checkout-api slow?' }, 'unbound');
    await settled();
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
    expect(slack.responses).toHaveLength(1);
    expect(slack.responses[0]?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(slack.responses[0]?.body.text)).toContain('not connected to a Cloud Companion organization');
    expect(String(slack.responses[0]?.body.text)).toContain('T09999999');
    expect(slack.visibleText()).not.toContain('checkout-db');
  });

  it('answers an @mention once in its thread, even when Slack retries the event', async () => {
    const envelope = JSON.stringify({
      token: 'deprecated', team_id: 'T00000001', api_app_id: 'A00000001', type: 'event_callback', event_id: 'Ev0000000001', event_time: 1700000000,
      authorizations: [{ enterprise_id: null, team_id: 'T00000001', user_id: 'UBOT00001', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user: 'U0000OPER', text: '<@UBOT00001> deps checkout-db', ts: '1700000100.000100', channel: 'C0000OPS', event_ts: '1700000100.000100' },
    });
    const first = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: 'application/json', body: envelope });
    const retry = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: 'application/json', body: envelope, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect([first.status, retry.status]).toEqual([200, 200]);
    await settled();
    // One placeholder in the mention's thread, replaced by the answer.
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    const thread = slack.thread('1700000100.000100');
    expect(thread).toHaveLength(1);
    expect(String(thread[0]?.args.text)).toMatch(/checkout-db depends on \d+ resource\(s\); \d+ depend on it/);
    expect(JSON.stringify(thread[0]?.args.blocks)).toContain('payments-api');
  });

  it('opens one thread for a signed slash command replayed within Slack\'s 5-minute window', async () => {
    const body = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'deps checkout-db', response_url: slack.responseUrl('replay') });
    const timestamp = Math.floor(Date.now() / 1000) - 60;
    const acks = await Promise.all(Array.from({ length: 5 }, () => postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body, timestamp })));
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    await settled();
    // One parent and one placeholder-then-answer in its thread, not five of each.
    const parents = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    expect(parents).toHaveLength(1);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(2);
    // A new command (its own trigger id, so its own signature) is answered as usual.
    await slashCommand({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'deps checkout-db' }, 'again');
    await settled();
    expect(slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined)).toHaveLength(2);
  });

  it('answers help ephemerally and refuses an oversized body', async () => {
    await slashCommand({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'help' }, 'help');
    await settled();
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
    expect(String(slack.responses[0]?.body.text)).toContain('/cloud metrics');
    const huge = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'x'.repeat(2_000_000), response_url: slack.responseUrl('huge') });
    const refused = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: huge });
    expect(refused.status).toBe(413);
  });
});
