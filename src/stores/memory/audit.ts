import type { AuditEvent, AuditListOptions, AuditLog } from '../audit.ts';

export class MemoryAuditLog implements AuditLog {
  private readonly events: AuditEvent[] = [];

  async append(event: AuditEvent): Promise<void> {
    this.events.push(structuredClone(event));
  }

  async list(orgId: string, options: AuditListOptions = {}): Promise<AuditEvent[]> {
    return this.events
      .filter((e) => e.orgId === orgId && (!options.subjectId || e.subjectId === options.subjectId) && (!options.since || e.at >= options.since))
      .slice(-(options.limit ?? 100))
      .map((e) => structuredClone(e));
  }

  async close(): Promise<void> {}
}
