export interface AuditEvent {
  orgId: string;
  at: string;
  actor: string;
  /** e.g. approval.requested, approval.approved, action.succeeded */
  type: string;
  subjectId: string;
  detail: Record<string, string | number | boolean | null>;
}

export interface AuditListOptions {
  subjectId?: string;
  /** ISO timestamp: only events at or after it (event times are ISO-8601 UTC, so they compare as text). */
  since?: string;
  /** The last this many matching events, oldest first; 100 by default. */
  limit?: number;
}

/** Append-only: there is no way to change or remove an event. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  list(orgId: string, options?: AuditListOptions): Promise<AuditEvent[]>;
  close(): Promise<void>;
}
