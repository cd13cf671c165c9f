import type { WebClient } from '@slack/web-api';
import type { ChannelAddress, ChatChannel, ChatContent, PostedMessage } from '../../src/chat/port.ts';
import type { Logger } from '../../src/logging.ts';
import { slackWorkspaceKey } from './ids.ts';
import { escapeMrkdwn, truncate } from './mrkdwn.ts';
import { renderReply, type SlackMessage } from './render.ts';
import { uploadReplyImages } from './uploads.ts';

/**
 * The core's chat port on Slack: posts and updates with the bot token (one workspace per token, so
 * the organization id is not needed to pick a client).
 */
export class SlackChatChannel implements ChatChannel {
  readonly platform = 'slack' as const;

  /** `tokenFor`: with multi-workspace OAuth, the bot token of a workspace (the client has none of its own). */
  constructor(
    private readonly client: WebClient,
    private readonly tokenFor: (workspaceId: string | undefined) => Promise<string | undefined> = async () => undefined,
    private readonly log?: Logger,
  ) {}

  async post(_orgId: string, to: ChannelAddress, content: ChatContent, threadId?: string): Promise<PostedMessage> {
    const message = render(content);
    const token = await this.tokenFor(to.workspaceId);
    const result = await this.client.chat.postMessage({
      ...(token ? { token } : {}),
      channel: to.channelId, text: message.text, ...(message.blocks.length ? { blocks: message.blocks } : {}),
      ...(threadId ? { thread_ts: threadId } : {}), unfurl_links: false, unfurl_media: false,
    });
    if (!result.ts) throw new Error(`Slack returned no ts for a message in ${to.channelId}`);
    // An answer in a thread (an alert's investigation) brings its charts and diagrams along.
    if (threadId && typeof content !== 'string' && this.log) await uploadReplyImages(this.client, result.channel ?? to.channelId, threadId, content, this.log, token);
    return {
      platform: 'slack', channelId: result.channel ?? to.channelId,
      // Matches the key inbound events build (enterprise:team), so a mention in the thread finds its history.
      workspaceKey: slackWorkspaceKey(undefined, to.workspaceId),
      messageId: result.ts, threadId: threadId ?? result.ts,
    };
  }

  async update(_orgId: string, message: PostedMessage, content: ChatContent): Promise<void> {
    const rendered = render(content);
    const token = await this.tokenFor(message.workspaceKey);
    await this.client.chat.update({ ...(token ? { token } : {}), channel: message.channelId, ts: message.messageId, text: rendered.text, blocks: rendered.blocks });
    if (typeof content !== 'string' && this.log) await uploadReplyImages(this.client, message.channelId, message.threadId, content, this.log, token);
  }
}

/** Plain text from the core carries alert data: escaped, so a title cannot ping a channel or forge a link. */
function render(content: ChatContent): SlackMessage {
  return typeof content === 'string' ? { text: truncate(escapeMrkdwn(content), 3000), blocks: [] } : renderReply(content);
}
