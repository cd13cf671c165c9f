import type { ChannelAddress, ChatChannels } from '../chat/port.ts';
import type { Logger } from '../logging.ts';
import type { ApprovalNotice, NoticeListener } from './service.ts';

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
