import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector, teamsMaxBodyBytes, type ConnectorCall } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

interface Element { type: string; text?: string; url?: string; verb?: string; card?: Card; actions?: Element[] }
interface Card { type: string; body: Element[]; actions?: Element[] }
interface Attachment { contentType: string; contentUrl?: string; name?: string; content?: Card }

const demoTenant = '00000000-0000-0000-0000-000000000001';
const opsChannel = '19:ops0000000000000000000000000000@thread.tacv2';

function attachments(call: ConnectorCall | undefined): Attachment[] {
  return (call?.activity.attachments as Attachment[] | undefined) ?? [];
}

function cardText(call: ConnectorCall | undefined): string {
  return JSON.stringify(attachments(call)[0]?.content ?? {});
}

function bytesOf(call: ConnectorCall): number {
  return Buffer.byteLength(JSON.stringify(call.activity), 'utf8');
}

/** The pictures a message shows: Image elements in its cards (the answer card or picture cards beside it) and any image attachment. */
function pictures(call: ConnectorCall | undefined): string[] {
  const beside = attachments(call).filter((a) => a.contentType === 'image/png').map((a) => a.contentUrl ?? '');
  const inCards = attachments(call).flatMap((a) => a.content?.body ?? []).filter((e) => e.type === 'Image').map((e) => e.url ?? '');
  return [...inCards, ...beside];
}

function approve(card: Card): Element[] {
  return (card.actions ?? []).flatMap((a) => (a.type === 'Action.ShowCard' ? a.card?.actions ?? [] : [a])).filter((a) => a.type === 'Action.Execute');
}

/**
 * Issue #20, found with Microsoft's own Teams client (the Agents Playground): the flagship answer
 * (card + diagram + chart) was one 155 KB activity, Teams refused it with 413, the thread stayed on
 * "⏳ Drawing the diagram…" and the approval cards were never posted. The fake connector now refuses
 * bodies over 100 KB as Teams does.
 */
describe('Teams delivery: every activity within Teams\' size limit, nothing stuck', () => {
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
    teams.maxBodyBytes = teamsMaxBodyBytes;
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
  }

  /** Mentions the bot in a new thread; returns the placeholder's last update and what followed it. */
  async function mention(id: string, text: string): Promise<{ thread: string; final?: ConnectorCall; after: ConnectorCall[] }> {
    const thread = `${opsChannel};messageid=${id}`;
    const activity = teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => { a.id = id; a.conversation.id = thread; a.text = `<at>Cloud Companion</at> ${text}`; });
    expect((await postActivity(bot.url, activity)).status).toBe(200);
    await settled();
    const messages = teams.sent(thread).filter((c) => c.activity.type === 'message');
    const placeholder = messages[0];
    return { thread, ...(placeholder ? { final: teams.updatesOf(placeholder.activity.id as string).at(-1) } : {}), after: messages.slice(1) };
  }

  it('posts the flagship answer with its diagram and chart, and its approval cards, each activity under 100 KB', async () => {
    const { final, after } = await mention('1759960000001', 'why is checkout-api slow?');
    expect(teams.refused).toEqual([]);
    expect(cardText(final)).toContain('Affected chain: checkout-api');
    expect(cardText(final)).not.toContain('⏳');
    // Both pictures arrive, as real PNGs, in the answer or in messages of their own.
    const shown = [...pictures(final), ...after.flatMap(pictures)];
    expect(shown).toHaveLength(2);
    for (const uri of shown) {
      expect(uri).toMatch(/^data:image\/png;base64,/);
      expect(PNG.sync.read(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64')).width).toBeGreaterThanOrEqual(400);
    }
    // Every activity leaves room below the limit (Teams counts more than the JSON we send).
    for (const call of teams.calls) expect(bytesOf(call)).toBeLessThanOrEqual(80 * 1024);
    const approvalCards = after.filter((c) => approve(attachments(c)[0]?.content ?? { type: '', body: [] }).length > 0);
    expect(approvalCards.length).toBeGreaterThan(0);
    expect(JSON.stringify(approvalCards.map(cardText))).toContain('aws.ecs.scale');
  });

  it('resends a message without its pictures when Teams still refuses it as too large, and says so', async () => {
    teams.maxBodyBytes = 20 * 1024;
    const { final, after } = await mention('1759960000002', 'why is checkout-api slow?');
    expect(teams.refused.length).toBeGreaterThan(0);
    expect(cardText(final)).toContain('Affected chain: checkout-api');
    // The refused pictures message was sent again without its pictures, saying why.
    expect(after.some((c) => /too large for Teams/.test(cardText(c)))).toBe(true);
    expect([...pictures(final), ...after.flatMap(pictures)]).toEqual([]);
    expect(after.some((c) => approve(attachments(c)[0]?.content ?? { type: '', body: [] }).length > 0)).toBe(true);
  });

  it('never leaves the placeholder on a progress step when the answer cannot be posted at all', async () => {
    // Only tiny messages pass: the placeholder and its progress steps, not the answer card.
    teams.maxBodyBytes = 1800;
    const { final } = await mention('1759960000003', 'why is checkout-api slow?');
    expect(teams.refused.length).toBeGreaterThan(0);
    const last = cardText(final);
    expect(last).not.toContain('⏳');
    expect(last).toMatch(/could not post the answer/i);
  });
});
