import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertNotification, AlertThread, AlertThreadStore } from '../../src/stores/alert-threads.ts';

const hour = 60 * 60_000;
const ttl = 24 * hour;

/**
 * The behaviour every AlertThreadStore must have. `make` receives the clock; organizations and
 * fingerprints are random, so suites can share one server.
 */
export function alertThreadStoreContract(name: string, make: () => Promise<{ threads: AlertThreadStore; cleanup?: () => Promise<void> }>): void {
  describe(`AlertThreadStore contract: ${name}`, () => {
    let threads: AlertThreadStore;
    let cleanup: (() => Promise<void>) | undefined;
    let org: string;
    let now: number;
    beforeEach(async () => {
      ({ threads, cleanup } = await make());
      org = `org-${randomUUID()}`;
      now = Date.UTC(2025, 0, 14, 10, 42);
    });
    afterEach(async () => {
      await cleanup?.();
    });

    const firing = (occurrence?: string): AlertNotification => ({ source: 'cloudwatch', title: 'checkout-api-cpu-high', status: 'firing', ...(occurrence ? { occurrence } : {}) });
    const resolved: AlertNotification = { source: 'cloudwatch', title: 'checkout-api-cpu-high', status: 'resolved' };
    const thread: AlertThread = { platform: 'slack', workspaceKey: ':T00000001', channelId: 'C0000ALERTS', threadId: '1700000000.000001', parentMessageId: '1700000000.000001' };

    it('opens on the first firing, then joins: repeat, new occurrence, resolve, re-fire after resolve', async () => {
      const fp = `cloudwatch:${randomUUID()}`;
      const opened = await threads.observe(org, fp, firing('t1'), now, ttl);
      expect(opened).toMatchObject({ kind: 'opened', record: { orgId: org, fingerprint: fp, state: 'firing', fired: 1, occurrence: 't1' } });
      await threads.attach(org, fp, thread, now, ttl);
      await expect(threads.observe(org, fp, firing('t1'), now + 1_000, ttl)).resolves.toMatchObject({ kind: 'repeat', record: { thread, fired: 1 } });
      await expect(threads.observe(org, fp, firing(), now + 2_000, ttl)).resolves.toMatchObject({ kind: 'repeat' });
      await expect(threads.observe(org, fp, firing('t2'), now + 3_000, ttl)).resolves.toMatchObject({ kind: 'refired', record: { fired: 2, occurrence: 't2', thread } });
      await expect(threads.observe(org, fp, resolved, now + 4_000, ttl)).resolves.toMatchObject({ kind: 'resolved', record: { state: 'resolved', thread } });
      await expect(threads.observe(org, fp, resolved, now + 5_000, ttl)).resolves.toMatchObject({ kind: 'already_resolved' });
      await expect(threads.observe(org, fp, firing('t2'), now + 6_000, ttl)).resolves.toMatchObject({ kind: 'refired', record: { state: 'firing', fired: 3 } });
      await expect(threads.get(org, fp, now + 6_000)).resolves.toMatchObject({ state: 'firing', fired: 3, thread, source: 'cloudwatch', title: 'checkout-api-cpu-high' });
    });

    it('knows nothing of a resolve it never saw fire, and stores nothing for it', async () => {
      const fp = `grafana:${randomUUID()}`;
      await expect(threads.observe(org, fp, resolved, now, ttl)).resolves.toEqual({ kind: 'unknown' });
      await expect(threads.get(org, fp, now)).resolves.toBeUndefined();
      await expect(threads.observe(org, fp, firing('t1'), now, ttl)).resolves.toMatchObject({ kind: 'opened' });
    });

    it('starts a new thread once the old one has expired; each notification extends it', async () => {
      const fp = `azure-monitor:${randomUUID()}`;
      await threads.observe(org, fp, firing('t1'), now, ttl);
      await threads.attach(org, fp, thread, now, ttl);
      await threads.observe(org, fp, firing('t1'), now + ttl - 1, ttl);
      await expect(threads.get(org, fp, now + ttl + 1)).resolves.toBeDefined();
      await expect(threads.observe(org, fp, firing('t1'), now + 2 * ttl, ttl)).resolves.toMatchObject({ kind: 'opened' });
    });

    it('frees an unattached claim after the pending window, and on release', async () => {
      const fp = `pagerduty:${randomUUID()}`;
      await threads.observe(org, fp, firing('t1'), now, ttl);
      const pending = await threads.observe(org, fp, firing('t1'), now + 1_000, ttl);
      expect(pending.kind).toBe('repeat');
      expect(pending.kind !== 'unknown' && pending.record.thread).toBeUndefined();
      await expect(threads.observe(org, fp, firing('t1'), now + 6 * 60_000, ttl)).resolves.toMatchObject({ kind: 'opened' });
      await threads.release(org, fp);
      await expect(threads.get(org, fp, now + 6 * 60_000)).resolves.toBeUndefined();
      await expect(threads.observe(org, fp, firing('t1'), now + 6 * 60_000, ttl)).resolves.toMatchObject({ kind: 'opened' });
      // Release never drops a record whose thread exists.
      await threads.attach(org, fp, thread, now + 6 * 60_000, ttl);
      await threads.release(org, fp);
      await expect(threads.get(org, fp, now + 7 * 60_000)).resolves.toMatchObject({ thread });
    });

    it('keeps organizations apart: one fingerprint in two organizations is two alerts', async () => {
      const fp = `alertmanager:${randomUUID()}`;
      const other = `org-${randomUUID()}`;
      await expect(threads.observe(org, fp, firing('t1'), now, ttl)).resolves.toMatchObject({ kind: 'opened' });
      await expect(threads.observe(other, fp, firing('t1'), now, ttl)).resolves.toMatchObject({ kind: 'opened', record: { orgId: other } });
      await threads.attach(org, fp, thread, now, ttl);
      const otherRecord = await threads.get(other, fp, now);
      expect(otherRecord).toBeDefined();
      expect(otherRecord?.thread).toBeUndefined();
    });

    it('opens exactly once when 20 deliveries of a new alert arrive at once', async () => {
      const fp = `cloudwatch:${randomUUID()}`;
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => threads.observe(org, fp, firing('t1'), now, ttl)));
      expect(outcomes.filter((o) => o.kind === 'opened')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'repeat')).toHaveLength(19);
      await threads.attach(org, fp, thread, now, ttl);
      const resolves = await Promise.all(Array.from({ length: 10 }, () => threads.observe(org, fp, resolved, now + 1, ttl)));
      expect(resolves.filter((o) => o.kind === 'resolved')).toHaveLength(1);
    });
  });
}
