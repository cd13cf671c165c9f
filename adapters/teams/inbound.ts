import { z } from 'zod';
import type { Inbound } from '../../src/companion.ts';
import { approveVerb, denyVerb, splitConversationId, threadConversationId, undoVerb } from './ids.ts';

/**
 * The fields of Bot Framework activities this adapter relies on (Teams sends more). Shapes follow a
 * captured Teams channel @mention (platform-rules §2.4) and the Bot Framework activity schema.
 */
const ChannelAccount = z.object({
  id: z.string().min(1).max(512),
  name: z.string().max(512).optional(),
  aadObjectId: z.string().max(128).optional(),
});

const ConversationAccount = z.object({
  id: z.string().min(1).max(1024),
  conversationType: z.string().max(64).optional(),
  isGroup: z.boolean().optional(),
  tenantId: z.string().max(128).optional(),
  name: z.string().max(512).optional(),
});

const TeamsChannelData = z.object({
  tenant: z.object({ id: z.string().min(1).max(128) }).optional(),
  channel: z.object({ id: z.string().min(1).max(512), name: z.string().optional() }).optional(),
  team: z.object({ id: z.string().min(1).max(512), name: z.string().optional(), aadGroupId: z.string().optional() }).optional(),
  teamsChannelId: z.string().max(512).optional(),
  teamsTeamId: z.string().max(512).optional(),
  eventType: z.string().max(128).optional(),
});

const ActivityBase = z.object({
  id: z.string().min(1).max(512).optional(),
  channelId: z.string().min(1).max(64),
  serviceUrl: z.url(),
  from: ChannelAccount,
  recipient: ChannelAccount,
  conversation: ConversationAccount,
  channelData: TeamsChannelData.optional(),
  replyToId: z.string().max(512).optional(),
  locale: z.string().max(32).optional(),
});
export type ActivityBase = z.infer<typeof ActivityBase>;

/** What every activity must hold before botbuilder sees it (it answers a malformed one with a 500). */
export const ActivityEnvelope = ActivityBase.extend({ type: z.string().min(1).max(64) });

const MentionEntity = z.object({
  type: z.literal('mention'),
  text: z.string().max(1024).optional(),
  mentioned: ChannelAccount,
});

export const MessageActivity = ActivityBase.extend({
  type: z.literal('message'),
  id: z.string().min(1).max(512),
  text: z.string().max(40_000).default(''),
  entities: z.array(z.unknown()).max(100).optional(),
});
export type MessageActivity = z.infer<typeof MessageActivity>;

export const ApprovalInvokeActivity = ActivityBase.extend({
  type: z.literal('invoke'),
  name: z.literal('adaptiveCard/action'),
  value: z.object({
    action: z.object({
      type: z.literal('Action.Execute'),
      verb: z.enum([approveVerb, denyVerb, undoVerb]),
      data: z.object({ approvalId: z.uuid() }),
    }),
    trigger: z.enum(['manual', 'automatic']).optional(),
  }),
});
export type ApprovalInvokeActivity = z.infer<typeof ApprovalInvokeActivity>;

/** The bot added to a team, a group chat or a personal scope (and other membership changes). */
export const InstallActivity = z.union([
  ActivityBase.extend({ type: z.literal('conversationUpdate'), membersAdded: z.array(ChannelAccount).max(1000).optional(), membersRemoved: z.array(ChannelAccount).max(1000).optional() }),
  ActivityBase.extend({ type: z.literal('installationUpdate'), action: z.string().max(64).optional() }),
]);
export type InstallActivity = z.infer<typeof InstallActivity>;

/** The Entra tenant the activity came from: channelData.tenant.id, else conversation.tenantId. */
export function tenantOf(activity: ActivityBase): string | undefined {
  return activity.channelData?.tenant?.id ?? activity.conversation.tenantId;
}

/** A channel (rather than a personal or group chat) conversation. */
export function isChannel(activity: ActivityBase): boolean {
  return activity.conversation.conversationType === 'channel' || activity.channelData?.channel !== undefined;
}

/**
 * The channel (or chat) id policies are keyed by, and the thread the message belongs to. A channel
 * message's conversation id already names its thread (`;messageid=`); a new top-level post is the
 * root of its own thread.
 */
export function placeOf(activity: ActivityBase & { id?: string }): { channelId: string; threadId?: string } {
  const split = splitConversationId(activity.conversation.id);
  if (!isChannel(activity)) return { channelId: activity.conversation.id };
  const channelId = activity.channelData?.channel?.id ?? activity.channelData?.teamsChannelId ?? split.channelId;
  const root = split.rootMessageId ?? activity.id;
  return { channelId, ...(root ? { threadId: threadConversationId(channelId, root) } : {}) };
}

export function inboundFrom(activity: ActivityBase & { id?: string }): Inbound {
  const tenantId = tenantOf(activity) ?? '';
  const place = placeOf(activity);
  return {
    platform: 'teams',
    source: 'mention',
    workspace: tenantId ? { teamsTenantId: tenantId } : {},
    workspaceKey: tenantId,
    channelId: place.channelId,
    ...(place.threadId ? { threadId: place.threadId } : {}),
    // Roles are granted to Entra (Azure AD) object ids; the Teams-scoped `29:` id is the fallback.
    userId: activity.from.aadObjectId ?? activity.from.id,
    ...(activity.from.name ? { userName: activity.from.name } : {}),
  };
}

/** The activity's well-formed mention entities that mention the bot (anything else among the entities is ignored). */
function botMentions(activity: MessageActivity): z.infer<typeof MentionEntity>[] {
  return (activity.entities ?? []).flatMap((entity) => {
    const mention = MentionEntity.safeParse(entity);
    return mention.success && mention.data.mentioned.id === activity.recipient.id ? [mention.data] : [];
  });
}

/** True when the message @mentions the bot. */
export function mentionsBot(activity: MessageActivity): boolean {
  return botMentions(activity).length > 0;
}

/**
 * The message text without the bot's @mention. Mentions are found through the activity's mention
 * entities (Teams says the text alone may be altered), every occurrence is removed, and the HTML
 * residue Teams leaves in plain text (`&nbsp;`, tags) is cleaned up.
 */
export function questionText(activity: MessageActivity): string {
  let text = activity.text;
  for (const mention of botMentions(activity)) {
    const tag = mention.text ?? `<at>${mention.mentioned.name ?? ''}</at>`;
    text = text.split(tag).join(' ');
  }
  return text
    .replace(/&nbsp;/gi, ' ')
    .replace(/<\/?(at|p|div|span|br|b|i|strong|em)\b[^>]*>/gi, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when the bot itself is among the members added (it was installed here); an app upgrade (`add-upgrade`) is not an install. */
export function botWasAdded(activity: InstallActivity): boolean {
  if (activity.type === 'installationUpdate') return activity.action === undefined || activity.action === 'add';
  return (activity.membersAdded ?? []).some((m) => m.id === activity.recipient.id);
}

/** True when the app was uninstalled here (the bot removed from the conversation). */
export function botWasRemoved(activity: InstallActivity): boolean {
  if (activity.type === 'installationUpdate') return activity.action === 'remove';
  return (activity.membersRemoved ?? []).some((m) => m.id === activity.recipient.id);
}
