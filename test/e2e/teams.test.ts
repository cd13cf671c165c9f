import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector, type ConnectorCall } from '../support/fake-teams.ts';
import { inTenant, postActivity, teamsActivity, type ActivityJson } from '../support/teams-activities.ts';

interface Card { type: string; version: string; body: Element[]; actions?: Element[] }
interface Element { type: string; text?: string; verb?: string; title?: string; data?: { approvalId?: string }; card?: Card; facts?: { title: string; value: string }[] }

const demoTenant = '00000000-0000-0000-0000-000000000001';
const globexTenant = '00000000-0000-0000-0000-000000000002';
const opsChannel = '19:ops0000000000000000000000000000@thread.tacv2';
const thread = `${opsChannel};messageid=1759944781430`;

function cardOf(call: ConnectorCall | undefined): Card {
  const attachments = call?.activity.attachments as { contentType: string; content: Card }[] | undefined;
  const first = attachments?.[0];
  expect(first?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return (first as { content: Card }).content;
}

/** Every Action.Execute in a card, including those inside a confirmation (Action.ShowCard). */
function executeActions(card: Card): Element[] {
  return (card.actions ?? []).flatMap((a) => (a.type === 'Action.ShowCard' ? a.card?.actions ?? [] : [a])).filter((a) => a.type === 'Action.Execute');
}

describe('Teams end to end: @mention → threaded answer card → Approve once', () => {
  const teams = new FakeTeamsConnector();
  const executor = new RecordingExecutor();
  let bot: RunningBot;

  beforeAll(async () => {
    await teams.start();
    bot = await startTestBot({ TEAMS_ENABLED: 'true' }, { executor });
  });
  afterAll(async () => {
    await bot.stop();
    await teams.stop();
  });
  beforeEach(() => {
    teams.reset();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  function mention(patch: (a: ActivityJson) => void = () => undefined): ActivityJson {
    return teamsActivity('channel-mention', teams.serviceUrl(demoTenant), patch);
  }

  /** Asks in the ops channel thread and returns the approval cards posted after the answer. */
  async function askForApprovals(id: string): Promise<ConnectorCall[]> {
    const response = await postActivity(bot.url, mention((a) => { a.id = id; }));
    expect(response.status).toBe(200);
    await settled();
    const approvals = teams.sent(thread).filter((c) => c.activity.type === 'message' && executeActions(cardOf(c)).length > 0);
    expect(approvals.length).toBeGreaterThan(0);
    return approvals;
  }

  it('answers a channel @mention in its thread: typing, a placeholder updated as tools run, the answer card, approval cards', async () => {
    const response = await postActivity(bot.url, mention());
    expect(response.status).toBe(200);
    await settled();

    // Everything went to the thread's conversation id (…;messageid=root), as new activities, never as replies to an id.
    expect(teams.calls.every((c) => c.conversationId === thread)).toBe(true);
    expect(teams.calls.some((c) => c.kind === 'reply')).toBe(false);
    const sent = teams.sent(thread);
    expect(sent[0]?.activity.type).toBe('typing');
    const placeholder = sent[1] as ConnectorCall;
    expect(JSON.stringify(cardOf(placeholder))).toContain('Looking into it');

    const updates = teams.updatesOf(placeholder.activity.id as string);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const progress = updates.slice(0, -1).map((u) => JSON.stringify(cardOf(u)));
    expect(progress.some((p) => /Finding the resources|Walking dependencies|Reading metrics|Searching runbooks/.test(p))).toBe(true);
    const answer = cardOf(updates.at(-1));
    expect(answer.version).toBe('1.5');
    expect(Buffer.byteLength(JSON.stringify(answer))).toBeLessThan(28 * 1024);
    const answerText = JSON.stringify(answer);
    expect(answerText).toContain('checkout-api');
    expect(answerText).toContain('Metrics, last 60 min');
    expect(answerText).toContain('📖');
    expect(updates.at(-1)?.activity.summary).toMatch(/checkout-api/);

    // The answer's pictures follow it as picture cards (an update cannot carry them); then the approval cards.
    const approvals = sent.slice(2).filter((c) => !cardOf(c).body.every((e) => e.type === 'Image' || e.type === 'TextBlock') || executeActions(cardOf(c)).length > 0);
    expect(approvals.length).toBeGreaterThan(0);
    for (const call of approvals) {
      const card = cardOf(call);
      expect(card.version).toBe('1.5');
      const verbs = executeActions(card).map((a) => a.verb).sort();
      expect(verbs).toEqual(['cloud_companion.approve', 'cloud_companion.deny']);
      expect(executeActions(card).every((a) => typeof a.data?.approvalId === 'string')).toBe(true);
    }
    expect(JSON.stringify(approvals.map((c) => cardOf(c)))).toContain('aws.ecs.scale');

    // The channel's reference was stored for proactive posts (alerts), addressed to the channel itself.
    const stored = await bot.runtime.stores.references.get('teams', demoTenant, opsChannel);
    expect(stored?.reference).toMatchObject({ serviceUrl: teams.serviceUrl(demoTenant), conversation: { id: opsChannel, tenantId: demoTenant }, bot: { id: '28:00000000-0000-0000-0000-0000000000b0' } });
  });

  it('answers a redelivered activity id once, even when both copies arrive together', async () => {
    const activity = mention((a) => { a.id = '1759944790001'; a.text = '<at>Cloud Companion</at> resource checkout-db'; });
    const responses = await Promise.all([postActivity(bot.url, activity), postActivity(bot.url, activity)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    await settled();
    expect((await postActivity(bot.url, activity)).status).toBe(200);
    await settled();
    const placeholders = teams.sent(thread).filter((c) => c.activity.type === 'message');
    expect(placeholders).toHaveLength(1);
    expect(teams.sent(thread).filter((c) => c.activity.type === 'typing')).toHaveLength(1);
    expect(JSON.stringify(cardOf(teams.updatesOf(placeholders[0]?.activity.id as string).at(-1)))).toContain('checkout-db');
  });

  it('continues the conversation for follow-ups in the same thread, stripping the mention', async () => {
    const followUpThread = `${opsChannel};messageid=1759944800000`;
    const first = mention((a) => { a.id = '1759944800000'; a.conversation.id = followUpThread; a.text = '<at>Cloud Companion</at> resource orders-queue'; });
    const second = mention((a) => { a.id = '1759944800123'; a.conversation.id = followUpThread; a.text = '<at>Cloud Companion</at>&nbsp;deps orders-queue'; });
    await postActivity(bot.url, first);
    await settled();
    await postActivity(bot.url, second);
    await settled();
    const history = await bot.runtime.stores.conversations.history('demo', { platform: 'teams', workspaceId: demoTenant, channelId: opsChannel, threadId: followUpThread });
    expect(history.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['resource', 'deps']);
    expect(history).toHaveLength(4);
    expect(teams.calls.every((c) => c.conversationId === followUpThread)).toBe(true);
  });

  it('answers in a personal chat, without a mention', async () => {
    const personal = teamsActivity('personal-message', teams.serviceUrl(demoTenant));
    expect((await postActivity(bot.url, personal)).status).toBe(200);
    await settled();
    const conversation = 'a:1personalchat00000000000000000000000000000000';
    expect(teams.calls.every((c) => c.conversationId === conversation)).toBe(true);
    const placeholder = teams.sent(conversation).find((c) => c.activity.type === 'message');
    const answer = JSON.stringify(cardOf(teams.updatesOf(placeholder?.activity.id as string).at(-1)));
    expect(answer).toContain('checkout-db');
    expect(answer).toMatch(/depends on|Depends on/);
  });

  it('runs an approved action once for a double click, and shows the decision to the clicker and to everyone', async () => {
    const [approvalCall] = await askForApprovals('1759944810000');
    const approvalId = executeActions(cardOf(approvalCall)).find((a) => a.verb === 'cloud_companion.approve')?.data?.approvalId as string;
    const cardMessageId = approvalCall?.activity.id as string;
    teams.reset();
    const before = executor.executed.length;

    const click = teamsActivity('invoke-approve', teams.serviceUrl(demoTenant), (a) => {
      a.replyToId = cardMessageId;
      (a.value as { action: { data: { approvalId: string } } }).action.data.approvalId = approvalId;
    });
    const [first, second] = await Promise.all([postActivity(bot.url, click), postActivity(bot.url, { ...click, id: 'f:second-click' })]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const bodies = await Promise.all([first.json(), second.json()]) as { statusCode: number; type: string; value: Card }[];
    for (const body of bodies) {
      expect(body.statusCode).toBe(200);
      expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(JSON.stringify(body.value)).toContain('Approved by Olga Operator');
      expect(executeActions(body.value)).toHaveLength(0);
    }
    await settled();

    expect(executor.executed.slice(before).map((a) => a.id)).toEqual([approvalId]);
    // Everyone's copy of the card is updated once; the result is posted once, in the thread.
    const updates = teams.updatesOf(cardMessageId);
    expect(updates).toHaveLength(1);
    expect(JSON.stringify(cardOf(updates[0]))).toContain('succeeded');
    const results = teams.sent(thread).filter((c) => c.activity.type === 'message');
    expect(results).toHaveLength(1);
    expect(String(results[0]?.activity.text)).toMatch(/Olga Operator\*\* approved "aws\.ecs\.scale" on checkout-api: Dry run/);
    const audit = await bot.runtime.stores.audit.list('demo', { subjectId: approvalId });
    const types = audit.map((e) => e.type);
    expect(types.filter((t) => t === 'approval.approved')).toHaveLength(1);
    expect(types.filter((t) => t === 'action.succeeded')).toHaveLength(1);
  });

  it('refuses Approve from a user without the role, with a message to that user, and runs nothing', async () => {
    const [approvalCall] = await askForApprovals('1759944820000');
    const approvalId = executeActions(cardOf(approvalCall)).find((a) => a.verb === 'cloud_companion.approve')?.data?.approvalId as string;
    teams.reset();
    const before = executor.executed.length;
    const click = teamsActivity('invoke-approve', teams.serviceUrl(demoTenant), (a) => {
      a.from = { id: '29:1-viewer', name: 'Vic Viewer', aadObjectId: '00000000-0000-0000-0000-0000000000ff' };
      a.replyToId = approvalCall?.activity.id as string;
      (a.value as { action: { data: { approvalId: string } } }).action.data.approvalId = approvalId;
    });
    const response = await postActivity(bot.url, click);
    const body = await response.json() as { statusCode: number; type: string; value: string };
    expect(body.type).toBe('application/vnd.microsoft.activity.message');
    expect(body.value).toMatch(/Only (operators|admins) can approve/);
    await settled();
    expect(executor.executed.length).toBe(before);
    expect(teams.calls).toHaveLength(0);
    expect((await bot.runtime.approvals.get('demo', approvalId))?.state).toBe('pending');
  });

  it('gives an unbound tenant the onboarding text and no data', async () => {
    const unbound = '00000000-0000-0000-0000-0000000000ee';
    await postActivity(bot.url, mention((a) => { a.id = '1759944830000'; inTenant(a, unbound); }));
    await settled();
    const messages = teams.sent(thread).filter((c) => c.activity.type === 'message');
    expect(messages).toHaveLength(1);
    expect(String(messages[0]?.activity.text)).toContain('not connected to a Cloud Companion organization');
    expect(String(messages[0]?.activity.text)).toContain(unbound);
    expect(teams.visibleText()).not.toContain('checkout-api');
  });

  it('answers Globex from Globex data only', async () => {
    await postActivity(bot.url, teamsActivity('channel-mention', teams.serviceUrl(globexTenant), (a) => { a.id = '1759944840000'; inTenant(a, globexTenant); }));
    await settled();
    const text = teams.visibleText();
    expect(text).toContain('checkout-api');
    for (const demoOnly of ['111111111111', '222222222222', 'orders-queue', 'demo-prod', 'ecs-service-high-latency']) expect(text).not.toContain(demoOnly);
  });

  it('says hello where it is installed, and stores that channel for proactive posts', async () => {
    const install = teamsActivity('conversation-update-install', teams.serviceUrl(demoTenant));
    expect((await postActivity(bot.url, install)).status).toBe(200);
    await settled();
    const teamChannel = '19:team000000000000000000000000000@thread.tacv2';
    const posts = teams.sent(teamChannel);
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(cardOf(posts[0]))).toContain('@Cloud Companion');
    const stored = await bot.runtime.stores.references.get('teams', demoTenant, teamChannel);
    expect(stored?.reference).toMatchObject({ conversation: { id: teamChannel } });
  });

  it('retries Teams rate limits and transient errors, and posts each activity once', async () => {
    teams.failNext(429, 2, { 'Retry-After': '0' });
    teams.failNext(412, 1);
    teams.failNext(502, 1);
    await postActivity(bot.url, mention((a) => { a.id = '1759944850000'; a.text = '<at>Cloud Companion</at> resource checkout-api'; }));
    await settled();
    const sent = teams.sent(thread);
    expect(sent.map((c) => c.activity.type)).toEqual(['typing', 'message']);
    const updates = teams.updatesOf(sent[1]?.activity.id as string);
    expect(JSON.stringify(cardOf(updates.at(-1)))).toContain('checkout-api');
  });
});
