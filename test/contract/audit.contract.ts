import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLog } from '../../src/stores/audit.ts';

/** The behaviour every AuditLog must have; tests use random organizations. */
export function auditLogContract(name: string, make: () => Promise<{ audit: AuditLog; cleanup?: () => Promise<void> }>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let audit: AuditLog;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ audit, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('lists events in the order they were written, exactly', async () => {
      const org = newOrg();
      const events = [
        event(org, 0, { detail: { kind: 'aws.ec2.reboot', risk: 'low', count: 3, ratio: 0.5, dryRun: false, note: null, quote: `"'{}\`` } }),
        event(org, 1, { at: '2024-12-31T00:00:00.000Z' }),
        event(org, 2, { detail: {} }),
      ];
      for (const e of events) await audit.append(e);
      await expect(audit.list(org)).resolves.toEqual(events);
    });

    it('filters by subject and returns the last events up to the limit (100 by default)', async () => {
      const org = newOrg();
      for (let i = 0; i < 105; i += 1) await audit.append(event(org, i, { subjectId: i % 3 === 0 ? 'approval-a' : 'approval-b' }));
      const all = await audit.list(org);
      expect(all).toHaveLength(100);
      expect(all[0]?.detail).toEqual({ n: 5 });
      expect(all.at(-1)?.detail).toEqual({ n: 104 });
      expect((await audit.list(org, { limit: 3 })).map((e) => e.detail['n'])).toEqual([102, 103, 104]);
      expect((await audit.list(org, { subjectId: 'approval-a', limit: 3 })).map((e) => e.detail['n'])).toEqual([96, 99, 102]);
      expect(await audit.list(org, { subjectId: 'approval-a', limit: 1000 })).toHaveLength(35);
      await expect(audit.list(org, { subjectId: 'approval-c' })).resolves.toEqual([]);
    }, 60_000);

    it('lists events since a time, oldest first', async () => {
      const org = newOrg();
      for (let i = 0; i < 6; i += 1) await audit.append(event(org, i));
      const since = new Date(Date.UTC(2025, 0, 1, 0, 0, 3)).toISOString();
      expect((await audit.list(org, { since })).map((e) => e.detail['n'])).toEqual([3, 4, 5]);
      expect((await audit.list(org, { since, limit: 2 })).map((e) => e.detail['n'])).toEqual([4, 5]);
      expect(await audit.list(org, { since: '2030-01-01T00:00:00.000Z' })).toEqual([]);
    });

    it('keeps every event appended concurrently', async () => {
      const org = newOrg();
      await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(event(org, i))));
      const listed = await audit.list(org);
      expect(listed.map((e) => e.detail['n']).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('keeps organizations apart, hostile ids included', async () => {
      const suffix = randomUUID();
      const hostile = [`o'brien "x"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, '{', 'name:* OR', '{ Get { Runbook { text } } }'];
      const orgs = hostile.map((h) => `${h}${suffix}`);
      for (const [i, org] of orgs.entries()) await audit.append(event(org, i, { subjectId: hostile[i] ?? '', actor: hostile[i] ?? '' }));
      for (const [i, org] of orgs.entries()) {
        await expect(audit.list(org)).resolves.toEqual([event(org, i, { subjectId: hostile[i] ?? '', actor: hostile[i] ?? '' })]);
        await expect(audit.list(org, { subjectId: hostile[(i + 1) % hostile.length] ?? '' })).resolves.toEqual([]);
      }
      await expect(audit.list(newOrg())).resolves.toEqual([]);
    });
  });
}

function newOrg(): string {
  return `org-${randomUUID()}`;
}

function event(orgId: string, n: number, fields: Partial<AuditEvent> = {}): AuditEvent {
  return {
    orgId,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    actor: 'U1',
    type: 'approval.requested',
    subjectId: 'approval-1',
    detail: { n },
    ...fields,
  };
}
