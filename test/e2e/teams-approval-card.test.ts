import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DryRunExecutor, type ActionExecutor, type Check, type ExecutionResult } from '../../src/approvals/executor.ts';
import type { ApprovalRequest, JsonValue, ProposedAction } from '../../src/approvals/types.ts';
import type { RunningBot } from '../../src/compose.ts';
import { renderApproval } from '../../adapters/teams/render.ts';
import type { Scheduler } from '../../src/approvals/verification.ts';
import { startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector, type ConnectorCall } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

interface Action { type: string; title?: string; verb?: string; data?: { approvalId?: string }; card?: Card }
interface Card { body: unknown[]; actions?: Action[] }
interface InvokeAnswer { statusCode: number; type: string; value: unknown }

const demoTenant = '00000000-0000-0000-0000-000000000001';
const thread = '19:ops0000000000000000000000000000@thread.tacv2;messageid=1759944781430';

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

function cardOf(call: ConnectorCall | undefined): Card | undefined {
  return (call?.activity.attachments as { content: Card }[] | undefined)?.[0]?.content;
}

/** Every Action.Execute in a card, including those inside a confirmation (Action.ShowCard). */
function executeActions(card: Card | undefined): Action[] {
  return (card?.actions ?? []).flatMap((a) => (a.type === 'Action.ShowCard' ? a.card?.actions ?? [] : [a])).filter((a) => a.type === 'Action.Execute');
}

describe('Teams approval cards: dry run, result, verification and Undo, as on Slack', () => {
  const teams = new FakeTeamsConnector();
  const executor = new ReversibleExecutor();
  const due: (() => Promise<void>)[] = [];
  const scheduler: Scheduler = { schedule: (_ms, task) => void due.push(task) };
  let bot: RunningBot;

  beforeAll(async () => {
    await teams.start();
    bot = await startTestBot({ TEAMS_ENABLED: 'true' }, { executor, scheduler });
  });
  afterAll(async () => {
    await bot.stop();
    await teams.stop();
  });

  const settled = () => vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });

  async function invoke(verb: string, approvalId: string, replyToId: string): Promise<InvokeAnswer> {
    const click = teamsActivity('invoke-approve', teams.serviceUrl(demoTenant), (a) => {
      a.replyToId = replyToId;
      const action = (a.value as { action: { verb: string; data: { approvalId: string } } }).action;
      action.verb = verb;
      action.data.approvalId = approvalId;
    });
    const response = await postActivity(bot.url, click);
    expect(response.status).toBe(200);
    return await response.json() as InvokeAnswer;
  }

  it('shows the dry run before approval, the result and an Undo after it, and Undo proposes the rollback in the thread', async () => {
    await postActivity(bot.url, teamsActivity('channel-mention', teams.serviceUrl(demoTenant)));
    await settled();
    const cardCall = teams.sent(thread).find((c) => executeActions(cardOf(c)).some((a) => a.verb === 'cloud_companion.approve')) as ConnectorCall;
    const pending = JSON.stringify(cardOf(cardCall));
    expect(pending).toContain('"title":"Dry run (reversible test)","value":"✅ Would set desired count');
    expect(pending).not.toContain('Result (');
    const approvalId = executeActions(cardOf(cardCall)).find((a) => a.verb === 'cloud_companion.approve')?.data?.approvalId as string;
    const messageId = cardCall.activity.id as string;

    // Undo of a request that has not run is refused to the clicker, and nothing is posted.
    teams.reset();
    const early = await invoke('cloud_companion.undo', approvalId, messageId);
    expect(early).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('There is nothing to undo') });
    await settled();
    expect(teams.calls).toHaveLength(0);

    // Approve: the clicker's refreshed card and everyone's updated copy show the result and offer Undo.
    const approved = await invoke('cloud_companion.approve', approvalId, messageId);
    await settled();
    expect(executor.executed.map((a) => a.id)).toEqual([approvalId]);
    const updated = cardOf(teams.updatesOf(messageId).at(-1));
    for (const decided of [approved.value as Card, updated]) {
      const text = JSON.stringify(decided);
      expect(text).toContain('"title":"Result (reversible test)","value":"✅ Scaled checkout-api"');
      expect(text).toContain('Dry run (reversible test)');
      expect(text).toContain('Put checkout-api back as it was');
      expect(executeActions(decided).map((a) => [a.verb, a.data?.approvalId])).toEqual([['cloud_companion.undo', approvalId]]);
    }

    // Undo: a new pending request, posted as its own card in the thread, naming what it undoes.
    teams.reset();
    const undo = await invoke('cloud_companion.undo', approvalId, messageId);
    expect(undo.type).toBe('application/vnd.microsoft.activity.message');
    expect(String(undo.value)).toContain('Undo proposed');
    await settled();
    const posted = teams.sent(thread).filter((c) => c.activity.type === 'message');
    expect(posted).toHaveLength(1);
    expect(String(posted[0]?.activity.text)).toContain('Olga Operator** asked to undo "aws.ecs.scale" on checkout-api');
    const rollbackCard = cardOf(posted[0]);
    expect(JSON.stringify(rollbackCard)).toContain(`"title":"Undoes","value":"request ${approvalId}"`);
    const rollbackId = executeActions(rollbackCard).find((a) => a.verb === 'cloud_companion.approve')?.data?.approvalId;
    expect(rollbackId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rollbackId).not.toBe(approvalId);
    expect((await bot.runtime.approvals.get('demo', rollbackId as string))?.rollbackOf).toBe(approvalId);

    // A second Undo click: no second card, the clicker is told where the first one is.
    teams.reset();
    const again = await invoke('cloud_companion.undo', approvalId, messageId);
    expect(String(again.value)).toContain(`already proposed in this thread (request ${String(rollbackId)}`);
    await settled();
    expect(teams.sent(thread).filter((c) => c.activity.type === 'message')).toHaveLength(0);
  });

  it('shows the verification once it has run, on the card as on Slack\'s', async () => {
    const verifyThread = '19:ops0000000000000000000000000000@thread.tacv2;messageid=1759944990000';
    await postActivity(bot.url, teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => { a.id = '1759944990000'; a.conversation.id = verifyThread; }));
    await settled();
    const cardCall = teams.sent(verifyThread).find((c) => executeActions(cardOf(c)).some((a) => a.verb === 'cloud_companion.approve')) as ConnectorCall;
    const approvalId = executeActions(cardOf(cardCall)).find((a) => a.verb === 'cloud_companion.approve')?.data?.approvalId as string;
    await invoke('cloud_companion.approve', approvalId, cardCall.activity.id as string);
    await settled();
    // The follow-up check runs (the test's scheduler releases it) and is stored on the request.
    for (const task of due.splice(0)) await task();
    await settled();
    const verified = await bot.runtime.approvals.get('demo', approvalId) as ApprovalRequest;
    expect(verified.verification?.status).toMatch(/improved|not_improved|inconclusive/);
    const rendered = JSON.stringify(renderApproval(verified));
    expect(rendered).toContain(`"title":"Verification","value":"${verified.verification?.status} · `);
    expect(rendered).toContain('"title":"Result (reversible test)"');
  });
});
