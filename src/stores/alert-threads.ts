import type { AlertSource, AlertStatus } from '../alerts/alert.ts';
import type { Platform } from '../request.ts';

/** Where an alert's conversation lives. */
export interface AlertThread {
  platform: Platform;
  workspaceKey: string;
  channelId: string;
  /** The thread to post in (the parent message's id). */
  threadId: string;
  /** Set when the parent is the bot's own post (webhook alerts), so a resolve can update it. */
  parentMessageId?: string;
}

/** One alert (by fingerprint) and its thread: what makes a repeat join instead of starting over. */
export interface AlertRecord {
  orgId: string;
  fingerprint: string;
  source: AlertSource;
  title: string;
  state: AlertStatus;
  /** Absent while the first delivery is still posting the parent (or was suppressed). */
  thread?: AlertThread;
  /** The current firing's start (the alert's `startedAt`): a different one is a new occurrence. */
  occurrence?: string;
  /** How many occurrences fired, the first included. */
  fired: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Epoch ms: after this the fingerprint starts a new thread. */
  expiresAt: number;
}

export interface AlertNotification {
  source: AlertSource;
  title: string;
  status: AlertStatus;
  occurrence?: string;
}

/**
 * What one notification means for its fingerprint:
 * - `opened`: first firing (or the old thread expired): the caller must post, then `attach`;
 * - `refired`: firing again after a resolve, or a new occurrence: say so in the thread;
 * - `repeat`: the same occurrence delivered again (a re-send, a group update): nothing to say;
 * - `resolved`: firing → resolved: update the thread;
 * - `already_resolved`: a resolve repeated: nothing to say;
 * - `unknown`: a resolve for a fingerprint with no live thread: nothing to update.
 */
export type AlertObservation =
  | { kind: 'opened'; record: AlertRecord }
  | { kind: 'refired' | 'repeat' | 'resolved' | 'already_resolved'; record: AlertRecord }
  | { kind: 'unknown' };

/**
 * The fingerprint → thread mapping, shared by replicas (Neo4j in production). `observe` is atomic
 * per (orgId, fingerprint): of concurrent first deliveries exactly one gets `opened`.
 */
export interface AlertThreadStore {
  observe(orgId: string, fingerprint: string, notification: AlertNotification, now: number, ttlMs: number): Promise<AlertObservation>;
  /** Records the thread the `opened` caller posted; from now on the record lives `ttlMs` past each notification. */
  attach(orgId: string, fingerprint: string, thread: AlertThread, now: number, ttlMs: number): Promise<void>;
  /** Forgets a record whose thread was never posted (suppressed by the storm limit, or the post failed). */
  release(orgId: string, fingerprint: string): Promise<void>;
  get(orgId: string, fingerprint: string, now: number): Promise<AlertRecord | undefined>;
  close(): Promise<void>;
}

/** An `opened` record without a thread frees itself after this, should its poster die before attaching. */
export const pendingClaimMs = 5 * 60_000;

/**
 * The rule every implementation applies inside its atomic step: the previous record (if any) and a
 * notification in, the outcome and the record to store out (`undefined`: store nothing).
 */
export function observeRecord(previous: AlertRecord | undefined, orgId: string, fingerprint: string, n: AlertNotification, now: number, ttlMs: number): { observation: AlertObservation; next?: AlertRecord } {
  const at = new Date(now).toISOString();
  const live = previous && previous.expiresAt > now ? previous : undefined;
  if (!live) {
    if (n.status === 'resolved') return { observation: { kind: 'unknown' } };
    const record: AlertRecord = {
      orgId, fingerprint, source: n.source, title: n.title, state: 'firing', fired: 1,
      ...(n.occurrence ? { occurrence: n.occurrence } : {}),
      firstSeenAt: at, lastSeenAt: at, expiresAt: now + Math.min(pendingClaimMs, ttlMs),
    };
    return { observation: { kind: 'opened', record }, next: record };
  }
  // A pending claim keeps its short expiry; an attached thread lives ttl past each notification.
  const touched: AlertRecord = { ...live, lastSeenAt: at, expiresAt: live.thread ? now + ttlMs : live.expiresAt };
  if (n.status === 'resolved') {
    if (live.state === 'resolved') return { observation: { kind: 'already_resolved', record: touched }, next: touched };
    const next: AlertRecord = { ...touched, state: 'resolved' };
    return { observation: { kind: 'resolved', record: next }, next };
  }
  const newOccurrence = n.occurrence !== undefined && n.occurrence !== live.occurrence;
  if (live.state === 'resolved' || newOccurrence) {
    const next: AlertRecord = { ...touched, state: 'firing', fired: live.fired + 1, ...(n.occurrence ? { occurrence: n.occurrence } : {}) };
    return { observation: { kind: 'refired', record: next }, next };
  }
  return { observation: { kind: 'repeat', record: touched }, next: touched };
}
