import type { AlertInbox, InboxEntry } from '../alert-inbox.ts';

export class MemoryAlertInbox implements AlertInbox {
  private readonly entries = new Map<string, { entry: InboxEntry; leaseUntil: number }>();

  /** A second add of the same entry (a retried write) changes nothing, its claim included. */
  async add(entry: InboxEntry): Promise<void> {
    const k = key(entry.orgId, entry.id);
    if (!this.entries.has(k)) this.entries.set(k, { entry: structuredClone(entry), leaseUntil: 0 });
  }

  // Check and set in one synchronous step: concurrent claims cannot both pass.
  async claim(orgId: string, id: string, now: number, leaseUntil: number): Promise<boolean> {
    const held = this.entries.get(key(orgId, id));
    if (!held || held.leaseUntil > now) return false;
    held.leaseUntil = leaseUntil;
    return true;
  }

  async pending(now: number, limit: number): Promise<InboxEntry[]> {
    return [...this.entries.values()]
      .filter((held) => held.leaseUntil <= now)
      .map((held) => structuredClone(held.entry))
      .sort((a, b) => a.receivedAt - b.receivedAt || a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  async complete(orgId: string, id: string): Promise<void> {
    this.entries.delete(key(orgId, id));
  }

  async close(): Promise<void> {}
}

function key(orgId: string, id: string): string {
  return `${orgId}\u0000${id}`;
}
