import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { webhookParsers } from '../../src/alerts/sources/index.ts';
import type { RunningBot } from '../../src/compose.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

interface Button { action_id: string; value: string; text: { text: string } }

const form = 'application/x-www-form-urlencoded';

/**
 * The bot is restarted between an approved action and its verification: the timer died with the
 * first process, yet the verification runs once, from the second, and its follow-up reaches the
 * request's thread. Only Neo4j and Weaviate (real servers) carry anything across.
 */
describe('a restart between an action and its verification', () => {
  const slack = new FakeSlack();
  // Changes something, as a live executor does: a dry run schedules no verification.
  const executor = new RecordingExecutor({ changes: true });
  const bots: RunningBot[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    await slack.start();
    const services = inject('services');
    env = {
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, ACTION_VERIFY_AFTER_MINUTES: '1', ALERT_STORM_LIMIT: '1000',
      NEO4J_URI: services.NEO4J_URI, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
      WEAVIATE_URL: services.WEAVIATE_URL, WEAVIATE_GRPC_URL: services.WEAVIATE_GRPC_URL,
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await slack.stop();
  });

  it('loses no verification: the restarted bot runs it once and posts it in the thread', async () => {
    // The first process never fires its timer: it is stopped before the verification is due.
    const first = await startTestBot(env, { executor, scheduler: { schedule: () => undefined } });
    bots.push(first);
    await postToSlackEndpoint(`${first.url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('r') }),
    });
    await vi.waitFor(() => expect(first.background.size).toBe(0), { timeout: 30_000, interval: 25 });
    const parent = slack.commandParent('U0000OPER')?.ts as string;
    const reply = slack.thread(parent)[0] as SlackCall;
    const approve = (reply.args.blocks as { elements?: Button[] }[]).flatMap((b) => b.elements ?? []).find((b) => b.text.text === 'Approve') as Button;
    const click = await postToSlackEndpoint(`${first.url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: blockActionsBody({
        type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: 'U0000ADMIN', username: 'admin', team_id: 'T00000001' },
        api_app_id: 'A00000001', trigger_id: 't', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
        container: { type: 'message', message_ts: reply.ts, channel_id: 'C0000OPS', thread_ts: reply.args.thread_ts },
        message: { type: 'message', ts: reply.ts, thread_ts: reply.args.thread_ts, text: reply.args.text, blocks: reply.args.blocks },
        actions: [{ type: 'button', block_id: 'b', action_id: approve.action_id, value: approve.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1' }],
      }),
    });
    expect(click.status).toBe(200);
    await vi.waitFor(() => expect(first.background.size).toBe(0), { timeout: 30_000, interval: 25 });
    const executed = await first.runtime.approvals.get('demo', approve.value);
    expect(executed).toMatchObject({ state: 'succeeded', verification: { status: 'scheduled' } });
    await first.stop();
    bots.splice(0);
    slack.reset();

    // The next process starts after the due time (its clock says so) and finds the work in Neo4j.
    const dueAt = Date.parse(executed?.verification?.dueAt ?? '');
    const second = await startTestBot(env, { executor, now: () => new Date(dueAt + 5_000) });
    bots.push(second);
    await vi.waitFor(async () => {
      expect((await second.runtime.approvals.get('demo', approve.value))?.verification?.status).not.toBe('scheduled');
    }, { timeout: 30_000, interval: 100 });
    // Posted by the second process into the request's thread (the first one's posts are forgotten by reset()).
    // (Other tests' leftover requests in the shared database may be swept too, into their own threads.)
    const inThread = (): string[] => slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === reply.args.thread_ts).map((c) => String(c.args.text));
    await vi.waitFor(() => expect(inThread()).toEqual([expect.stringContaining('Verification of aws.ecs.scale on checkout-api')]), { timeout: 10_000, interval: 50 });
    // A second sweep (or another replica's) finds nothing left to do for this request.
    await second.runtime.approvals.sweepVerifications();
    expect(inThread()).toHaveLength(1);
    const verified = (await second.runtime.stores.audit.list('demo', { subjectId: approve.value })).filter((e) => e.type === 'action.verified');
    expect(verified).toHaveLength(1);
    // This request ran once. (The restarted bot's sweeper may also finish requests that other suites left
    // approved on the shared Neo4j, with this executor: they are theirs, not a second run of this one.)
    expect(executor.executed.filter((a) => a.id === approve.value)).toHaveLength(1);
  }, 90_000);

  it('loses no accepted alert: what a stopped process queued is delivered by the next one, once', async () => {
    const payload = JSON.parse(alertFixtureText('alertmanager/firing-group.json')) as { alerts: { fingerprint: string; labels: Record<string, string>; annotations: Record<string, string> }[] };
    const run = randomUUID().slice(0, 8);
    for (const alert of payload.alerts) {
      alert.fingerprint = `${alert.fingerprint}-${run}`;
      alert.labels.alertname = `${alert.labels.alertname ?? 'Alert'}-${run}`;
      alert.annotations.summary = `${alert.annotations.summary ?? ''} (${run})`;
    }
    const parsed = webhookParsers.alertmanager({ body: payload, headers: {} });
    if (parsed.kind !== 'alerts') throw new Error('fixture did not parse');
    // The state a crash between the webhook's 202 and the delivery leaves: the entry written, nothing posted.
    const first = await startTestBot(env, { executor, scheduler: { schedule: () => undefined } });
    const entry = { id: randomUUID(), orgId: 'demo', source: 'alertmanager' as const, alerts: parsed.alerts, receivedAt: Date.now() };
    await first.runtime.stores.alertInbox.add(entry);
    // It had claimed the entry and died mid-delivery; the claim holds for 20 s (which also keeps the
    // bots of other test files sharing this database off it until the next process looks).
    expect(await first.runtime.stores.alertInbox.claim('demo', entry.id, Date.now(), Date.now() + 20_000)).toBe(true);
    await first.stop();
    slack.reset();

    // The next process (a restart, or another replica) sweeps the inbox at start, after the claim lapsed.
    const second = await startTestBot(env, { executor, scheduler: { schedule: () => undefined }, now: () => new Date(Date.now() + 25_000) });
    bots.push(second);
    const titled = (c: SlackCall): boolean => c.args.channel === 'C0000ALERTS' && c.args.thread_ts === undefined && JSON.stringify(c.args).includes(run);
    await vi.waitFor(() => expect(slack.callsOf('chat.postMessage').filter(titled)).toHaveLength(2), { timeout: 30_000, interval: 100 });
    await vi.waitFor(async () => {
      expect((await second.runtime.stores.alertInbox.pending(Date.now() + 3_600_000, 10_000)).some((e) => e.id === entry.id)).toBe(false);
    }, { timeout: 30_000, interval: 100 });
    await vi.waitFor(() => expect(second.background.size).toBe(0), { timeout: 30_000, interval: 50 });
    for (const parent of slack.callsOf('chat.postMessage').filter(titled)) {
      expect(slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === parent.ts).length).toBeGreaterThanOrEqual(1);
    }
  }, 90_000);
});
