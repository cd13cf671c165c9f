import type { Reply } from '../reply.ts';
import type { Platform } from '../request.ts';

/**
 * The core's way to speak first on a chat platform (an alert arriving by webhook has no incoming
 * message to answer). Adapters implement it and register it at compose time; the core never
 * imports a platform SDK.
 */

/** A channel to post into. `workspaceId` is the platform's own workspace id (Slack team, Teams tenant), when known. */
export interface ChannelAddress {
  platform: Platform;
  channelId: string;
  workspaceId?: string;
}

/** A message the adapter posted; enough to update it and to reply under it. */
export interface PostedMessage {
  platform: Platform;
  channelId: string;
  /** Conversation-key form of the workspace, as the adapter builds it for inbound messages (Slack `enterprise:team`). */
  workspaceKey: string;
  /** The message's own id (Slack ts, Teams activity id). */
  messageId: string;
  /** The thread to reply in: the parent's id (Slack thread_ts, Teams `channel;messageid=…`). */
  threadId: string;
}

/** Plain text, or a platform-neutral reply the adapter renders as it renders answers. */
export type ChatContent = string | Reply;

export interface ChatChannel {
  readonly platform: Platform;
  /** Posts at the top of the channel, or in `threadId` when given. */
  post(orgId: string, to: ChannelAddress, content: ChatContent, threadId?: string): Promise<PostedMessage>;
  /**
   * Replaces a message this bot posted (e.g. a placeholder with the answer). What a reply brings
   * besides its text (pictures, and on Teams the approval cards that travel as messages of their
   * own) follows in the message's thread, as `post` would send it.
   */
  update(orgId: string, message: PostedMessage, content: ChatContent): Promise<void>;
}

/** The chat channels registered at compose time, by platform. */
export class ChatChannels {
  private readonly byPlatform = new Map<Platform, ChatChannel>();

  register(channel: ChatChannel): void {
    this.byPlatform.set(channel.platform, channel);
  }

  get(platform: Platform): ChatChannel | undefined {
    return this.byPlatform.get(platform);
  }

  get platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }
}
