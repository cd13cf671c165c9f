export interface AuditEvent {
  orgId: string;
  at: string;
  actor: string;
  /** e.g. approval.requested, approval.approved, action.succeeded */
  type: string;
  subjectId: string;
  detail: Record<string, string | number | boolean | null>;
}

export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  list(orgId: string, options?: { subjectId?: string; limit?: number }): Promise<AuditEvent[]>;
  close(): Promise<void>;
}
