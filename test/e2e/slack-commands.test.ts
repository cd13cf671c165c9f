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

  /** Pending approval requests of the demo org, as the store holds them. */
  async function pendingApprovals(): Promise<number> {
    const context = await bot.runtime.companion.resolveContext({ platform: 'slack', source: 'slash', channelId: 'C0000OPS', userId: 'U0000OPER', workspaceKey: ':T00000001', workspace: { slackTeamId: 'T00000001' } });
    if (!context.ok) throw new Error(context.message);
    return (await bot.runtime.approvals.listPending(context.context)).length;
  }

  it('"list approvals" lists the pending approvals, not "No resource named…"', async () => {
    await command('why is checkout-api slow?');
    // The helper below sees this channel's requests (so a count that stays the same means something).
    expect(await pendingApprovals()).toBeGreaterThan(0);
    slack.reset();
    const { thread } = await command('list approvals');
    expect(thread).toHaveLength(1);
    expect(String(thread[0]?.args.text)).toMatch(/^\d+ pending approval request\(s\)/);
    expect(shown(thread)).toContain('aws.ecs.scale');
    expect(shown(thread)).toContain('Approve');
    expect(shown(thread)).not.toContain('No resource');
  });

  it('"chekout-api" gets "did you mean checkout-api", and no runbook', async () => {
    const { thread } = await command('chekout-api');
    expect(String(thread[0]?.args.text)).toContain('did you mean checkout-api?');
    expect(shown(thread)).toContain('Did you mean *checkout-api*?');
    expect(shown(thread)).not.toMatch(/runbook/i);
  });

  it('"payments-queue" is not found, with the nearest real queues', async () => {
    const { thread } = await command('payments-queue');
    expect(shown(thread)).toContain('I found no resource called _payments-queue_');
    expect(shown(thread)).toContain('*orders-queue* (aws.sqs.queue)');
    expect(shown(thread)).not.toMatch(/runbook|payments-api/i);
  });

  it('"what would break if orders-queue went down?" is an impact analysis up to checkout-alb, without prod-cluster', async () => {
    const { thread } = await command('what would break if orders-queue went down?');
    expect(thread).toHaveLength(1);
    const text = shown(thread);
    expect(String(thread[0]?.args.text)).toMatch(/^If orders-queue went down: \d+ resource\(s\) affected, users see it at checkout-alb/);
    expect(text).toContain('users would notice at *checkout-alb*: 5xx for checkout requests');
    // Each affected resource is a line whose name links to its console; prod-cluster is none of them.
    const affected = [...text.matchAll(/\|([\w-]+)>\*/g)].map((m) => m[1]);
    expect(affected).toEqual(expect.arrayContaining(['checkout-alb', 'checkout-tg', 'checkout-api', 'order-worker']));
    expect(affected).not.toContain('prod-cluster');
    expect(text).not.toContain('Approve');
  });

  it('"show me the metrics of checkout-api" answers with metrics and creates no approval', async () => {
    const before = await pendingApprovals();
    const { thread } = await command('show me the metrics of checkout-api');
    expect(thread).toHaveLength(1);
    expect(shown(thread)).toMatch(/Metrics of checkout-api/);
    expect(shown(thread)).toContain('CPUUtilization');
    expect(shown(thread)).not.toContain('Approve');
    expect(slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.args.blocks ?? '').includes('Approve'))).toHaveLength(0);
    expect(await pendingApprovals()).toBe(before);
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
