import { z } from 'zod';
import type { Inbound } from '../../src/companion.ts';
import { slackWorkspaceKey } from './ids.ts';

/** The fields of a slash command this adapter relies on (Slack sends more). */
export const SlashCommandPayload = z.object({
  command: z.string(),
  text: z.string().max(4000).default(''),
  team_id: z.string().min(1),
  enterprise_id: z.string().optional(),
  channel_id: z.string().min(1),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  response_url: z.string().optional(),
  trigger_id: z.string().optional(),
});
export type SlashCommandPayload = z.infer<typeof SlashCommandPayload>;

export const AppMentionEnvelope = z.object({
  event_id: z.string().min(1),
  team_id: z.string().optional(),
  enterprise_id: z.string().nullish(),
  authorizations: z.array(z.object({ team_id: z.string().nullish(), enterprise_id: z.string().nullish() })).optional(),
  event: z.object({
    type: z.literal('app_mention'),
    user: z.string().min(1),
    text: z.string().max(40_000),
    ts: z.string().min(1),
    channel: z.string().min(1),
    thread_ts: z.string().optional(),
  }),
});
export type AppMentionEnvelope = z.infer<typeof AppMentionEnvelope>;

export const BlockActionPayload = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id: z.string(), enterprise_id: z.string().optional() }).nullable().optional(),
  enterprise: z.object({ id: z.string() }).nullable().optional(),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional(), team_id: z.string().optional() }),
  channel: z.object({ id: z.string().min(1) }),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional(), blocks: z.array(z.unknown()).optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() })).min(1),
});
export type BlockActionPayload = z.infer<typeof BlockActionPayload>;

export function inboundFromCommand(command: SlashCommandPayload): Inbound {
  return {
    platform: 'slack', source: 'slash',
    workspace: { slackTeamId: command.team_id, ...(command.enterprise_id ? { slackEnterpriseId: command.enterprise_id } : {}) },
    workspaceKey: slackWorkspaceKey(command.enterprise_id, command.team_id),
    channelId: command.channel_id,
    userId: command.user_id,
    ...(command.user_name ? { userName: command.user_name } : {}),
  };
}

export function inboundFromMention(envelope: AppMentionEnvelope): Inbound {
  const auth = envelope.authorizations?.[0];
  const teamId = auth?.team_id ?? envelope.team_id ?? undefined;
  const enterpriseId = auth?.enterprise_id ?? envelope.enterprise_id ?? undefined;
  return {
    platform: 'slack', source: 'mention',
    workspace: { ...(teamId ? { slackTeamId: teamId } : {}), ...(enterpriseId ? { slackEnterpriseId: enterpriseId } : {}) },
    workspaceKey: slackWorkspaceKey(enterpriseId, teamId),
    channelId: envelope.event.channel,
    threadId: envelope.event.thread_ts ?? envelope.event.ts,
    userId: envelope.event.user,
  };
}

export function inboundFromAction(payload: BlockActionPayload): Inbound {
  // For org-wide installs `team` is null; the user's team and the enterprise identify the workspace.
  const teamId = payload.team?.id ?? payload.user.team_id;
  const enterpriseId = payload.enterprise?.id ?? payload.team?.enterprise_id;
  const threadId = payload.message?.thread_ts ?? payload.container?.thread_ts;
  return {
    platform: 'slack', source: 'slash',
    workspace: { ...(teamId ? { slackTeamId: teamId } : {}), ...(enterpriseId ? { slackEnterpriseId: enterpriseId } : {}) },
    workspaceKey: slackWorkspaceKey(enterpriseId, teamId),
    channelId: payload.channel.id,
    ...(threadId ? { threadId } : {}),
    userId: payload.user.id,
    ...(payload.user.username ?? payload.user.name ? { userName: payload.user.username ?? payload.user.name } : {}),
  };
}

/** Removes the leading bot mention(s) from an app_mention's text. */
export function stripMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, ' ').replace(/\s+/g, ' ').trim();
}
