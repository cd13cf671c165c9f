import type { ConversationRef } from '../request.ts';

export interface ConversationMessage {
  role: 'user' | 'assistant';
  text: string;
  actorId?: string;
  at: string;
}

/** Thread history kept by the bot itself (Slack may allow reading history only once a minute). */
export interface ConversationStore {
  append(orgId: string, ref: ConversationRef, message: ConversationMessage): Promise<void>;
  history(orgId: string, ref: ConversationRef, limit?: number): Promise<ConversationMessage[]>;
  close(): Promise<void>;
}
