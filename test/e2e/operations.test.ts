import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
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
    // The embedded default names itself, never the servers it stands in for.
    const body = await response.json() as { status: string; backends: { backend: string; ready: boolean; detail: string }[] };
    expect(body.status).toBe('ready');
    expect(body.backends.map((b) => [b.backend, b.ready])).toEqual([['embedded', true], ['embedded-runbooks', true]]);
    expect(body.backends[0]?.detail).toMatch(/in this process.*NEO4J_URI/);
    expect(JSON.stringify(body)).not.toMatch(/neo4j"|weaviate"/);
  });

  it('counts /v1 calls as the api surface, audits them as source api, and keeps a thread in order', async () => {
    const keys = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() });
    const { key } = await keys.create({ orgId: 'demo', role: 'viewer', name: 'ops test', createdBy: 'cli:test' });
    const before = await scrape(bot.url);
    const asked = await fetch(`${bot.url}/v1/ask`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ question: 'why is checkout-api slow?' }) });
    expect(asked.status).toBe(200);
    const { threadId, requestId } = await asked.json() as { threadId: string; requestId: string };
    const after = await scrape(bot.url);
    expect(sampleValue(after, 'companion_requests_total', { surface: 'api', outcome: 'ok' }) - sampleValue(before, 'companion_requests_total', { surface: 'api', outcome: 'ok' })).toBe(1);

    const thread = await (await fetch(`${bot.url}/v1/threads/${threadId}`, { headers: { 'x-api-key': key } })).json() as { messages: { role: string; text: string }[] };
    expect(thread.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(thread.messages[0]?.text).toBe('why is checkout-api slow?');

    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    const events = await bot.runtime.stores.audit.list('demo', { subjectId: requestId, limit: 10 });
    const question = events.find((e) => e.type === 'question.asked');
    expect(question?.detail).toMatchObject({ platform: 'api', source: 'api' });
  });
});
