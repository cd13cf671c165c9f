import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostedMessage } from '../../src/chat/port.ts';
import type { AlertStormStore } from '../../src/stores/alert-storms.ts';

const minute = 60_000;

/** The behaviour every AlertStormStore must have; organizations are random, so suites share one server. */
export function alertStormStoreContract(name: string, make: () => Promise<{ storms: AlertStormStore; cleanup?: () => Promise<void> }>): void {
  describe(`AlertStormStore contract: ${name}`, () => {
    let storms: AlertStormStore;
    let cleanup: (() => Promise<void>) | undefined;
    let org: string;
    const now = Date.UTC(2025, 0, 14, 10, 42);
    beforeEach(async () => {
      ({ storms, cleanup } = await make());
      org = `org-${randomUUID()}`;
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('admits up to the limit per organization and window, then refuses', async () => {
      const results = [];
      for (let i = 0; i < 5; i += 1) results.push(await storms.admit(org, 'w1', 3, now, 2 * minute));
      expect(results).toEqual([true, true, true, false, false]);
      await expect(storms.admit(org, 'w2', 3, now + minute, 2 * minute)).resolves.toBe(true);
      await expect(storms.admit(`org-${randomUUID()}`, 'w1', 3, now, 2 * minute)).resolves.toBe(true);
    });

    it('counts concurrent admissions exactly: 30 at once with a limit of 10 admit 10', async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => storms.admit(org, 'burst', 10, now, 2 * minute)));
      expect(results.filter(Boolean)).toHaveLength(10);
    });

    it('lists each suppressed alert once, marks the first, and hands later callers the posted summary', async () => {
      const first = await storms.suppress(org, 'w1:slack:C1', { fingerprint: 'a', line: 'alert a' }, now, 2 * minute);
      expect(first).toEqual({ entries: [{ fingerprint: 'a', line: 'alert a' }], added: true, first: true });
      const message: PostedMessage = { platform: 'slack', channelId: 'C1', workspaceKey: ':T1', messageId: '1700000000.000009', threadId: '1700000000.000009' };
      await storms.setSummaryMessage(org, 'w1:slack:C1', message);
      const second = await storms.suppress(org, 'w1:slack:C1', { fingerprint: 'b', line: 'alert b' }, now, 2 * minute);
      expect(second).toEqual({ entries: [{ fingerprint: 'a', line: 'alert a' }, { fingerprint: 'b', line: 'alert b' }], added: true, first: false, message });
      const again = await storms.suppress(org, 'w1:slack:C1', { fingerprint: 'a', line: 'alert a' }, now, 2 * minute);
      expect(again).toMatchObject({ added: false, first: false, entries: [{ fingerprint: 'a' }, { fingerprint: 'b' }] });
      await expect(storms.suppress(org, 'w1:slack:C2', { fingerprint: 'a', line: 'alert a' }, now, 2 * minute)).resolves.toMatchObject({ first: true });
    });

    it('loses no entry and elects one poster when 15 alerts are suppressed at once', async () => {
      const results = await Promise.all(Array.from({ length: 15 }, (_, i) => storms.suppress(org, 'w9:slack:C1', { fingerprint: `f${i}`, line: `alert ${i}` }, now, 2 * minute)));
      expect(results.filter((r) => r.first)).toHaveLength(1);
      const last = await storms.suppress(org, 'w9:slack:C1', { fingerprint: 'f0', line: 'alert 0' }, now, 2 * minute);
      expect(last.entries.map((e) => e.fingerprint).sort()).toEqual(Array.from({ length: 15 }, (_, i) => `f${i}`).sort());
    });
  });
}
