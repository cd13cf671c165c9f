import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DryRunExecutor, type ActionExecutor, type Check, type ExecutionResult } from '../../src/approvals/executor.ts';
import type { ApprovalRequest, JsonValue, ProposedAction } from '../../src/approvals/types.ts';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';

interface Button { action_id: string; value: string; text: { text: string } }
interface Block { type: string; block_id?: string; elements?: (Button & { text: { text: string } })[]; text?: { text: string } }

const form = 'application/x-www-form-urlencoded';

/** The dry-run executor, except that it reports a prior state and how to restore it, as live executors do for reversible kinds. */
class ReversibleExecutor implements ActionExecutor {
  readonly name = 'reversible test';
  readonly executed: ApprovalRequest[] = [];
  private readonly inner = new DryRunExecutor();
  dryRun(action: ProposedAction): Promise<Check> {
    return this.inner.dryRun(action);
  }
  async execute(approval: ApprovalRequest): Promise<ExecutionResult> {
    this.executed.push(approval);
    return { ok: true, changed: true, message: `Scaled ${approval.action.targetName}`, priorState: { desiredCount: 2 }, rollback: { kind: approval.action.kind, params: approval.action.params as Record<string, JsonValue>, description: `Put ${approval.action.targetName} back as it was` } };
  }
  verify(): Promise<Check> {
    return this.inner.verify();
  }
}

describe('Slack approval cards: dry run, result, undo', () => {
  const slack = new FakeSlack();
  const executor = new ReversibleExecutor();
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl }, { executor });
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  const settled = () => vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  const buttons = (message: SlackCall) => (message.args.blocks as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
  const click = (message: SlackCall, button: Button, user: string) => postToSlackEndpoint(events, {
    secret: testSigningSecret, contentType: form,
    body: blockActionsBody({
      type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: user, username: user.toLowerCase(), team_id: 'T00000001' },
      api_app_id: 'A00000001', token: 't', trigger_id: 't', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
      container: { type: 'message', message_ts: message.ts, channel_id: 'C0000OPS', is_ephemeral: false, thread_ts: message.args.thread_ts },
      message: { type: 'message', ts: message.ts, thread_ts: message.args.thread_ts, text: message.args.text, blocks: message.args.blocks },
      actions: [{ type: 'button', block_id: 'x', action_id: button.action_id, value: button.value, text: { type: 'plain_text', text: button.text.text }, action_ts: '1700000001.000100' }],
    }),
  });

  it('shows the dry run and risk before approval, the result and an Undo after it, and Undo proposes the rollback in the thread', async () => {
    await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('r') }) });
    await settled();
    const parentTs = slack.callsOf('chat.postMessage')[0]?.ts as string;
    const card = slack.thread(parentTs).find((m) => buttons(m).some((b) => b.text.text === 'Approve')) as SlackCall;
    const cardText = JSON.stringify(card.args.blocks);
    expect(cardText).toMatch(/Dry run \(reversible test\): :white_check_mark: Would set desired count/);
    expect(cardText).toMatch(/`aws\.ecs\.scale` · (low|medium|high) risk · needs (operator|admin)/);
    const approve = buttons(card).find((b) => b.text.text === 'Approve') as Button;
    // Buttons carry the approval id only.
    expect(approve.value).toMatch(/^[0-9a-f-]{36}$/);

    await click(card, approve, 'U0000OPER');
    await settled();
    expect(executor.executed).toHaveLength(1);
    const decided = slack.thread(parentTs).find((m) => m.ts === card.ts) as SlackCall;
    expect(JSON.stringify(decided.args.blocks)).toContain('Result (reversible test): :white_check_mark: Scaled checkout-api');
    const undo = buttons(decided).find((b) => b.text.text === 'Undo') as Button;
    expect(undo).toMatchObject({ action_id: 'cloud_companion.undo', value: approve.value });
    expect(buttons(decided).some((b) => b.text.text === 'Approve' && b.value === approve.value)).toBe(false);

    const before = slack.thread(parentTs).length;
    await click(decided, undo, 'U0000OPER');
    await settled();
    const after = slack.thread(parentTs);
    expect(after).toHaveLength(before + 1);
    const rollback = after.at(-1) as SlackCall;
    expect(String(rollback.args.text)).toContain('asked to undo `aws.ecs.scale` on checkout-api');
    expect(JSON.stringify(rollback.args.blocks)).toContain(`Undoes request \`${approve.value}\``);
    const rollbackApprove = buttons(rollback).find((b) => b.text.text === 'Approve') as Button;
    expect(rollbackApprove.value).not.toBe(approve.value);

    // A second Undo click: no second card, the clicker is told where the first one is.
    slack.reset();
    await click(decided, undo, 'U0000ADMIN');
    await settled();
    expect(slack.thread(parentTs)).toHaveLength(before + 1);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
    expect(slack.callsOf('chat.postEphemeral').map((c) => [c.args.user, String(c.args.text)])).toEqual([['U0000ADMIN', expect.stringContaining(`already proposed in this thread (request ${rollbackApprove.value}`)]]);

    // Someone without the role is refused privately; the card stays as it is for everyone else.
    slack.reset();
    await click(rollback, rollbackApprove, 'U0000VIEW');
    await settled();
    expect(slack.callsOf('chat.update')).toHaveLength(0);
    expect(slack.callsOf('chat.postEphemeral').map((c) => c.args.user)).toEqual(['U0000VIEW']);
    expect(executor.executed).toHaveLength(1);
  });
});
