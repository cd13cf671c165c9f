import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { sampleValue, scrape } from '../support/prometheus.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';

const form = 'application/x-www-form-urlencoded';

describe('operating the bot: /metrics and /readyz', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl });
  });
  afterAll(async () => {
    await bot.stop(1_000);
    await slack.stop();
  });

  it('counts a signed slash command: request by surface and outcome, ack and answer latency, tool calls', async () => {
    const before = await scrape(bot.url);
    const ack = await postToSlackEndpoint(`${bot.url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('m1') }),
    });
    expect(ack.status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    expect(slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(2);
    const after = await scrape(bot.url);
    const delta = (name: string, labels: Record<string, string> = {}): number => sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(delta('companion_requests_total', { surface: 'slack', outcome: 'ok' })).toBe(1);
    expect(delta('companion_ack_seconds_count', { surface: 'slack' })).toBe(1);
    expect(delta('companion_answer_seconds_count', { surface: 'slack', task: 'command', outcome: 'ok' })).toBe(1);
    expect(delta('companion_tool_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(after, 'companion_background_tasks')).toBe(0);
    // Default process metrics are exposed next to the bot's own.
    expect(sampleValue(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts an unsigned Slack request as rejected', async () => {
    const before = await scrape(bot.url);
    const response = await fetch(`${bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': form }, body: 'command=%2Fcloud' });
    expect(response.status).toBe(401);
    const after = await scrape(bot.url);
    expect(sampleValue(after, 'companion_requests_total', { surface: 'slack', outcome: 'rejected' }) - sampleValue(before, 'companion_requests_total', { surface: 'slack', outcome: 'rejected' })).toBe(1);
  });

  it('is ready on the embedded stores, and says which backends it checked', async () => {
    const response = await fetch(`${bot.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', backends: [{ backend: 'neo4j', ready: true, detail: 'embedded (in-process stores)' }] });
  });
});
