import { describe, expect, it } from 'vitest';
import { splitConversationId, threadConversationId } from '../../adapters/teams/ids.ts';
import { inboundFrom, mentionsBot, MessageActivity, placeOf, questionText } from '../../adapters/teams/inbound.ts';
import { plain, toCardMarkdown } from '../../adapters/teams/markdown.ts';
import { cardBytes, cardSizeBudget, renderApproval, renderReply } from '../../adapters/teams/render.ts';
import { failureOf, withRetry } from '../../adapters/teams/retry.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { Reply } from '../../src/reply.ts';
import { teamsActivity } from '../support/teams-activities.ts';

const serviceUrl = 'https://smba.trafficmanager.net/amer/00000000-0000-0000-0000-000000000001/';

function approval(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: '3f0b8f5e-1d7a-4c1e-9a53-8f1f8b1c2d3e', orgId: 'demo',
    action: { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, targetResourceId: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api', targetName: 'checkout-api', accountId: '111111111111' },
    risk: 'low', requiredRole: 'operator', reason: 'Runbook [click](https://evil.example) says so', requestedBy: 'u1',
    conversation: { platform: 'teams', workspaceId: 't', channelId: 'c' }, state: 'pending',
    createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T04:00:00.000Z', decisions: [], ...overrides,
  };
}

describe('Teams activities', () => {
  it('strips every mention of the bot, and the HTML residue, but not other people\'s mentions', () => {
    const activity = MessageActivity.parse(teamsActivity('channel-mention', serviceUrl, (a) => {
      a.text = '<at>Cloud Companion</at>&nbsp;deps <at>Cloud Companion</at> checkout-api &amp; <at>Olga</at>';
      (a.entities as unknown[]).push({ type: 'mention', text: '<at>Olga</at>', mentioned: { id: '29:olga', name: 'Olga' } });
    }));
    expect(questionText(activity)).toBe('deps checkout-api & Olga');
  });

  it("finds the bot's mention among malformed entities (null, strings, mentions without an id) without failing", () => {
    const activity = MessageActivity.parse(teamsActivity('channel-mention', serviceUrl, (a) => {
      (a.entities as unknown[]).unshift(null, 'mention', 42, { type: 'mention' }, { type: 'mention', mentioned: null });
    }));
    expect(mentionsBot(activity)).toBe(true);
    expect(questionText(activity)).toBe('why is checkout-api slow?');
    const withoutBot = MessageActivity.parse(teamsActivity('channel-mention', serviceUrl, (a) => { a.entities = [null, { type: 'mention', mentioned: { id: '29:olga' } }]; }));
    expect(mentionsBot(withoutBot)).toBe(false);
  });

  it('keys a channel message by its channel and its thread, and a personal chat by the chat', () => {
    const channel = MessageActivity.parse(teamsActivity('channel-mention', serviceUrl));
    expect(placeOf(channel)).toEqual({ channelId: '19:ops0000000000000000000000000000@thread.tacv2', threadId: '19:ops0000000000000000000000000000@thread.tacv2;messageid=1759944781430' });
    const topLevel = MessageActivity.parse(teamsActivity('channel-mention', serviceUrl, (a) => { a.conversation.id = '19:ops0000000000000000000000000000@thread.tacv2'; a.id = '42'; }));
    expect(placeOf(topLevel).threadId).toBe('19:ops0000000000000000000000000000@thread.tacv2;messageid=42');
    const personal = MessageActivity.parse(teamsActivity('personal-message', serviceUrl));
    expect(placeOf(personal)).toEqual({ channelId: 'a:1personalchat00000000000000000000000000000000' });
    expect(inboundFrom(personal)).toMatchObject({ platform: 'teams', workspace: { teamsTenantId: '00000000-0000-0000-0000-000000000001' }, userId: '00000000-0000-0000-0000-00000000ad01', userName: 'Ada Admin' });
  });

  it('round-trips thread conversation ids', () => {
    expect(splitConversationId(threadConversationId('19:a@thread.tacv2', '123'))).toEqual({ channelId: '19:a@thread.tacv2', rootMessageId: '123' });
    expect(splitConversationId('a:1personal')).toEqual({ channelId: 'a:1personal' });
  });
});

describe('Adaptive Card rendering', () => {
  it('converts chat markdown, names the Teams idiom, and defuses links from data', () => {
    expect(toCardMarkdown('*checkout-api* is _degraded_; try `/cloud resource <name>`')).toBe('**checkout-api** is _degraded_; try "@Cloud Companion resource &lt;name&gt;"');
    // Teams takes a bare <name> for an HTML tag and shows nothing (issue #20): the brackets are escaped, data included.
    expect(plain('a <b> c')).toBe('a &lt;b&gt; c');
    expect(toCardMarkdown('see [docs](https://evil.example)')).not.toContain('](');
  });

  it('keeps a huge answer under the card size budget and says what it left out', () => {
    const long = 'x'.repeat(5_000);
    const reply: Reply = { summary: 'big', parts: Array.from({ length: 20 }, () => ({ kind: 'text' as const, markdown: long })) };
    const rendered = renderReply(reply);
    expect(cardBytes(rendered.answer)).toBeLessThanOrEqual(cardSizeBudget);
    expect(JSON.stringify(rendered.answer)).toMatch(/more part\(s\) left out/);
    expect(rendered.answer.version).toBe('1.5');
  });

  it('shows a metrics chart inline when it fits, and its description when it does not', () => {
    const chart = (bytes: number) => ({ mimeType: 'image/png' as const, png: new Uint8Array(bytes).fill(7), width: 600, height: 300, alt: 'CPU of checkout-api, last hour: rising to 95%', fileName: 'cpu.png' });
    const metrics = (bytes: number): Reply => ({ summary: 's', parts: [{ kind: 'metrics', title: 'Metrics', summaries: [], chart: chart(bytes) }] });
    const small = JSON.stringify(renderReply(metrics(2_000)).answer);
    expect(small).toContain('"type":"Image"');
    expect(small).toContain('data:image/png;base64,');
    const big = renderReply(metrics(40_000)).answer;
    expect(JSON.stringify(big)).not.toContain('"type":"Image"');
    expect(JSON.stringify(big)).toContain('📈 CPU of checkout-api, last hour: rising to 95%');
    expect(cardBytes(big)).toBeLessThanOrEqual(cardSizeBudget);
  });

  it('puts approvals on their own cards, with Approve/Deny while pending and the decision after', () => {
    const reply: Reply = { summary: 's', parts: [{ kind: 'text', markdown: 'found it' }, { kind: 'approval', approval: approval() }] };
    const rendered = renderReply(reply);
    expect(rendered.approvals.map((a) => a.id)).toEqual([approval().id]);
    expect(JSON.stringify(rendered.answer)).not.toContain('Action.Execute');
    const pending = renderApproval(approval());
    expect(pending.actions?.map((a) => [a.type, a.verb])).toEqual([['Action.Execute', 'cloud_companion.approve'], ['Action.Execute', 'cloud_companion.deny']]);
    expect(JSON.stringify(pending)).not.toContain('](https://evil');
    const risky = renderApproval(approval({ risk: 'high', requiredRole: 'admin' }));
    expect(risky.actions?.[0]?.type).toBe('Action.ShowCard');
    const decided = renderApproval(approval({ state: 'succeeded', result: 'Dry run: would scale', decisions: [{ decision: 'approve', by: 'aad-1', byName: 'Olga Operator', at: '2026-01-01T00:01:00.000Z' }] }));
    expect(decided.actions).toBeUndefined();
    expect(JSON.stringify(decided)).toContain('Approved by Olga Operator · succeeded · Dry run: would scale');
  });
});

describe('rate-limit retries', () => {
  const restError = (status: number, retryAfter?: string) => Object.assign(new Error(`HTTP ${status}`), { statusCode: status, response: { headers: { get: (name: string) => (name === 'retry-after' ? retryAfter : undefined) } } });

  it('retries 429, 412, 502 and 504 with backoff, honouring Retry-After', async () => {
    const delays: number[] = [];
    const failures = [restError(429, '3'), restError(412), restError(502), restError(504)];
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'ok';
    }, { attempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, sleep: async (ms) => { delays.push(ms); }, random: () => 1 });
    expect(result).toBe('ok');
    expect(calls).toBe(5);
    expect(delays).toEqual([3000, 200, 400, 800]);
  });

  it('gives up after the last attempt, and never retries other failures', async () => {
    let calls = 0;
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined };
    await expect(withRetry(async () => { calls += 1; throw restError(429); }, policy)).rejects.toThrow('HTTP 429');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(async () => { calls += 1; throw restError(403); }, policy)).rejects.toThrow('HTTP 403');
    expect(calls).toBe(1);
    expect(failureOf(new Error('network'))).toEqual({});
  });
});
