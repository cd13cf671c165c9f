import type { PostedMessage } from '../chat/port.ts';

/** An alert left uninvestigated because its organization was over the limit. */
export interface SuppressedAlert {
  fingerprint: string;
  /** What the summary lists for it, e.g. "🔥 checkout-api-cpu-high (cloudwatch)". */
  line: string;
}

export interface StormSummary {
  entries: SuppressedAlert[];
  /** False when the fingerprint was already listed in this summary. */
  added: boolean;
  /** True for the first entry: its caller posts the summary message. */
  first: boolean;
  /** The posted summary, once its poster has recorded it: later callers update it. */
  message?: PostedMessage;
}

/**
 * The alert-storm limiter's shared state (Neo4j in production, so replicas count together): a
 * counter of new alert investigations per organization and window, and per window and channel the
 * one summary message listing what was suppressed.
 */
export interface AlertStormStore {
  /** Counts one new alert for the organization's window; true while the count is within `limit`. */
  admit(orgId: string, windowKey: string, limit: number, now: number, ttlMs: number): Promise<boolean>;
  /** Adds a suppressed alert to a window's summary (once per fingerprint); atomic like `admit`. */
  suppress(orgId: string, summaryKey: string, alert: SuppressedAlert, now: number, ttlMs: number): Promise<StormSummary>;
  /** Records the summary message its first caller posted. */
  setSummaryMessage(orgId: string, summaryKey: string, message: PostedMessage): Promise<void>;
  close(): Promise<void>;
}
