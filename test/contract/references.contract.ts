import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationReferenceStore, StoredReference } from '../../src/stores/references.ts';

/**
 * The behaviour every ConversationReferenceStore must have. Tenant ids are random, so suites can
 * share one server without cleaning up.
 */
export function referenceStoreContract(name: string, make: () => Promise<{ references: ConversationReferenceStore; cleanup?: () => Promise<void> }>): void {
  describe(`ConversationReferenceStore contract: ${name}`, () => {
    let references: ConversationReferenceStore;
    let cleanup: (() => Promise<void>) | undefined;
    let tenant: string;
    beforeEach(async () => {
      ({ references, cleanup } = await make());
      tenant = randomUUID();
    });
    afterEach(async () => {
      await cleanup?.();
    });

    function reference(channelId: string, serviceUrl: string): StoredReference {
      return {
        platform: 'teams', workspaceId: tenant, channelId, updatedAt: '2026-01-01T00:00:00.000Z',
        reference: { channelId: 'msteams', serviceUrl, conversation: { id: channelId, isGroup: true, conversationType: 'channel', tenantId: tenant }, bot: { id: '28:bot', name: 'Cloud Companion' }, nested: { list: [1, 'two', null] } },
      };
    }

    it('gives back what was saved, and nothing for an unknown channel', async () => {
      const saved = reference('19:ops@thread.tacv2', 'https://smba.trafficmanager.net/amer/');
      await references.save(saved);
      await expect(references.get('teams', tenant, '19:ops@thread.tacv2')).resolves.toEqual(saved);
      await expect(references.get('teams', tenant, '19:other@thread.tacv2')).resolves.toBeUndefined();
      await expect(references.get('slack', tenant, '19:ops@thread.tacv2')).resolves.toBeUndefined();
      await expect(references.get('teams', randomUUID(), '19:ops@thread.tacv2')).resolves.toBeUndefined();
    });

    it('replaces the reference of a channel on a later save', async () => {
      await references.save(reference('19:ops@thread.tacv2', 'https://smba.trafficmanager.net/amer/'));
      const moved = { ...reference('19:ops@thread.tacv2', 'https://smba.trafficmanager.net/emea/'), updatedAt: '2026-01-02T00:00:00.000Z' };
      await references.save(moved);
      await expect(references.get('teams', tenant, '19:ops@thread.tacv2')).resolves.toEqual(moved);
    });

    it('keeps channels and tenants apart, hostile ids included', async () => {
      const ids = [`o'brien "x"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, 'a:1', 'a', '["teams"]'];
      for (const [i, id] of ids.entries()) await references.save(reference(id, `https://service/${i}/`));
      for (const [i, id] of ids.entries()) {
        const got = await references.get('teams', tenant, id);
        expect(got?.reference.serviceUrl).toBe(`https://service/${i}/`);
      }
      await expect(references.get('teams', `${tenant}x`, ids[0] as string)).resolves.toBeUndefined();
    });

    it('ends with one whole reference after concurrent saves of the same channel', async () => {
      const saves = Array.from({ length: 10 }, (_, i) => reference('19:busy@thread.tacv2', `https://service/${i}/`));
      await Promise.all(saves.map((s) => references.save(s)));
      const got = await references.get('teams', tenant, '19:busy@thread.tacv2');
      expect(saves).toContainEqual(got);
    });
  });
}
