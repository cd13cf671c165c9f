import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/alert.ts';
import type { AlertInbox, InboxEntry } from '../../src/stores/alert-inbox.ts';

/** The behaviour every AlertInbox must have; tests use random organizations and far-past times. */
export function alertInboxContract(name: string, make: () => Promise<{ inbox: AlertInbox; cleanup?: () => Promise<void> }>): void {
  describe(`AlertInbox contract: ${name}`, () => {
    let inbox: AlertInbox;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ inbox, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('keeps an accepted entry, alerts exactly, until it is completed', async () => {
      const org = newOrg();
      const entry = inboxEntry(org, 1_000);
      await inbox.add(entry);
      expect(await mine(inbox, [org], 2_000)).toEqual([entry]);
      await inbox.complete(org, entry.id);
      expect(await mine(inbox, [org], 2_000)).toEqual([]);
      // Completing twice, or something unknown, is harmless.
      await inbox.complete(org, entry.id);
      await inbox.complete(newOrg(), 'nope');
    });

    it('lists what nobody holds, oldest first, across organizations', async () => {
      const [a, b] = [newOrg(), newOrg()];
      const late = inboxEntry(a, 3_000);
      const early = inboxEntry(b, 1_000);
      const held = inboxEntry(a, 2_000);
      for (const e of [late, early, held]) await inbox.add(e);
      expect(await inbox.claim(a, held.id, 5_000, 10_000)).toBe(true);
      expect((await mine(inbox, [a, b], 5_000)).map((e) => e.id)).toEqual([early.id, late.id]);
      // The claim lapses: the entry is pending again (its holder crashed).
      expect((await mine(inbox, [a, b], 10_000)).map((e) => e.id)).toEqual([early.id, held.id, late.id]);
    });

    it('lets exactly one of 20 concurrent claims win, and no claim outlive completion', async () => {
      const org = newOrg();
      const entry = inboxEntry(org, 1_000);
      await inbox.add(entry);
      const claims = await Promise.all(Array.from({ length: 20 }, () => inbox.claim(org, entry.id, 5_000, 65_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      await expect(inbox.claim(org, entry.id, 64_999, 70_000)).resolves.toBe(false);
      await expect(inbox.claim(org, entry.id, 65_000, 70_000)).resolves.toBe(true);
      await inbox.complete(org, entry.id);
      await expect(inbox.claim(org, entry.id, 100_000, 200_000)).resolves.toBe(false);
      // The same id in another organization is another entry.
      await expect(inbox.claim(newOrg(), entry.id, 100_000, 200_000)).resolves.toBe(false);
    });

    it('adding the same entry again (a retried write) keeps one entry and its claim', async () => {
      const org = newOrg();
      const entry = inboxEntry(org, 1_000);
      await inbox.add(entry);
      expect(await inbox.claim(org, entry.id, 2_000, 9_000)).toBe(true);
      await inbox.add(entry);
      expect(await mine(inbox, [org], 3_000)).toEqual([]);
      expect(await mine(inbox, [org], 9_000)).toEqual([entry]);
    });
  });
}

async function mine(inbox: AlertInbox, orgs: readonly string[], now: number): Promise<InboxEntry[]> {
  return (await inbox.pending(now, 10_000)).filter((e) => orgs.includes(e.orgId));
}

function newOrg(): string {
  return `org-${randomUUID()}`;
}

function inboxEntry(orgId: string, receivedAt: number): InboxEntry {
  const alert: Alert = {
    source: 'alertmanager', fingerprint: randomUUID(), status: 'firing', severity: 'critical', severityRaw: 'critical', title: `Checkout "latency" <high> ${receivedAt}`,
    summary: 'p95 latency above 1s', startedAt: '2001-01-01T00:00:00.000Z', resources: [{ name: 'checkout-api' }], links: [{ label: 'Runbook', url: 'https://runbooks.example/x' }],
    metric: { name: 'latency_p95', threshold: 1, observed: 2.3 }, raw: { labels: { service: 'checkout-api', quote: `'"\`` } },
  };
  return { id: randomUUID(), orgId, source: 'alertmanager', alerts: [alert], receivedAt };
}
