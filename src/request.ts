import { z } from 'zod';
import { Alert } from './alerts/alert.ts';

/** Where a request came from. */
export const RequestSource = z.enum(['slash', 'mention', 'alert', 'cli', 'webhook', 'api']);
export type RequestSource = z.infer<typeof RequestSource>;

export const Platform = z.enum(['slack', 'teams', 'cli', 'api']);
export type Platform = z.infer<typeof Platform>;

/** viewer may ask; operator may request actions and approve low risk; admin may approve all and manage. */
export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

const roleRank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export function roleAtLeast(role: Role, needed: Role): boolean {
  return roleRank[role] >= roleRank[needed];
}

export interface Actor {
  platform: Platform;
  userId: string;
  displayName?: string;
  role: Role;
}

/**
 * A thread on a chat platform. `workspaceId` keeps keys unique where channel ids are not
 * (Slack Connect shares channel ids across workspaces).
 */
export interface ConversationRef {
  platform: Platform;
  workspaceId: string;
  channelId: string;
  threadId?: string;
}

export function conversationKey(ref: ConversationRef): string {
  return [ref.platform, ref.workspaceId, ref.channelId, ref.threadId ?? ''].join(':');
}

/** Everything a request may touch is decided here, by the adapter, never by the model. */
export interface RequestContext {
  orgId: string;
  requestId: string;
  source: RequestSource;
  actor: Actor;
  conversation: ConversationRef;
  /** Cloud accounts (provider account ids) this channel may use. */
  accountIds: readonly string[];
  /** Action kinds this channel may run, after approval. Empty means read-only. */
  allowedActions: readonly string[];
}

/** What the user asked, already parsed from the platform's command grammar. */
export const Intent = z.discriminatedUnion('kind', [
  /** `hypothetical`: "what if we restart X?": answered from the evidence, never with a proposal. */
  z.object({ kind: z.literal('ask'), question: z.string(), hypothetical: z.boolean().optional() }),
  z.object({ kind: z.literal('resource'), name: z.string() }),
  /** `direction`: only what it depends on, or only what depends on it ("what depends on X"); both when absent. */
  z.object({ kind: z.literal('deps'), name: z.string(), direction: z.enum(['dependencies', 'dependents']).optional() }),
  /** `metric`: the one kind of metric asked about ("what's the CPU of X": `cpu`); all when absent. */
  z.object({ kind: z.literal('metrics'), name: z.string(), windowMinutes: z.number().int().positive(), metric: z.string().optional() }),
  /** Is one resource healthy now: its state and metrics, and its direct dependencies'. */
  z.object({ kind: z.literal('health'), name: z.string() }),
  /** What would break if a resource went down: its dependents by path up to the user-facing entry points. */
  z.object({ kind: z.literal('impact'), name: z.string() }),
  z.object({ kind: z.literal('runbook'), query: z.string() }),
  z.object({ kind: z.literal('approvals') }),
  /** A dependency diagram of a resource's neighbourhood, or of an account's (or every visible account's) topology. */
  z.object({ kind: z.literal('diagram'), target: z.string(), format: z.enum(['png', 'mermaid']) }),
  z.object({ kind: z.literal('help') }),
  /** An alert to investigate (webhook or alert-channel message): starts from its resources and metric. */
  z.object({ kind: z.literal('alert'), alert: Alert }),
]);
export type Intent = z.infer<typeof Intent>;

/**
 * Intents that only read: they never propose an action, whatever the evidence shows. Only a question
 * about a problem (not a hypothetical one) and an alert may propose.
 */
export function isReadOnly(intent: Intent): boolean {
  if (intent.kind === 'alert') return false;
  if (intent.kind === 'ask') return intent.hypothetical === true;
  return true;
}

export interface CompanionRequest {
  context: RequestContext;
  intent: Intent;
}
