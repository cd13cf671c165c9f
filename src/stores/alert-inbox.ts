import type { Alert, WebhookSource } from '../alerts/alert.ts';

/** Alerts a webhook accepted (answered 202) and that are not yet fully delivered to their threads. */
export interface InboxEntry {
  id: string;
  orgId: string;
  source: WebhookSource;
  alerts: Alert[];
  /** Epoch ms. */
  receivedAt: number;
}

/**
 * The durable queue between a webhook's 202 and the alerts' threads: an entry is written before the
 * provider is told "accepted", claimed by one worker at a time (the request's own background task,
 * or a sweeper after a restart), and removed once delivered. A claim that is never completed lapses,
 * so a crash mid-delivery loses nothing.
 */
export interface AlertInbox {
  add(entry: InboxEntry): Promise<void>;
  /** Of concurrent callers exactly one gets true, while the entry exists and is not claimed until after `now`. */
  claim(orgId: string, id: string, now: number, leaseUntil: number): Promise<boolean>;
  /** Entries nobody holds at `now` (never claimed, or the claim lapsed), oldest first, across organizations. */
  pending(now: number, limit: number): Promise<InboxEntry[]>;
  complete(orgId: string, id: string): Promise<void>;
  close(): Promise<void>;
}
