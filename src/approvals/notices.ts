import type { ChannelAddress, ChatChannels } from '../chat/port.ts';
import type { Logger } from '../logging.ts';
import type { ApprovalNotice, NoticeListener } from './service.ts';
import type { ApprovalRequest } from './types.ts';

/**
 * Said when a proposal reuses the same action already pending in the organization: which request,
 * since when, until when, and where it was asked, so nobody approves a duplicate or wonders why.
 */
export function alreadyPendingNote(approval: ApprovalRequest): string {
  const { platform, channelId, threadId } = approval.conversation;
  const who = approval.requestedByName ?? approval.requestedBy;
  const where = `${platform} channel ${channelId}${threadId ? `, thread ${threadId}` : ''}`;
  return `${approval.action.kind} on ${approval.action.targetName} with these parameters is already pending (request ${approval.id}, asked by ${who} at ${approval.createdAt} in ${where}; it expires at ${approval.expiresAt}). It was not proposed again: the card below is that request.`;
}

/**
 * Posts approval follow-ups (the verification some minutes after an action ran) in the request's
 * own thread, through the chat channel the adapters registered for its platform. A platform with
 * no registered channel (the CLI, or a surface that is off) only gets a log line.
 */
export function postApprovalNotices(chat: ChatChannels, logger: Logger): NoticeListener {
  return async (notice: ApprovalNotice) => {
    const { conversation, orgId, id } = notice.approval;
    const channel = chat.get(conversation.platform);
    if (!channel) {
      logger.info({ orgId, approvalId: id, platform: conversation.platform }, 'approval follow-up not posted: no chat channel for this platform');
      return;
    }
    // Teams keys a conversation by its tenant, which is also where to post; Slack posts with the bot token alone.
    const to: ChannelAddress = { platform: conversation.platform, channelId: conversation.channelId, ...(conversation.platform === 'teams' ? { workspaceId: conversation.workspaceId } : {}) };
    await channel.post(orgId, to, notice.reply, conversation.threadId);
  };
}
