import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

const form = 'application/x-www-form-urlencoded';

describe('Slack /cloud subcommands, mentions and follow-ups, end to end', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl }, { executor: new RecordingExecutor() });
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  const settled = () => vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });

  /** Runs a command; returns the answer in its thread as people see it (placeholder replaced). */
  async function command(text: string): Promise<{ parent?: SlackCall; thread: SlackCall[] }> {
    const ack = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text, response_url: slack.responseUrl(text.replace(/\W+/g, '-') || 'empty') }) });
    expect(ack.status).toBe(200);
    await settled();
    const parent = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === undefined);
    return { ...(parent ? { parent } : {}), thread: parent?.ts ? slack.thread(parent.ts) : [] };
  }

  function shown(thread: readonly SlackCall[]): string {
    return JSON.stringify(thread.map((m) => [m.args.text, m.args.blocks]));
  }

  it.each([
    ['resource checkout-db', /checkout-db/, /aws\.rds\.instance/],
    ['deps checkout-db', /checkout-db depends on \d+ resource\(s\); \d+ depend on it/, /payments-api/],
    ['metrics checkout-api 30m', /checkout-api/, /CPUUtilization/],
    ['runbook sqs backlog', /SQS queue backlog growing/, /Diagnosis/],
    ['ask why is checkout-api slow?', /checkout-api/, /aws\.ecs\.scale/],
  ])('answers `/cloud %s` in a thread under the question', async (text, summary, detail) => {
    const { parent, thread } = await command(text);
    expect(parent?.args.text).toContain(text);
    expect(thread).toHaveLength(1);
    expect(String(thread[0]?.args.text)).toMatch(summary);
    expect(shown(thread)).toMatch(detail);
    expect(slack.responses).toHaveLength(0);
  });

  it('lists pending approvals of this channel', async () => {
    await command('ask why is checkout-api slow?');
    slack.reset();
    const { thread } = await command('approvals');
    expect(shown(thread)).toContain('aws.ecs.scale');
    expect(shown(thread)).toContain('Approve');
  });

  it.each([['help'], [''], ['metrics'], ['resource']])('answers `/cloud %s` with the help, ephemerally and without a thread', async (text) => {
    const { parent } = await command(text);
    expect(parent).toBeUndefined();
    expect(slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
    expect(slack.responses).toHaveLength(1);
    expect(slack.responses[0]?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(slack.responses[0]?.body.text)).toContain('/cloud metrics');
  });

  function mention(eventId: string, ts: string, text: string, threadTs?: string, extra: Record<string, unknown> = {}): Promise<Response> {
    return postToSlackEndpoint(events, {
      secret: testSigningSecret, contentType: 'application/json',
      body: JSON.stringify({
        token: 'deprecated', team_id: 'T00000001', api_app_id: 'A00000001', type: 'event_callback', event_id: eventId, event_time: 1700000000,
        authorizations: [{ enterprise_id: null, team_id: 'T00000001', user_id: 'UBOT00001', is_bot: true, is_enterprise_install: false }],
        event: { type: 'app_mention', user: 'U0000OPER', text: `<@UBOT00001> ${text}`, ts, channel: 'C0000OPS', event_ts: ts, ...(threadTs ? { thread_ts: threadTs } : {}), ...extra },
      }),
    });
  }

  it('continues a thread: a follow-up mention is answered in the same thread with the conversation so far, never reading Slack history', async () => {
    await mention('Ev00FOLLOW01', '1700000400.000100', 'why is checkout-api slow?');
    await settled();
    await mention('Ev00FOLLOW02', '1700000400.000300', 'and what about its database?', '1700000400.000100');
    await settled();
    const thread = slack.thread('1700000400.000100');
    expect(thread).toHaveLength(2);
    expect(thread[1]?.ts).not.toBe(thread[0]?.ts);
    expect(slack.calls.map((c) => c.method)).not.toContain('conversations.replies');
    expect(slack.calls.map((c) => c.method)).not.toContain('conversations.history');
    const history = await bot.runtime.stores.conversations.history('demo', { platform: 'slack', workspaceId: ':T00000001', channelId: 'C0000OPS', threadId: '1700000400.000100' });
    expect(history.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['why is checkout-api slow?', 'and what about its database?']);
  });

  it('ignores its own messages', async () => {
    const response = await mention('Ev00SELF0001', '1700000500.000100', 'why is checkout-api slow?', undefined, { user: 'UBOT00001', bot_id: 'BBOT00001' });
    expect(response.status).toBe(200);
    await settled();
    expect(slack.calls.filter((c) => c.method.startsWith('chat.'))).toHaveLength(0);
  });
});
