import { conversationKey, type ConversationRef } from '../../request.ts';
import type { ConversationMessage, ConversationStore } from '../conversations.ts';
import { int, type Neo4jConnection } from './driver.ts';

const maxPerThread = 200;

interface MessageRow {
  role: ConversationMessage['role'];
  text: string;
  actorId: string | null;
  at: string;
}

/**
 * Thread history in Neo4j: (:Organization)-[:HAS_CONVERSATION]->(:Conversation)-[:HAS_MESSAGE]->(:Message).
 * Appends take the conversation's lock (its `seq` counter), so messages from two replicas keep one
 * order; each thread keeps its last 200 messages.
 */
export class Neo4jConversationStore implements ConversationStore {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async append(orgId: string, ref: ConversationRef, message: ConversationMessage): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (o:Organization {id: $orgId})
        MERGE (c:Conversation {orgId: $orgId, key: $key})
        ON CREATE SET c.platform = $platform, c.workspaceId = $workspaceId, c.channelId = $channelId, c.threadId = $threadId, c.seq = 0
        MERGE (o)-[:HAS_CONVERSATION]->(c)
        SET c.seq = c.seq + 1
        CREATE (c)-[:HAS_MESSAGE]->(:Message {orgId: $orgId, seq: c.seq, role: $role, text: $text, actorId: $actorId, at: $at})
        WITH c
        MATCH (c)-[:HAS_MESSAGE]->(old:Message {orgId: $orgId})
        WHERE old.seq <= c.seq - $max
        DETACH DELETE old`, {
        orgId,
        key: conversationKey(ref),
        platform: ref.platform,
        workspaceId: ref.workspaceId,
        channelId: ref.channelId,
        threadId: ref.threadId ?? null,
        role: message.role,
        text: message.text,
        actorId: message.actorId ?? null,
        at: message.at,
        max: maxPerThread,
      });
    });
  }

  async history(orgId: string, ref: ConversationRef, limit = 20): Promise<ConversationMessage[]> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ seq: number; m: MessageRow }>(`
        MATCH (:Conversation {orgId: $orgId, key: $key})-[:HAS_MESSAGE]->(m:Message {orgId: $orgId})
        WITH m ORDER BY m.seq DESC LIMIT $limit
        RETURN m.seq AS seq, m { .role, .text, .actorId, .at } AS m`, {
        orgId,
        key: conversationKey(ref),
        // As in the in-process store, slice(-0) keeps the whole thread.
        limit: int(limit > 0 ? limit : maxPerThread),
      });
      return result.records.map((record) => record.toObject()).sort((a, b) => a.seq - b.seq).map((row) => row.m);
    });
    return rows.map((row) => ({ role: row.role, text: row.text, ...(row.actorId === null ? {} : { actorId: row.actorId }), at: row.at }));
  }

  async close(): Promise<void> {
    await this.release();
  }
}
