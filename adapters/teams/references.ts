import { z } from 'zod';
import type { ConversationReferenceStore } from '../../src/stores/references.ts';
import type { ActivityBase } from './inbound.ts';
import { isChannel, placeOf, tenantOf } from './inbound.ts';

/**
 * A Bot Framework conversation reference as this adapter stores it: where to post (service URL,
 * conversation id), as whom (bot), in which tenant. Read back through this schema, so a stored
 * document another version wrote cannot reach the SDK unchecked.
 */
export const ChannelReference = z.object({
  channelId: z.string().min(1),
  serviceUrl: z.url(),
  bot: z.object({ id: z.string().min(1), name: z.string().optional() }),
  conversation: z.object({
    id: z.string().min(1),
    isGroup: z.boolean().optional(),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
  }),
  locale: z.string().optional(),
});
export type ChannelReference = z.infer<typeof ChannelReference>;

/** The reference of the channel (not the thread) or chat an activity came from. */
export function channelReferenceOf(activity: ActivityBase): { tenantId: string; channelKey: string; reference: ChannelReference } | undefined {
  const tenantId = tenantOf(activity);
  if (!tenantId) return undefined;
  const { channelId } = placeOf(activity);
  const reference: ChannelReference = {
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    bot: { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) },
    conversation: {
      // A channel is addressed by its own id: posting there starts a new thread.
      id: isChannel(activity) ? channelId : activity.conversation.id,
      ...(activity.conversation.isGroup !== undefined ? { isGroup: activity.conversation.isGroup } : {}),
      ...(activity.conversation.conversationType ? { conversationType: activity.conversation.conversationType } : {}),
      tenantId,
    },
    ...(activity.locale ? { locale: activity.locale } : {}),
  };
  return { tenantId, channelKey: channelId, reference };
}

/** The same place, narrowed to one conversation id (a channel thread `…;messageid=…`). */
export function inConversation(reference: ChannelReference, conversationId: string): ChannelReference {
  return { ...reference, conversation: { ...reference.conversation, id: conversationId } };
}

/**
 * Saves channel references, skipping writes when nothing changed since this process last saved the
 * same channel (every message would otherwise be a database write).
 */
export class ReferenceBook {
  private readonly lastSaved = new Map<string, string>();

  constructor(private readonly store: ConversationReferenceStore, private readonly now: () => Date = () => new Date()) {}

  async capture(activity: ActivityBase): Promise<ChannelReference | undefined> {
    const found = channelReferenceOf(activity);
    if (!found) return undefined;
    const key = JSON.stringify([found.tenantId, found.channelKey]);
    const json = JSON.stringify(found.reference);
    if (this.lastSaved.get(key) !== json) {
      await this.store.save({ platform: 'teams', workspaceId: found.tenantId, channelId: found.channelKey, reference: found.reference, updatedAt: this.now().toISOString() });
      if (this.lastSaved.size > 5_000) this.lastSaved.clear();
      this.lastSaved.set(key, json);
    }
    return found.reference;
  }

  async find(tenantId: string, channelId: string): Promise<ChannelReference | undefined> {
    const stored = await this.store.get('teams', tenantId, channelId);
    if (!stored) return undefined;
    const parsed = ChannelReference.safeParse(stored.reference);
    return parsed.success ? parsed.data : undefined;
  }
}
