import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationRef } from '../../src/request.ts';
import type { ConversationMessage, ConversationStore } from '../../src/stores/conversations.ts';

/** The behaviour every ConversationStore must have; tests use random organizations. */
export function conversationStoreContract(name: string, make: () => Promise<{ conversations: ConversationStore; cleanup?: () => Promise<void> }>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let conversations: ConversationStore;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ conversations, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('returns a thread in the order it was written, exactly', async () => {
      const org = newOrg();
      const ref = thread();
      const messages: ConversationMessage[] = [
        { role: 'user', text: 'why is checkout-api slow?', actorId: 'U1', at: '2025-01-01T00:00:00.000Z' },
        { role: 'assistant', text: 'It depends on *orders-db*:\n```\nCPU 98%\n```', at: '2025-01-01T00:00:01.000Z' },
        { role: 'user', text: `it's "fine" now {} \`x\``, actorId: 'U2', at: '2025-01-01T00:00:00.500Z' },
      ];
      for (const m of messages) await conversations.append(org, ref, m);
      await expect(conversations.history(org, ref)).resolves.toEqual(messages);
      const [, second] = await conversations.history(org, ref);
      expect(second && 'actorId' in second).toBe(false);
    });

    it('returns the last messages up to the limit, 20 by default', async () => {
      const org = newOrg();
      const ref = thread();
      for (let i = 0; i < 25; i += 1) await conversations.append(org, ref, message(i));
      expect((await conversations.history(org, ref)).map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 5}`));
      expect((await conversations.history(org, ref, 3)).map((m) => m.text)).toEqual(['m22', 'm23', 'm24']);
      expect(await conversations.history(org, ref, 100)).toHaveLength(25);
    });

    it('keeps the last 200 messages of a thread', async () => {
      const org = newOrg();
      const ref = thread();
      for (let i = 0; i < 205; i += 1) await conversations.append(org, ref, message(i));
      const history = await conversations.history(org, ref, 1000);
      expect(history).toHaveLength(200);
      expect(history[0]?.text).toBe('m5');
      expect(history.at(-1)?.text).toBe('m204');
    }, 60_000);

    it('keeps threads, channels, workspaces, platforms and organizations apart', async () => {
      const org = newOrg();
      const other = newOrg();
      const base = thread();
      const refs: ConversationRef[] = [
        base,
        { ...base, threadId: 'other-thread' },
        { platform: base.platform, workspaceId: base.workspaceId, channelId: base.channelId },
        { ...base, channelId: 'C-other' },
        { ...base, workspaceId: 'T-other' },
        { ...base, platform: 'teams' },
      ];
      for (const [i, ref] of refs.entries()) await conversations.append(org, ref, message(i));
      for (const [i, ref] of refs.entries()) {
        expect((await conversations.history(org, ref)).map((m) => m.text)).toEqual([`m${i}`]);
        await expect(conversations.history(other, ref)).resolves.toEqual([]);
      }
      await conversations.append(other, base, message(99));
      expect((await conversations.history(org, base)).map((m) => m.text)).toEqual(['m0']);
      expect((await conversations.history(other, base)).map((m) => m.text)).toEqual(['m99']);
    });

    it('keeps every message appended concurrently', async () => {
      const org = newOrg();
      const ref = thread();
      await Promise.all(Array.from({ length: 20 }, (_, i) => conversations.append(org, ref, message(i))));
      const texts = (await conversations.history(org, ref, 50)).map((m) => m.text);
      expect([...texts].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
    });

    it('keeps hostile organization ids and thread ids apart', async () => {
      const suffix = randomUUID();
      const hostile = [`o'brien "x"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, '{', 'name:* OR', '{ Get { Runbook { text } } }'];
      for (const h of hostile) {
        await conversations.append(`${h}${suffix}`, { platform: 'slack', workspaceId: h, channelId: h, threadId: h }, { role: 'user', text: h, at: '2025-01-01T00:00:00.000Z' });
      }
      for (const [i, h] of hostile.entries()) {
        const ref: ConversationRef = { platform: 'slack', workspaceId: h, channelId: h, threadId: h };
        await expect(conversations.history(`${h}${suffix}`, ref)).resolves.toEqual([{ role: 'user', text: h, at: '2025-01-01T00:00:00.000Z' }]);
        const other = hostile[(i + 1) % hostile.length] ?? '';
        await expect(conversations.history(`${other}${suffix}`, ref)).resolves.toEqual([]);
      }
    });
  });
}

function newOrg(): string {
  return `org-${randomUUID()}`;
}

function thread(): ConversationRef {
  return { platform: 'slack', workspaceId: 'T0001', channelId: 'C0001', threadId: `${Date.now()}.${randomUUID().slice(0, 6)}` };
}

function message(i: number): ConversationMessage {
  return { role: i % 2 ? 'assistant' : 'user', text: `m${i}`, at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() };
}
