import type { ChannelAddress, ChatChannel, ChatContent, PostedMessage } from '../../src/chat/port.ts';
import { CompanionError } from '../../src/errors.ts';
import type { TenantDirectory } from '../../src/tenancy/directory.ts';
import type { TeamsConnector } from './connector.ts';
import { threadConversationId } from './ids.ts';
import { deliverFitted, sendFitted } from './delivery.ts';
import { contentMessages } from './messages.ts';
import { inConversation, type ChannelReference, type ReferenceBook } from './references.ts';

/**
 * The chat port for Teams: the bot speaks first (an alert from a webhook) into a channel it has been
 * in, through the reference stored when it was installed there or first mentioned. A post at the top
 * of a channel starts a thread (`<channel>;messageid=<post id>`); replies go into it.
 */
export class TeamsChatChannel implements ChatChannel {
  readonly platform = 'teams' as const;

  constructor(
    private readonly connector: TeamsConnector,
    private readonly references: ReferenceBook,
    private readonly tenants: TenantDirectory,
  ) {}

  async post(orgId: string, to: ChannelAddress, content: ChatContent, threadId?: string): Promise<PostedMessage> {
    const { tenantId, reference } = await this.locate(orgId, to.channelId, to.workspaceId);
    const [first, ...rest] = await contentMessages(content);
    let messageId: string | undefined;
    await this.connector.open(threadId ? inConversation(reference, threadId) : reference, async (outbox) => {
      messageId = first ? await sendFitted(outbox, first) : undefined;
      for (const activity of rest) await sendFitted(outbox, activity);
    });
    if (!messageId) throw new CompanionError('provider_unavailable', 'Teams accepted the message but returned no id for it.', { hint: 'Try again; if it persists, check the bot\'s Teams channel in Azure.' });
    // Channels are threaded; personal and group chats are one conversation.
    const thread = threadId ?? (reference.conversation.conversationType === 'channel' ? threadConversationId(to.channelId, messageId) : reference.conversation.id);
    return { platform: 'teams', channelId: to.channelId, workspaceKey: tenantId, messageId, threadId: thread };
  }

  async update(orgId: string, message: PostedMessage, content: ChatContent): Promise<void> {
    const { reference } = await this.locate(orgId, message.channelId, message.workspaceKey || undefined);
    const [first, ...rest] = await contentMessages(content);
    if (!first) return;
    await this.connector.open(inConversation(reference, message.threadId), async (outbox) => {
      await deliverFitted(first, (activity) => outbox.update(message.messageId, activity));
      for (const activity of rest) await sendFitted(outbox, activity);
    });
  }

  /** The stored reference of a channel, in the named tenant or in any Teams tenant bound to the organization. */
  private async locate(orgId: string, channelId: string, tenantId: string | undefined): Promise<{ tenantId: string; reference: ChannelReference }> {
    const org = await this.tenants.getOrganization(orgId);
    const bound = org?.bindings.teams.tenants ?? [];
    // A channel is only ever posted to on behalf of the organization its tenant is bound to.
    const candidates = tenantId ? bound.filter((t) => t === tenantId) : bound;
    for (const candidate of candidates) {
      const reference = await this.references.find(candidate, channelId);
      if (reference) return { tenantId: candidate, reference };
    }
    throw new CompanionError('not_found', `I have no way to post into Teams channel ${channelId} for "${orgId}" yet.`, {
      hint: candidates.length === 0
        ? `Bind the organization's Microsoft Entra tenant under bindings.teams.tenants in tenants.yaml.`
        : 'Add Cloud Companion to that team (or @mention it once in the channel) so it learns where the channel is, then try again.',
    });
  }
}
