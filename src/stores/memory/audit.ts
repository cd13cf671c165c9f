import type { AuditEvent, AuditLog } from '../audit.ts';

export class MemoryAuditLog implements AuditLog {
  private readonly events: AuditEvent[] = [];

  async append(event: AuditEvent): Promise<void> {
    this.events.push(structuredClone(event));
  }

  async list(orgId: string, options: { subjectId?: string; limit?: number } = {}): Promise<AuditEvent[]> {
    return this.events
      .filter((e) => e.orgId === orgId && (!options.subjectId || e.subjectId === options.subjectId))
      .slice(-(options.limit ?? 100))
      .map((e) => structuredClone(e));
  }

  async close(): Promise<void> {}
}
