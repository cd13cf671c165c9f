import { conversationKey, type ConversationRef } from '../../request.ts';
import type { ConversationMessage, ConversationStore } from '../conversations.ts';

const maxPerThread = 200;

export class MemoryConversationStore implements ConversationStore {
  private readonly threads = new Map<string, ConversationMessage[]>();

  async append(orgId: string, ref: ConversationRef, message: ConversationMessage): Promise<void> {
    const key = `${orgId}\u0000${conversationKey(ref)}`;
    const thread = this.threads.get(key) ?? [];
    thread.push({ ...message });
    if (thread.length > maxPerThread) thread.splice(0, thread.length - maxPerThread);
    this.threads.set(key, thread);
  }

  async history(orgId: string, ref: ConversationRef, limit = 20): Promise<ConversationMessage[]> {
    const thread = this.threads.get(`${orgId}\u0000${conversationKey(ref)}`) ?? [];
    return thread.slice(-limit).map((m) => ({ ...m }));
  }

  async close(): Promise<void> {}
}
