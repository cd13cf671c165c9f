import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

interface Block { type: string; block_id?: string; elements?: { action_id: string; value: string; text: { text: string } }[] }

/**
 * The real stores failing under a running bot: Neo4j and Weaviate reached through TCP proxies the
 * test cuts (every open connection dropped, new ones refused) and restores. The bot answers with
 * what it has and says what failed; once the store is back it answers whole again. An approval
 * requested before a restart is decided and run once by the replica that comes after it.
 */
describe('faults on the real stores', () => {
  const slack = new FakeSlack();
  const executor = new RecordingExecutor();
  let weaviateHttp: TcpProxy;
  let weaviateGrpc: TcpProxy;
  let neo4j: TcpProxy;
  let bot: RunningBot;
  let env: Record<string, string>;

  beforeAll(async () => {
    await slack.start();
    const services = inject('services');
    weaviateHttp = await TcpProxy.forUrl(services.WEAVIATE_URL).start();
    weaviateGrpc = await TcpProxy.forUrl(services.WEAVIATE_GRPC_URL).start();
    neo4j = await TcpProxy.forUrl(services.NEO4J_URI.replace(/^(bolt|neo4j)/, 'http')).start();
    env = {
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
      NEO4J_URI: `bolt://127.0.0.1:${neo4j.port}`, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
      WEAVIATE_URL: weaviateHttp.url(services.WEAVIATE_URL), WEAVIATE_GRPC_URL: weaviateGrpc.url(services.WEAVIATE_GRPC_URL),
    };
    bot = await startTestBot(env, { executor });
  }, 120_000);
  afterAll(async () => {
    await bot.stop();
    await Promise.all([slack.stop(), weaviateHttp.stop(), weaviateGrpc.stop(), neo4j.stop()]);
  });

  async function ask(target: RunningBot, text: string): Promise<SlackCall> {
    slack.reset();
    const response = await postToSlackEndpoint(`${target.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/x-www-form-urlencoded', body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text, response_url: slack.responseUrl('r') }) });
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(target.background.size).toBe(0), { timeout: 60_000, interval: 50 });
    const parent = slack.commandParent('U0000OPER');
    return slack.thread(parent?.ts ?? '').at(-1) as SlackCall;
  }

  const shown = (call: SlackCall): string => JSON.stringify([call.args.text, call.args.blocks]);

  it('Weaviate cut mid-conversation: the answer comes without runbooks and says runbook search failed; whole again once it is back', async () => {
    const before = await ask(bot, 'why is checkout-api slow?');
    expect(shown(before)).toContain(':book:');
    weaviateHttp.cut();
    weaviateGrpc.cut();
    try {
      const during = await ask(bot, 'why is checkout-api slow?');
      expect(String(during.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
      expect(shown(during)).toMatch(/Runbook search unavailable/);
      expect(shown(during)).not.toContain(':book:');
    } finally {
      weaviateHttp.restore();
      weaviateGrpc.restore();
    }
    await vi.waitFor(async () => expect(shown(await ask(bot, 'why is checkout-api slow?'))).toContain(':book:'), { timeout: 60_000, interval: 500 });
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  }, 180_000);

  it('Neo4j cut: the user is told the bot cannot reach its data, nothing runs, and it answers again once Neo4j is back', async () => {
    neo4j.cut();
    try {
      slack.reset();
      await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/x-www-form-urlencoded', body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('neo4j-down') }) });
      await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 90_000, interval: 100 });
      // Whatever path failed, a person saw a message, and /readyz names Neo4j.
      expect(slack.calls.length + slack.responses.length).toBeGreaterThan(0);
      const ready = await fetch(`${bot.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toMatch(/Neo4j/i);
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    } finally {
      neo4j.restore();
    }
    await vi.waitFor(async () => expect(String((await ask(bot, 'why is checkout-api slow?')).args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/), { timeout: 90_000, interval: 1000 });
    expect(executor.executed).toEqual([]);
  }, 240_000);

  it('an approval requested before a restart is approved on the replica after it, and runs once', async () => {
    const answer = await ask(bot, 'why is checkout-api slow?');
    const blocks = answer.args.blocks as Block[];
    const approve = blocks.flatMap((b) => b.elements ?? []).find((e) => e.text.text === 'Approve');
    expect(approve).toBeDefined();
    await bot.stop();
    const after = await startTestBot(env, { executor });
    bot = after;
    slack.reset();
    const click = {
      type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: 'U0000ADMIN', username: 'admin', team_id: 'T00000001' }, api_app_id: 'A00000001', token: 'x',
      trigger_id: '1.2.3', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
      container: { type: 'message', message_ts: answer.ts, thread_ts: answer.args.thread_ts }, message: { type: 'message', ts: answer.ts, thread_ts: answer.args.thread_ts, text: answer.args.text, blocks },
      actions: [{ type: 'button', block_id: 'x', action_id: approve?.action_id, value: approve?.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1' }],
    };
    const body = blockActionsBody(click);
    await Promise.all([1, 2].map(() => postToSlackEndpoint(`${after.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/x-www-form-urlencoded', body })));
    await vi.waitFor(() => expect(after.background.size).toBe(0), { timeout: 30_000, interval: 50 });
    expect(executor.executed.map((a) => a.id)).toEqual([approve?.value]);
    expect(slack.callsOf('chat.postMessage').some((c) => /approved `aws\.ecs\./.test(String(c.args.text)))).toBe(true);
  }, 120_000);
});
