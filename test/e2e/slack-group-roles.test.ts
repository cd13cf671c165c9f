import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { demoTenantsWith } from '../support/tenants.ts';

interface Button { action_id: string; value: string; text: { text: string } }
interface Block { type: string; elements?: Button[] }

const form = 'application/x-www-form-urlencoded';
// U0000GRP has no member entry (the demo's defaultRole is viewer); the on-call group makes them an operator.
const tenantsFile = demoTenantsWith('demo', { groups: [{ platform: 'slack', groupId: 'S0000ONCALL', role: 'operator' }] });

/** A bot on the demo tenants plus a Slack user group role, with its own fake Slack. */
function harness() {
  const slack = new FakeSlack();
  const executor = new RecordingExecutor();
  const state = { bot: undefined as RunningBot | undefined };
  const events = () => `${state.bot?.url}/slack/events`;
  const settled = () => vi.waitFor(() => expect(state.bot?.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  const buttons = (message: SlackCall) => (message.args.blocks as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

  /** Asks in the ops channel and returns the approval card the answer carries. */
  async function approvalCard(): Promise<SlackCall> {
    slack.reset();
    await postToSlackEndpoint(events(), { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('r') }) });
    await settled();
    const parentTs = slack.callsOf('chat.postMessage')[0]?.ts as string;
    return slack.thread(parentTs).find((m) => buttons(m).some((b) => b.text.text === 'Approve')) as SlackCall;
  }

  async function approve(card: SlackCall, user: string): Promise<void> {
    slack.reset();
    const button = buttons(card).find((b) => b.text.text === 'Approve') as Button;
    await postToSlackEndpoint(events(), {
      secret: testSigningSecret, contentType: form,
      body: blockActionsBody({
        type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: user, username: user.toLowerCase(), team_id: 'T00000001' },
        api_app_id: 'A00000001', token: 't', trigger_id: 't', response_url: slack.responseUrl('click'), channel: { id: 'C0000OPS', name: 'ops' },
        container: { type: 'message', message_ts: card.ts, channel_id: 'C0000OPS', is_ephemeral: false, thread_ts: card.args.thread_ts },
        message: { type: 'message', ts: card.ts, thread_ts: card.args.thread_ts, text: card.args.text, blocks: card.args.blocks },
        actions: [{ type: 'button', block_id: 'x', action_id: button.action_id, value: button.value, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1700000001.000100' }],
      }),
    });
    await settled();
  }

  beforeAll(async () => {
    await slack.start();
    state.bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, TENANTS_FILE: tenantsFile }, { executor });
  });
  afterAll(async () => {
    await state.bot?.stop();
    await slack.stop();
  });
  return { slack, executor, approvalCard, approve };
}

describe('Slack roles from user groups', () => {
  const { slack, executor, approvalCard, approve } = harness();

  it('a member of a user group granted operator approves; someone outside it is refused as a viewer', async () => {
    slack.userGroups.set('S0000ONCALL', ['U0000GRP', 'U0000OPER']);
    const card = await approvalCard();

    await approve(card, 'U0000OUT');
    expect(executor.executed).toHaveLength(0);
    expect(slack.callsOf('chat.postEphemeral').map((c) => [c.args.user, c.args.text])).toEqual([['U0000OUT', expect.stringContaining('you are a viewer')]]);

    await approve(card, 'U0000GRP');
    expect(executor.executed).toHaveLength(1);
    expect(executor.executed[0]?.decisions.at(-1)?.by).toBe('U0000GRP');
    expect(slack.callsOf('chat.postEphemeral')).toHaveLength(0);
  });

  it('asks Slack once per group within the cache time, not once per click', async () => {
    const card = await approvalCard();
    await approve(card, 'U0000OUT');
    expect(slack.callsOf('usergroups.users.list')).toHaveLength(0);
  });
});

describe('Slack roles when the user-group directory cannot be read', () => {
  const { slack, executor, approvalCard, approve } = harness();

  it('falls back to member entries and the default role, and still answers', async () => {
    slack.userGroups.set('S0000ONCALL', ['U0000GRP']);
    slack.userGroupsError = 'missing_scope';
    const card = await approvalCard();

    // In the group, but the group cannot be read: only the default role (viewer) applies.
    await approve(card, 'U0000GRP');
    // A failed lookup is not remembered: each one asks Slack again (here: the click's context and the decision).
    expect(new Set(slack.callsOf('usergroups.users.list').map((c) => c.args.usergroup))).toEqual(new Set(['S0000ONCALL']));
    expect(executor.executed).toHaveLength(0);
    expect(slack.callsOf('chat.postEphemeral').map((c) => c.args.user)).toEqual(['U0000GRP']);

    // An explicit member entry (U0000OPER is an operator in tenants.yaml) still counts.
    await approve(card, 'U0000OPER');
    expect(executor.executed).toHaveLength(1);
  });
});
