import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { postToSlackEndpoint } from '../support/slack-requests.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { scriptedModel } from '../support/scripted-model.ts';

interface Block { type: string; text?: { text: string }; elements?: { text?: string | { text: string }; value?: string }[]; fields?: { text: string }[] }

/** A paragraph the model writes, numbered so the test can check every one arrives once and in order. */
const paragraph = (i: number): string => `P${String(i).padStart(3, '0')} ${'checkout-api latency rose because the database connection pool is saturated; '.repeat(4).trim()}`;
const paragraphs = 120;

function mentionEnvelope(eventId: string, ts: string, text: string): string {
  return JSON.stringify({
    token: 'deprecated', team_id: 'T00000001', api_app_id: 'A00000001', type: 'event_callback', event_id: eventId, event_time: 1700000000,
    authorizations: [{ enterprise_id: null, team_id: 'T00000001', user_id: 'UBOT00001', is_bot: true, is_enterprise_install: false }],
    event: { type: 'app_mention', user: 'U0000OPER', text: `<@UBOT00001> ${text}`, ts, channel: 'C0000OPS', event_ts: ts },
  });
}

function sectionTexts(blocks: readonly Block[]): string[] {
  return blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)]);
}

describe('Slack delivery: an answer longer than one message', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    // One tool call and one long answer per test.
    const turn = [
      { tools: [{ name: 'get_metrics', args: { resource: 'checkout-api', windowMinutes: 60 } }] },
      { answer: Array.from({ length: paragraphs }, (_, i) => paragraph(i + 1)).join('\n\n') },
    ];
    const model = scriptedModel([...turn, ...turn]);
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl }, { executor: new RecordingExecutor(), chatModel: { model, name: 'scripted' } });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  it('splits it across messages in the thread, each within Block Kit limits and with fallback text, nothing lost or reordered', async () => {
    const ack = await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/json', body: mentionEnvelope('Ev00LONG0001', '1700000200.000100', 'why is checkout-api slow?') });
    expect(ack.status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });

    const thread: SlackCall[] = slack.thread('1700000200.000100');
    expect(thread.length).toBeGreaterThanOrEqual(3);
    for (const message of thread) {
      const blocks = message.args.blocks as Block[];
      expect(blocks.length).toBeGreaterThan(0);
      expect(blocks.length).toBeLessThanOrEqual(50);
      expect(String(message.args.text).length).toBeGreaterThan(0);
      expect(String(message.args.text).length).toBeLessThanOrEqual(3000);
      for (const text of sectionTexts(blocks)) expect(text.length).toBeLessThanOrEqual(3000);
      expect(sectionTexts(blocks).join('').length).toBeLessThanOrEqual(12_000);
    }
    expect(String(thread[1]?.args.text)).toMatch(/\(continued, 2\/\d+\)$/);
    const all = thread.flatMap((m) => sectionTexts(m.args.blocks as Block[])).join('\n');
    const seen = [...all.matchAll(/P(\d{3}) /g)].map((m) => Number(m[1]));
    expect(seen).toEqual(Array.from({ length: paragraphs }, (_, i) => i + 1));
  });

  it('after a 429 with Retry-After from the Web API, the same answer still arrives whole, once and in order', async () => {
    // The placeholder goes through; the first continuation message is rate-limited once.
    slack.rateLimitOnce('chat.postMessage', 1, 1);
    const ack = await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/json', body: mentionEnvelope('Ev00LONG0002', '1700000300.000100', 'why is checkout-api slow?') });
    expect(ack.status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });

    expect(slack.rateLimited.map((c) => c.method)).toEqual(['chat.postMessage']);
    const thread = slack.thread('1700000300.000100');
    expect(thread.length).toBeGreaterThanOrEqual(3);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(thread.length);
    // The refused call was retried with the same message: the second in the thread.
    expect(thread[1]?.args.text).toBe(slack.rateLimited[0]?.args.text);
    const all = thread.flatMap((m) => sectionTexts(m.args.blocks as Block[])).join('\n');
    const seen = [...all.matchAll(/P(\d{3}) /g)].map((m) => Number(m[1]));
    expect(seen).toEqual(Array.from({ length: paragraphs }, (_, i) => i + 1));
  });
});
