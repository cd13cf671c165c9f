import type { Platform } from '../../request.ts';
import { referenceKey, type ConversationReferenceStore, type StoredReference } from '../references.ts';
import type { Neo4jConnection } from './driver.ts';

interface ReferenceRow {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  reference: string;
  updatedAt: string;
}

/**
 * References in Neo4j, so every replica can post into a channel another one heard from, and they
 * survive restarts: one (:ConversationReference {key}) per channel under a uniqueness constraint,
 * the reference itself as a JSON string (its shape belongs to the platform).
 */
export class Neo4jConversationReferenceStore implements ConversationReferenceStore {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async save(reference: StoredReference): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (r:ConversationReference {key: $key})
        SET r.platform = $platform, r.workspaceId = $workspaceId, r.channelId = $channelId, r.reference = $reference, r.updatedAt = $updatedAt`, {
        key: referenceKey(reference.platform, reference.workspaceId, reference.channelId),
        platform: reference.platform,
        workspaceId: reference.workspaceId,
        channelId: reference.channelId,
        reference: JSON.stringify(reference.reference),
        updatedAt: reference.updatedAt,
      });
    });
  }

  async get(platform: Platform, workspaceId: string, channelId: string): Promise<StoredReference | undefined> {
    const row = await this.db.read(async (tx) => {
      const result = await tx.run<{ r: ReferenceRow }>(`
        MATCH (r:ConversationReference {key: $key})
        RETURN r { .platform, .workspaceId, .channelId, .reference, .updatedAt } AS r`, { key: referenceKey(platform, workspaceId, channelId) });
      return result.records[0]?.get('r');
    });
    if (!row) return undefined;
    return { ...row, reference: JSON.parse(row.reference) as Record<string, unknown> };
  }

  async close(): Promise<void> {
    await this.release();
  }
}
