import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

interface Button { action_id: string; value: string; text: { text: string } }

const form = 'application/x-www-form-urlencoded';

/**
 * Two replicas of the bot share only Neo4j and Weaviate (real servers). Whatever replica a click or a
 * Slack retry lands on, an action runs once and an event is answered once.
 */
describe('two replicas on real Neo4j and Weaviate', () => {
  const slack = new FakeSlack();
  const executors = [new RecordingExecutor(), new RecordingExecutor()];
  const bots: RunningBot[] = [];

  beforeAll(async () => {
    await slack.start();
    const services = inject('services');
    const env = {
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
      NEO4J_URI: services.NEO4J_URI, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
      WEAVIATE_URL: services.WEAVIATE_URL, WEAVIATE_GRPC_URL: services.WEAVIATE_GRPC_URL,
    };
    for (const executor of executors) bots.push(await startTestBot(env, { executor }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await slack.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bots.map((b) => b.background.size)).toEqual([0, 0]), { timeout: 20_000, interval: 25 });
  }

  it('reports the real stores it runs on', () => {
    expect(bots[0]?.runtime.describe.graph).toMatch(/^Neo4j at bolt:\/\/127\.0\.0\.1:\d+/);
    expect(bots[0]?.runtime.describe.runbooks).toMatch(/Weaviate/);
  });

  it('runs an approved action once: 20 concurrent Approve clicks spread over both replicas, and a Slack retry', async () => {
    const ack = await postToSlackEndpoint(`${bots[0]?.url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('r') }),
    });
    expect(ack.status).toBe(200);
    await settled();
    // The answer replaced the placeholder in the thread (ts …002, after the parent …001).
    const reply = slack.thread(slack.commandParent('U0000OPER')?.ts as string)[0] as SlackCall;
    expect(reply.ts).toBe('1700000000.000002');
    expect(reply.args.thread_ts).toBeDefined();
    const buttons = (reply.args.blocks as { elements?: Button[] }[]).flatMap((b) => b.elements ?? []);
    const approve = buttons.find((b) => b.text.text === 'Approve') as Button;
    expect(approve).toBeDefined();
    slack.reset();

    const body = blockActionsBody({
      type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: 'U0000ADMIN', username: 'admin', team_id: 'T00000001' },
      api_app_id: 'A00000001', trigger_id: 't', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
      container: { type: 'message', message_ts: '1700000000.000002', channel_id: 'C0000OPS', thread_ts: reply.args.thread_ts },
      message: { type: 'message', ts: '1700000000.000002', thread_ts: reply.args.thread_ts, text: reply.args.text, blocks: reply.args.blocks },
      actions: [{ type: 'button', block_id: 'b', action_id: approve.action_id, value: approve.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1' }],
    });
    const clicks = await Promise.all(Array.from({ length: 20 }, (_, i) => postToSlackEndpoint(`${bots[i % 2]?.url}/slack/events`, { secret: testSigningSecret, contentType: form, body })));
    expect(clicks.map((c) => c.status)).toEqual(Array.from({ length: 20 }, () => 200));
    await settled();
    // Slack redelivers the same click (it saw no 200 in time) to the other replica.
    const retry = await postToSlackEndpoint(`${bots[1]?.url}/slack/events`, { secret: testSigningSecret, contentType: form, body, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry.status).toBe(200);
    await settled();

    expect(executors.flatMap((e) => e.executed.map((a) => a.id))).toEqual([approve.value]);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(slack.callsOf('chat.update')).toHaveLength(1);
    const ephemerals = slack.callsOf('chat.postEphemeral').map((c) => String(c.args.text));
    expect(ephemerals).toHaveLength(20);
    expect(ephemerals.every((text) => text.includes('already handled'))).toBe(true);
    const stored = await bots[0]?.runtime.approvals.get('demo', approve.value);
    expect(stored).toMatchObject({ state: 'succeeded', decisions: [{ decision: 'approve', by: 'U0000ADMIN' }] });
    const audit = (await bots[1]?.runtime.stores.audit.list('demo', { subjectId: approve.value }))?.map((e) => e.type) ?? [];
    // Other suites on the shared Neo4j ask the demo org the same question: their identical proposal reuses this
    // pending request ('approval.reused', by design) instead of duplicating it. Executions are what must be once.
    expect(audit.filter((t) => t !== 'approval.click_ignored' && t !== 'approval.reused')).toEqual(['approval.requested', 'approval.approved', 'action.started', 'action.succeeded']);
    expect(audit.filter((t) => t === 'approval.click_ignored')).toHaveLength(20);
  });

  it('keeps a denied request denied and an expired one expired, whichever replica the click lands on', async () => {
    slack.reset();
    const context = await bots[0]?.runtime.companion.resolveContext({ platform: 'slack', source: 'slash', workspace: { slackTeamId: 'T00000001' }, workspaceKey: ':T00000001', channelId: 'C0000OPS', userId: 'U0000OPER' });
    if (!context?.ok) throw new Error('demo workspace not resolved');
    const target = (await bots[0]?.runtime.stores.graph.findResources({ orgId: 'demo', accountIds: context.context.accountIds }, { text: 'checkout-api', type: 'aws.ecs.service' }))?.[0];
    if (!target) throw new Error('checkout-api not in the graph');
    const proposed = await bots[0]?.runtime.approvals.propose(context.context, { kind: 'aws.ecs.scale', params: { desiredCount: 3 }, target, reason: 'integration' });
    if (!proposed?.ok) throw new Error('not proposed');
    const admin = { ...context.context, actor: { ...context.context.actor, userId: 'U0000ADMIN' } };
    expect(await bots[0]?.runtime.companion.decide(context.context, proposed.approval.id, 'deny')).toMatchObject({ kind: 'denied' });
    expect(await bots[1]?.runtime.companion.decide(admin, proposed.approval.id, 'approve')).toMatchObject({ kind: 'already_decided', approval: { state: 'denied' } });
    // The other replica sees the pending list of the channel without it.
    const pending = await bots[1]?.runtime.approvals.listPending(context.context);
    expect(pending?.some((a) => a.id === proposed.approval.id)).toBe(false);
    expect(executors.flatMap((e) => e.executed.map((a) => a.id))).not.toContain(proposed.approval.id);

    // A request nobody decided in time: the first click expires it, no later click on any replica runs it.
    const stale = { ...proposed.approval, id: randomUUID(), state: 'pending' as const, decisions: [], createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T04:00:00.000Z' };
    await bots[0]?.runtime.stores.approvals.create(stale);
    const [first, second] = await Promise.all([bots[1]?.runtime.companion.decide(admin, stale.id, 'approve'), bots[0]?.runtime.companion.decide(admin, stale.id, 'approve')]);
    expect([first?.kind, second?.kind].sort()).toEqual(['already_decided', 'expired']);
    expect(await bots[0]?.runtime.companion.decide(admin, stale.id, 'approve')).toMatchObject({ kind: 'already_decided', approval: { state: 'expired' } });
    expect(executors.flatMap((e) => e.executed.map((a) => a.id))).not.toContain(stale.id);
  });

  it('answers an event once when Slack retries it to the other replica', async () => {
    slack.reset();
    const envelope = JSON.stringify({
      team_id: 'T00000001', api_app_id: 'A00000001', type: 'event_callback', event_id: `Ev${Date.now()}`, event_time: 1700000000,
      authorizations: [{ enterprise_id: null, team_id: 'T00000001', user_id: 'UBOT00001', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user: 'U0000OPER', text: '<@UBOT00001> resource checkout-db', ts: '1700000200.000100', channel: 'C0000OPS', event_ts: '1700000200.000100' },
    });
    await postToSlackEndpoint(`${bots[0]?.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/json', body: envelope });
    await postToSlackEndpoint(`${bots[1]?.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/json', body: envelope, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    await settled();
    // One placeholder, replaced by the one answer.
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    const posts = slack.thread('1700000200.000100');
    expect(posts).toHaveLength(1);
    expect(String(posts[0]?.args.text)).toContain('checkout-db');
  });
});
