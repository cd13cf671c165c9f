import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

const form = 'application/x-www-form-urlencoded';

describe('Slack Web API rate limits are honoured per channel', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  const command = (channel: string, text: string) => postToSlackEndpoint(`${bot.url}/slack/events`, {
    secret: testSigningSecret, contentType: form,
    body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: channel, text, response_url: slack.responseUrl(channel) }),
  });

  it('a 429 with Retry-After in one channel holds only that channel; other channels keep flowing, and the held message is sent once, after the wait', async () => {
    // #ops: the question goes through, the placeholder in its thread is refused with Retry-After: 2.
    slack.rateLimitChannel('C0000OPS', 1, 2);
    expect((await command('C0000OPS', 'resource checkout-db')).status).toBe(200);
    await vi.waitFor(() => expect(slack.rateLimited).toHaveLength(1), { timeout: 5_000, interval: 10 });
    // While #ops waits, a question in #dev.
    expect((await command('C0000DEV', 'resource orders-queue')).status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });

    // Exactly one refusal: the held call waited out its Retry-After instead of trying early.
    expect(slack.rateLimited.map((c) => [c.method, c.args.channel, c.args.text])).toEqual([['chat.postMessage', 'C0000OPS', expect.stringContaining('Looking into it')]]);
    const inChannel = (channel: string) => slack.calls.filter((c) => c.args.channel === channel);
    const ops = inChannel('C0000OPS');
    const dev = inChannel('C0000DEV');
    // #dev was answered in full (question, placeholder, answer) while #ops was inside its Retry-After,
    // and before #ops's held placeholder was sent again.
    expect(dev.map((c) => [c.method, c.whileChannelWaited])).toEqual([['chat.postMessage', 'C0000OPS'], ['chat.postMessage', 'C0000OPS'], ['chat.update', 'C0000OPS']]);
    const retried = ops[1];
    expect(retried?.args.text).toBe(slack.rateLimited[0]?.args.text);
    expect(slack.calls.indexOf(retried as (typeof ops)[number])).toBeGreaterThan(slack.calls.indexOf(dev.at(-1) as (typeof dev)[number]));
    // #ops then got its placeholder once and its answer, in order.
    expect(ops.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
    expect(JSON.stringify(slack.thread(ops[0]?.ts as string)[0]?.args.blocks)).toContain('checkout-db');
  });
});
