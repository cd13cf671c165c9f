import type { Platform } from '../request.ts';

/**
 * Where a platform adapter can post later without an incoming message: for Teams, the Bot Framework
 * conversation reference (service URL, conversation, bot) of a channel or chat, captured at install
 * or on the first message. The core treats `reference` as opaque JSON; the adapter validates it when
 * it reads it back. Keyed by the platform's workspace (a Teams tenant) rather than an organization:
 * a reference may be captured before its tenant is bound to one.
 */
export interface StoredReference {
  platform: Platform;
  /** The platform's workspace id, e.g. the Teams (Entra) tenant id. */
  workspaceId: string;
  /** A channel id, or the conversation id of a personal or group chat. */
  channelId: string;
  reference: Record<string, unknown>;
  updatedAt: string;
}

export interface ConversationReferenceStore {
  /** Inserts or replaces the reference of (platform, workspaceId, channelId). */
  save(reference: StoredReference): Promise<void>;
  get(platform: Platform, workspaceId: string, channelId: string): Promise<StoredReference | undefined>;
  close(): Promise<void>;
}

export function referenceKey(platform: Platform, workspaceId: string, channelId: string): string {
  return JSON.stringify([platform, workspaceId, channelId]);
}
