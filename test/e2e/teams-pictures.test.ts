import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector, type ConnectorCall } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

interface Element { type: string; text?: string; url?: string; altText?: string; fontType?: string }
interface Attachment { contentType: string; contentUrl?: string; name?: string; content?: { body: Element[] } }

const demoTenant = '00000000-0000-0000-0000-000000000001';
const opsChannel = '19:ops0000000000000000000000000000@thread.tacv2';

function attachments(call: ConnectorCall | undefined): Attachment[] {
  return (call?.activity.attachments as Attachment[] | undefined) ?? [];
}

function decodeDataUri(uri: string | undefined): PNG {
  expect(uri).toMatch(/^data:image\/png;base64,/);
  return PNG.sync.read(Buffer.from((uri as string).slice('data:image/png;base64,'.length), 'base64'));
}

describe('Teams: diagrams and charts in the reply, end to end', () => {
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

  /**
   * Mentions the bot with `text` in a new thread of the ops channel; returns what it sent there: the
   * answer (the placeholder's last update, then the picture cards of the message right after it,
   * which Teams cannot take in an update) and whatever else followed.
   */
  async function mention(id: string, text: string): Promise<{ answer: Attachment[]; sent: ConnectorCall[] }> {
    const thread = `${opsChannel};messageid=${id}`;
    const activity = teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => { a.id = id; a.conversation.id = thread; a.text = `<at>Cloud Companion</at> ${text}`; });
    expect((await postActivity(bot.url, activity)).status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
    const sent = teams.sent(thread).filter((c) => c.activity.type === 'message');
    const placeholder = sent[0];
    const isPictures = (c: ConnectorCall): boolean => attachments(c).length > 0 && attachments(c).every((a) => a.content?.body[0]?.type === 'Image');
    const pictures = sent.slice(1).filter(isPictures);
    return { answer: [...attachments(teams.updatesOf(placeholder?.activity.id as string).at(-1)), ...pictures.flatMap(attachments)], sent: sent.slice(1).filter((c) => !isPictures(c)) };
  }

  /**
   * A picture as Teams shows it: inline in the answer card (Image with altText), or, when too big
   * for the card, in a picture card in the message that follows the answer, described in the card.
   */
  function picture(answer: Attachment[], file: RegExp, alt: RegExp): { uri?: string; alt?: string } {
    const body = answer[0]?.content?.body ?? [];
    const inline = body.find((e) => e.type === 'Image' && alt.test(e.altText ?? ''));
    if (inline) return { ...(inline.url ? { uri: inline.url } : {}), ...(inline.altText ? { alt: inline.altText } : {}) };
    // Beside it: a card of its own holding the picture (Teams and the Agents Playground both render that).
    const image = answer.slice(1).flatMap((a) => a.content?.body ?? []).find((e) => e.type === 'Image' && alt.test(e.altText ?? ''));
    const described = body.find((e) => e.type === 'TextBlock' && alt.test((e.text ?? '').replace(/^\S+ /, '')));
    return { ...(image?.url ? { uri: image.url } : {}), ...(described?.text ? { alt: described.text } : {}) };
  }

  it('`@Cloud Companion diagram <resource>` puts the diagram in the reply, with its alt text', async () => {
    const { answer, sent } = await mention('1759950000001', 'diagram checkout-api');
    expect(answer[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(answer[0]?.content)).toContain('Dependency diagram of checkout-api');
    const { uri, alt } = picture(answer, /-diagram\.png$/, /^Dependency diagram of checkout-api/);
    const png = decodeDataUri(uri);
    expect(png.width).toBeGreaterThan(300);
    expect(alt).toMatch(/Dependency diagram of checkout-api: \d+ resources shown/);
    // The answer and its picture: nothing else follows.
    expect(sent).toHaveLength(0);
    // The card itself stays within the budget Teams accepts everywhere.
    expect(Buffer.byteLength(JSON.stringify(answer[0]?.content))).toBeLessThanOrEqual(28 * 1024);
  });

  it('`--format mermaid` shows the Mermaid text in the card, monospace', async () => {
    const { answer } = await mention('1759950000002', 'diagram checkout-api --format mermaid');
    const body = answer[0]?.content?.body ?? [];
    expect(body.some((e) => e.fontType === 'Monospace' && e.text === 'flowchart LR')).toBe(true);
    expect(body.some((e) => e.type === 'Image')).toBe(false);
  });

  it('an investigation brings its metric chart and the affected chain\'s diagram into the thread', async () => {
    const { answer, sent } = await mention('1759950000003', 'why is checkout-api slow?');
    const card = JSON.stringify(answer[0]?.content);
    expect(card).toContain('Affected chain: checkout-api');
    const chart = picture(answer, /cpuutilization\.png$/, /^Line chart of CPUUtilization for checkout-api/);
    expect(chart.alt).toBeDefined();
    decodeDataUri(chart.uri);
    const diagram = picture(answer, /-diagram\.png$/, /^Dependency diagram of checkout-api/);
    expect(diagram.alt).toBeDefined();
    decodeDataUri(diagram.uri);
    // Whatever follows the answer is an approval card, never a stray picture.
    expect(sent.every((c) => attachments(c)[0]?.contentType === 'application/vnd.microsoft.card.adaptive')).toBe(true);
  });
});
