import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Scheduler } from '../../src/approvals/verification.ts';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { staticCredentials } from '../support/cloud.ts';

interface Button { action_id: string; value: string; text: { text: string } }
interface Block { type: string; block_id?: string; elements?: Button[]; text?: { text: string } }

const form = 'application/x-www-form-urlencoded';
const ecs = 'https://ecs.us-east-1.amazonaws.com';
const amzJson = { 'content-type': 'application/x-amz-json-1.1' };
const serviceArn = 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api';

function service(desired: number, running: number) {
  return { serviceArn, serviceName: 'checkout-api', status: 'ACTIVE', desiredCount: desired, runningCount: running, pendingCount: 0, deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', desiredCount: desired, runningCount: running, rolloutState: 'COMPLETED' }] };
}

/**
 * The live executor end to end: a Slack question proposes a scale-out whose card carries the dry
 * run ECS answered; the Approve click runs UpdateService through the AWS SDK (answered by nock in
 * ECS's JSON 1.1 format); the result, a refusal included, is posted in the thread; the verification
 * follow-up lands in the same thread some minutes later; the undo goes through the same approval.
 */
describe('live actions through Slack', () => {
  const slack = new FakeSlack();
  const due: (() => Promise<void>)[] = [];
  const scheduler: Scheduler = { schedule: (_ms, task) => void due.push(task) };
  const updates: Record<string, unknown>[] = [];
  let desired = 2;
  let refuse = false;
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    // ECS as it answers: DescribeServices shows the current count, UpdateService changes it (or is refused).
    nock(ecs).persist().post('/').reply(function (_uri, raw) {
      const target = String(this.req.headers['x-amz-target']);
      const body = JSON.parse(String(raw)) as Record<string, unknown>;
      if (target.endsWith('.DescribeServices')) return [200, { services: [service(desired, desired)], failures: [] }, amzJson];
      if (target.endsWith('.UpdateService')) {
        updates.push(body);
        if (refuse) return [400, { __type: 'AccessDeniedException', message: 'User: arn:aws:sts::111111111111:assumed-role/CloudCompanion/cloud-companion-demo is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api' }, amzJson];
        desired = body['desiredCount'] as number;
        return [200, { service: service(desired, desired) }, amzJson];
      }
      return [400, { __type: 'InvalidParameterException', message: `unexpected ${target}` }, amzJson];
    });
    bot = await startTestBot(
      { SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, ACTION_EXECUTOR: 'live', ACTION_VERIFY_AFTER_MINUTES: '5' },
      { credentials: staticCredentials(), scheduler },
    );
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  beforeEach(() => {
    slack.reset();
    updates.length = 0;
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  /** Asks in #ops, and returns the answer and its Approve button for the scale-out. */
  async function askForScaleOut(): Promise<{ reply: SlackCall; approve: Button }> {
    await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('r') }) });
    await settled();
    const parent = slack.callsOf('chat.postMessage')[0] as SlackCall;
    const reply = slack.thread(parent.ts as string)[0] as SlackCall;
    const blocks = reply.args.blocks as Block[];
    const approve = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? [])
      .find((b) => b.text.text === 'Approve' && blocks.some((blk) => blk.block_id === `approval:${b.value}` && blk.text?.text.includes('aws.ecs.scale')));
    if (!approve) throw new Error('no Approve button for aws.ecs.scale');
    return { reply, approve };
  }

  async function click(reply: SlackCall, button: Button, user: string): Promise<void> {
    const body = blockActionsBody({
      type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: user, username: user.toLowerCase(), team_id: 'T00000001' },
      api_app_id: 'A00000001', trigger_id: 't', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
      container: { type: 'message', message_ts: '1700000000.000002', channel_id: 'C0000OPS', thread_ts: reply.args.thread_ts },
      message: { type: 'message', ts: '1700000000.000002', thread_ts: reply.args.thread_ts, text: reply.args.text, blocks: reply.args.blocks },
      actions: [{ type: 'button', block_id: 'b', action_id: button.action_id, value: button.value, text: { type: 'plain_text', text: button.text.text }, action_ts: '1' }],
    });
    expect((await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body })).status).toBe(200);
    await settled();
  }

  it('shows ECS refusing the approved action, with its reason, in the thread', async () => {
    desired = 2;
    refuse = true;
    const { reply, approve } = await askForScaleOut();
    const stored = await bot.runtime.approvals.get('demo', approve.value);
    expect(stored?.dryRun).toMatchObject({ ok: true, executor: 'live', message: 'checkout-api runs 2 of 2 desired tasks; it would be set to 6.' });
    slack.reset();

    await click(reply, approve, 'U0000OPER');
    expect(updates).toEqual([{ cluster: 'prod-cluster', service: 'checkout-api', desiredCount: 6 }]);
    const result = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === reply.args.thread_ts);
    expect(String(result?.args.text)).toContain('AWS refused to run "set desired count of ECS service checkout-api to 6": AccessDeniedException');
    expect(String(result?.args.text)).toContain('not authorized to perform: ecs:UpdateService');
    expect(await bot.runtime.approvals.get('demo', approve.value)).toMatchObject({ state: 'failed', execution: { ok: false, providerCode: 'AccessDeniedException', executor: 'live' } });
    expect(due).toHaveLength(0);
  });

  it('scales out, posts the verification in the thread later, and undoes through the same approval', async () => {
    desired = 2;
    refuse = false;
    const { reply, approve } = await askForScaleOut();
    slack.reset();
    await click(reply, approve, 'U0000OPER');
    expect(updates).toEqual([{ cluster: 'prod-cluster', service: 'checkout-api', desiredCount: 6 }]);
    const result = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === reply.args.thread_ts);
    expect(String(result?.args.text)).toContain('Desired count of checkout-api set from 2 to 6.');
    const done = await bot.runtime.approvals.get('demo', approve.value);
    expect(done).toMatchObject({ state: 'succeeded', execution: { priorState: { desiredCount: 2 }, rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 } } }, verification: { status: 'scheduled' } });

    // Five minutes later: ECS is read back and the metrics re-read; the follow-up lands in the thread.
    slack.reset();
    expect(due).toHaveLength(1);
    for (const task of due.splice(0)) await task();
    const followUp = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === reply.args.thread_ts);
    expect(String(followUp?.args.text)).toContain('Verification of aws.ecs.scale on checkout-api');
    expect((await bot.runtime.approvals.get('demo', approve.value))?.verification).toMatchObject({ targetState: { ok: true, message: 'checkout-api: 6 running of 6 desired (asked for 6).' } });

    // Undo: a new request with the prior count, which runs only once approved.
    const context = await bot.runtime.companion.resolveContext({ platform: 'slack', source: 'slash', workspace: { slackTeamId: 'T00000001' }, workspaceKey: ':T00000001', channelId: 'C0000OPS', userId: 'U0000OPER', threadId: String(reply.args.thread_ts) });
    if (!context.ok) throw new Error(context.message);
    const undo = await bot.runtime.companion.proposeRollback(context.context, approve.value);
    if (!undo.ok) throw new Error(undo.message);
    expect(undo.approval).toMatchObject({ state: 'pending', rollbackOf: approve.value, action: { kind: 'aws.ecs.scale', params: { desiredCount: 2 } }, dryRun: { ok: true, message: 'checkout-api runs 6 of 6 desired tasks; it would be set to 2.' } });
    expect(updates).toHaveLength(1);
    expect(await bot.runtime.companion.decide(context.context, undo.approval.id, 'approve')).toMatchObject({ kind: 'executed', approval: { state: 'succeeded' } });
    expect(updates.at(-1)).toEqual({ cluster: 'prod-cluster', service: 'checkout-api', desiredCount: 2 });
    expect(desired).toBe(2);
  });
});
