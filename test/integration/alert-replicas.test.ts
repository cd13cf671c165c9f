import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { alertFixture } from '../support/alert-fixtures.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';

/**
 * Two replicas sharing only Neo4j (and Weaviate): an alert delivered to both at once opens one
 * thread, and a resolve arriving at the other replica updates the parent the first one posted.
 */
describe('alert threads across two replicas on real Neo4j', () => {
  const slack = new FakeSlack();
  const bots: RunningBot[] = [];

  beforeAll(async () => {
    await slack.start();
    const services = inject('services');
    const env = {
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
      NEO4J_URI: services.NEO4J_URI, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
      WEAVIATE_URL: services.WEAVIATE_URL, WEAVIATE_GRPC_URL: services.WEAVIATE_GRPC_URL,
    };
    bots.push(await startTestBot(env), await startTestBot(env));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await slack.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bots.map((b) => b.background.size)).toEqual([0, 0]), { timeout: 20_000, interval: 25 });
  }

  function post(bot: RunningBot | undefined, body: unknown): Promise<Response> {
    return fetch(`${bot?.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer demo-alerts-token' }, body: JSON.stringify(body) });
  }

  it('opens one thread for an alert both replicas receive, and either replica resolves it', async () => {
    // A fingerprint of its own: the server keeps threads across test runs.
    const fingerprint = randomUUID().replace(/-/g, '').slice(0, 16);
    const group = alertFixture('alertmanager/firing-group.json') as { alerts: Record<string, unknown>[] };
    const firing = { ...group, alerts: [{ ...group.alerts[0], fingerprint }] };
    const responses = await Promise.all([post(bots[0], firing), post(bots[1], firing), post(bots[0], firing), post(bots[1], firing)]);
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    await settled();
    const posts = slack.callsOf('chat.postMessage');
    expect(posts.map((c) => c.args.thread_ts === undefined ? 'parent' : 'reply')).toEqual(['parent', 'reply']);
    const parentTs = posts[0]?.ts;
    expect(posts[1]?.args.thread_ts).toBe(parentTs);

    slack.reset();
    const resolved = alertFixture('alertmanager/resolved.json') as { alerts: Record<string, unknown>[] };
    await Promise.all([post(bots[1], { ...resolved, alerts: [{ ...resolved.alerts[0], fingerprint }] }), post(bots[0], { ...resolved, alerts: [{ ...resolved.alerts[0], fingerprint }] })]);
    await settled();
    expect(slack.callsOf('chat.update').map((c) => c.args.ts)).toEqual([parentTs]);
    expect(slack.callsOf('chat.postMessage').map((c) => c.args.thread_ts)).toEqual([parentTs]);
  });
});
