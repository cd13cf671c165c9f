import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

const form = 'application/x-www-form-urlencoded';

describe('a Slack Web API call that never answers', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, SLACK_API_TIMEOUT_SECONDS: '1' });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  const command = (text: string, id: string) => postToSlackEndpoint(`${bot.url}/slack/events`, {
    secret: testSigningSecret, contentType: form,
    body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text, response_url: slack.responseUrl(id) }),
  });

  it('holds its channel for one call timeout only: the next messages in the channel go out, and the hung one is sent again and delivered', async () => {
    // The first question's parent goes through; the next call into #ops (its placeholder) is taken and never answered.
    slack.hangChannel('C0000OPS', 1, 1);
    const started = Date.now();
    expect((await command('resource checkout-db', 'first')).status).toBe(200);
    await vi.waitFor(() => expect(slack.hung).toHaveLength(1), { timeout: 5_000, interval: 10 });
    expect((await command('resource orders-queue', 'second')).status).toBe(200);
    // Without a per-call timeout the channel would wait for Node's 300 s default; with SLACK_API_TIMEOUT_SECONDS=1 it all lands within seconds.
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
    expect(Date.now() - started).toBeLessThan(20_000);

    const first = slack.commandParent('U0000OPER');
    const parents = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    expect(parents.map((p) => p.args.text)).toEqual([expect.stringContaining('checkout-db'), expect.stringContaining('orders-queue')]);
    // The second question was posted while the first one's placeholder was still unanswered, not after it.
    const hungAt = slack.hung[0]?.at ?? 0;
    expect((parents[1]?.at ?? 0) - hungAt).toBeLessThan(5_000);
    // The hung placeholder was sent again (once) and both threads hold their answer.
    const placeholders = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts === first?.ts);
    expect(placeholders).toHaveLength(1);
    for (const parent of parents) expect(JSON.stringify(slack.thread(parent.ts as string).at(-1)?.args.blocks ?? slack.thread(parent.ts as string).at(-1)?.args.text)).toMatch(/checkout-db|orders-queue/);
    // Nothing failed silently: no ephemeral failure notice was needed.
    expect(slack.responses).toEqual([]);
  });

  it('tells the asker through response_url when Slack never takes the answer', async () => {
    slack.reset();
    // Parent goes through; every later call into #ops hangs (three attempts of each).
    slack.hangChannel('C0000OPS', 1, 100);
    expect((await command('resource checkout-db', 'undelivered')).status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 30_000, interval: 50 });
    expect(slack.hung.length).toBeGreaterThanOrEqual(3);
    expect(slack.responses).toEqual([{ path: '/response/undelivered', body: expect.objectContaining({ response_type: 'ephemeral', text: expect.stringContaining('I could not post the answer in this channel') }) }]);
    slack.releaseHung();
  }, 40_000);
});
