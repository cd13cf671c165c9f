import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector, type ConnectorCall } from '../support/fake-teams.ts';
import { postActivity, teamsActivity, type ActivityJson } from '../support/teams-activities.ts';

interface Element { type: string; text?: string; size?: string }

const demoTenant = '00000000-0000-0000-0000-000000000001';
const personalChat = 'a:1personalchat00000000000000000000000000000000';

function texts(call: ConnectorCall | undefined): string[] {
  const body = (call?.activity.attachments as { content?: { body?: Element[] } }[] | undefined)?.[0]?.content?.body ?? [];
  return body.filter((e) => e.type === 'TextBlock').map((e) => e.text ?? '');
}

/** Issue #20, defects 2–4, as Microsoft's Agents Playground showed them. */
describe('Teams: one welcome per conversation, help placeholders visible, approvals with a heading', () => {
  const teams = new FakeTeamsConnector();
  let bot: RunningBot;

  beforeAll(async () => {
    await teams.start();
    bot = await startTestBot({ TEAMS_ENABLED: 'true' }, { executor: new RecordingExecutor() });
  });
  afterAll(async () => {
    await bot.stop();
    await teams.stop();
  });
  beforeEach(() => {
    teams.reset();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
  }

  /** The two activities Teams (and the Playground) send when the app is added to a personal chat. */
  function installs(conversationId: string, action = 'add'): ActivityJson[] {
    const base = (a: ActivityJson): void => {
      a.conversation = { id: conversationId, conversationType: 'personal', tenantId: demoTenant };
      a.channelData = { tenant: { id: demoTenant } };
    };
    return [
      teamsActivity('conversation-update-install', teams.serviceUrl(demoTenant), (a) => { base(a); a.id = `${conversationId}-cu`; }),
      teamsActivity('conversation-update-install', teams.serviceUrl(demoTenant), (a) => {
        base(a);
        a.id = `${conversationId}-iu`;
        a.type = 'installationUpdate';
        a.action = action;
        delete a.membersAdded;
      }),
    ];
  }

  it('welcomes a conversation once although Teams announces the install twice, and again after a reinstall', async () => {
    const conversation = 'a:1welcome0000000000000000000000000000000000001';
    for (const activity of installs(conversation)) expect((await postActivity(bot.url, activity)).status).toBe(200);
    await settled();
    expect(teams.sent(conversation).filter((c) => c.activity.type === 'message')).toHaveLength(1);

    // An app upgrade is no install.
    await postActivity(bot.url, installs(conversation, 'add-upgrade')[1]);
    await settled();
    expect(teams.sent(conversation).filter((c) => c.activity.type === 'message')).toHaveLength(1);

    // Uninstalled, then installed again: a new welcome.
    await postActivity(bot.url, installs(conversation, 'remove')[1]);
    await settled();
    for (const activity of installs(conversation)) await postActivity(bot.url, activity);
    await settled();
    expect(teams.sent(conversation).filter((c) => c.activity.type === 'message')).toHaveLength(2);
  });

  it('keeps <question>, <name> and <query> in the help card: escaped, never taken for HTML tags', async () => {
    await postActivity(bot.url, teamsActivity('personal-message', teams.serviceUrl(demoTenant), (a) => { a.id = '1759970000001'; (a as { text?: string }).text = 'help'; }));
    await settled();
    const help = teams.sent(personalChat).find((c) => c.activity.type === 'message');
    const lines = texts(help);
    expect(lines.join('\n')).toContain('&lt;question&gt;');
    expect(lines.join('\n')).toContain('resource &lt;name&gt;');
    expect(lines.join('\n')).toContain('runbook &lt;query&gt;');
    for (const line of lines) expect(line).not.toMatch(/<[a-z/][^>]*>/i);
  });

  it('gives the `approvals` answer card a heading', async () => {
    // An investigation proposes approvals; `approvals` then lists them.
    await postActivity(bot.url, teamsActivity('personal-message', teams.serviceUrl(demoTenant), (a) => { a.id = '1759970000002'; (a as { text?: string }).text = 'why is checkout-api slow?'; }));
    await settled();
    teams.reset();
    await postActivity(bot.url, teamsActivity('personal-message', teams.serviceUrl(demoTenant), (a) => { a.id = '1759970000003'; (a as { text?: string }).text = 'approvals'; }));
    await settled();
    const messages = teams.sent(personalChat).filter((c) => c.activity.type === 'message');
    const placeholder = messages[0];
    const answer = teams.updatesOf(placeholder?.activity.id as string).at(-1);
    const first = texts(answer)[0] ?? '';
    expect(first).toMatch(/^\*\*\d+ pending approval request\(s\)\*\*$/);
    expect(messages.length).toBeGreaterThan(1);
  });
});

