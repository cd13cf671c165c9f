import type { Platform } from '../../request.ts';
import { referenceKey, type ConversationReferenceStore, type StoredReference } from '../references.ts';

export class MemoryConversationReferenceStore implements ConversationReferenceStore {
  private readonly byKey = new Map<string, string>();

  async save(reference: StoredReference): Promise<void> {
    // Stored as JSON so a caller mutating its object afterwards cannot change what was saved.
    this.byKey.set(referenceKey(reference.platform, reference.workspaceId, reference.channelId), JSON.stringify(reference));
  }

  async get(platform: Platform, workspaceId: string, channelId: string): Promise<StoredReference | undefined> {
    const stored = this.byKey.get(referenceKey(platform, workspaceId, channelId));
    return stored === undefined ? undefined : JSON.parse(stored) as StoredReference;
  }

  async close(): Promise<void> {}
}
