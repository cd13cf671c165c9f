import { z } from 'zod';
import type { AlertLink } from '../../src/alerts/alert.ts';
import type { ChatAlertMessage } from '../../src/alerts/sources/index.ts';
import type { Inbound } from '../../src/companion.ts';
import { slackWorkspaceKey } from './ids.ts';

/**
 * Messages that alerting integrations post into Slack. They come in two shapes (bolt-python #198):
 * modern apps post with no subtype but a `bot_id`; classic apps, incoming webhooks and Workflow
 * Builder post with `subtype: bot_message`. Either way the content is often in `attachments` or
 * `blocks`, with `text` empty or a fallback.
 */

const Attachment = z.object({
  fallback: z.string().optional(),
  color: z.string().optional(),
  pretext: z.string().optional(),
  title: z.string().optional(),
  title_link: z.string().optional(),
  text: z.string().optional(),
  fields: z.array(z.object({ title: z.string().default(''), value: z.string().default('') }).loose()).optional(),
  footer: z.string().optional(),
  ts: z.union([z.string(), z.number()]).optional(),
  blocks: z.array(z.unknown()).optional(),
}).loose();

export const MessageEnvelope = z.object({
  event_id: z.string().min(1),
  team_id: z.string().optional(),
  enterprise_id: z.string().nullish(),
  authorizations: z.array(z.object({ team_id: z.string().nullish(), enterprise_id: z.string().nullish() })).optional(),
  event: z.object({
    type: z.literal('message'),
    subtype: z.string().optional(),
    channel: z.string().min(1),
    ts: z.string().min(1),
    thread_ts: z.string().optional(),
    bot_id: z.string().optional(),
    app_id: z.string().optional(),
    user: z.string().optional(),
    username: z.string().optional(),
    bot_profile: z.object({ name: z.string().optional() }).loose().optional(),
    text: z.string().max(40_000).default(''),
    attachments: z.array(Attachment).max(100).optional(),
    blocks: z.array(z.unknown()).max(100).optional(),
  }).loose(),
});
export type MessageEnvelope = z.infer<typeof MessageEnvelope>;

/** A top-level message from another bot: the only kind that can be an alert. */
export function isAlertCandidate(envelope: MessageEnvelope, self: { botId?: string; botUserId?: string }): boolean {
  const e = envelope.event;
  if (!e.bot_id) return false;
  if (e.subtype !== undefined && e.subtype !== 'bot_message') return false;
  if (e.bot_id === self.botId || (e.user !== undefined && e.user === self.botUserId)) return false;
  return e.thread_ts === undefined || e.thread_ts === e.ts;
}

export function inboundFromMessage(envelope: MessageEnvelope): Inbound {
  const auth = envelope.authorizations?.[0];
  const teamId = auth?.team_id ?? envelope.team_id ?? undefined;
  const enterpriseId = auth?.enterprise_id ?? envelope.enterprise_id ?? undefined;
  const e = envelope.event;
  const name = e.bot_profile?.name ?? e.username;
  return {
    platform: 'slack', source: 'alert',
    workspace: { ...(teamId ? { slackTeamId: teamId } : {}), ...(enterpriseId ? { slackEnterpriseId: enterpriseId } : {}) },
    workspaceKey: slackWorkspaceKey(enterpriseId, teamId),
    channelId: e.channel,
    threadId: e.ts,
    userId: e.bot_id ?? e.user ?? 'unknown-bot',
    ...(name ? { userName: name } : {}),
  };
}

/** Flattens the message into the parts the core's chat-alert parser reads. */
export function chatAlertMessage(envelope: MessageEnvelope): ChatAlertMessage {
  const e = envelope.event;
  const attachments = e.attachments ?? [];
  const blockTexts = blocksText(e.blocks ?? []);
  const header = headerText(e.blocks ?? []);
  const first = attachments[0];
  const title = first?.title ?? header;
  const lines = [
    e.text,
    ...attachments.flatMap((a) => [a.pretext, a.title === title ? undefined : a.title, a.text, ...blocksText(a.blocks ?? [])]),
    ...blockTexts.filter((t) => t !== header),
  ].filter((t): t is string => Boolean(t?.trim()));
  const links: AlertLink[] = attachments.flatMap((a) => (a.title_link && /^https?:\/\//.test(a.title_link) ? [{ label: a.title ?? 'Alert', url: a.title_link }] : []));
  const seconds = Number(e.ts.split('.')[0]);
  const name = e.bot_profile?.name ?? e.username;
  return {
    authorId: e.bot_id ?? e.user ?? 'unknown-bot',
    ...(name ? { authorName: name } : {}),
    ...(Number.isFinite(seconds) && seconds > 0 ? { postedAt: new Date(seconds * 1000).toISOString() } : {}),
    ...(title ? { title: unescapeSlack(title) } : {}),
    text: unescapeSlack([...new Set(lines)].join('\n')),
    fields: attachments.flatMap((a) => a.fields ?? []).map((f) => ({ title: unescapeSlack(f.title), value: unescapeSlack(f.value) })),
    links,
    ...(first?.color ? { color: first.color } : {}),
  };
}

const TextObject = z.object({ text: z.string() }).loose();
const Block = z.object({
  type: z.string(),
  text: TextObject.optional(),
  fields: z.array(TextObject).optional(),
  elements: z.array(z.unknown()).optional(),
}).loose();

function headerText(blocks: readonly unknown[]): string | undefined {
  for (const raw of blocks) {
    const block = Block.safeParse(raw);
    if (block.success && block.data.type === 'header' && block.data.text) return block.data.text.text;
  }
  return undefined;
}

/** The visible text of header, section, context, markdown and rich_text blocks. */
function blocksText(blocks: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const raw of blocks) {
    const block = Block.safeParse(raw);
    if (!block.success) continue;
    if (block.data.text) out.push(block.data.text.text);
    if (typeof (raw as { text?: unknown }).text === 'string') out.push((raw as { text: string }).text);
    for (const field of block.data.fields ?? []) out.push(field.text);
    if (block.data.elements) out.push(...elementsText(block.data.elements));
  }
  return out;
}

function elementsText(elements: readonly unknown[]): string[] {
  const out: string[] = [];
  const line: string[] = [];
  for (const element of elements) {
    if (typeof element !== 'object' || element === null) continue;
    const e = element as { type?: unknown; text?: unknown; url?: unknown; elements?: unknown };
    if (typeof e.text === 'string') line.push(e.text);
    else if (typeof e.url === 'string') line.push(e.url);
    if (Array.isArray(e.elements)) out.push(...elementsText(e.elements));
  }
  if (line.length) out.unshift(line.join(''));
  return out;
}

/** Slack escapes &, < and > and wraps links as <url|label>: back to plain text for parsing. */
function unescapeSlack(text: string): string {
  return text
    .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:\/\/[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
