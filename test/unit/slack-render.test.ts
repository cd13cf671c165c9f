import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, truncate } from '../../adapters/slack/mrkdwn.ts';
import { renderReply, replaceApprovalBlocks } from '../../adapters/slack/render.ts';
import { stripMentions } from '../../adapters/slack/inbound.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { Reply } from '../../src/reply.ts';

const approval: ApprovalRequest = {
  id: '7b0c3f55-8a57-4a55-9b5e-2f9f3c1d2e10', orgId: 'demo', risk: 'low', requiredRole: 'operator', reason: 'CPU <!channel> saturated',
  action: { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, targetResourceId: 'arn:x', targetName: 'checkout-api', accountId: '111111111111' },
  requestedBy: 'U1', conversation: { platform: 'slack', workspaceId: ':T1', channelId: 'C1', threadId: '1.1' },
  state: 'pending', createdAt: '2026-11-21T10:00:00Z', expiresAt: '2026-11-21T14:00:00Z', decisions: [],
};

describe('Slack rendering', () => {
  it('escapes data so it cannot spoof links or ping channels', () => {
    expect(escapeMrkdwn('<https://evil.example|click> & <!channel>')).toBe('&lt;https://evil.example|click&gt; &amp; &lt;!channel&gt;');
    const message = renderReply({ summary: 's', parts: [{ kind: 'approval', approval }] });
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
  });

  it('never cuts an entity or a surrogate pair in half', () => {
    expect(truncate('abc &amp; def', 7)).toBe('abc …');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });

  it('keeps a long reply within 50 blocks and 3000 characters per section', () => {
    const reply: Reply = { summary: 'x'.repeat(5000), parts: Array.from({ length: 80 }, () => ({ kind: 'text' as const, markdown: 'word '.repeat(1000) })) };
    const { text, blocks } = renderReply(reply);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(text.length).toBeLessThanOrEqual(3000);
    for (const block of blocks) {
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(JSON.stringify(blocks.at(-1))).toContain('left out');
  });

  it('shows Approve (primary) and Deny (danger) carrying only the approval id, and replaces them once decided', () => {
    const { blocks } = renderReply({ summary: 's', parts: [{ kind: 'text', markdown: 'before' }, { kind: 'approval', approval }, { kind: 'text', markdown: 'after' }] });
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({ elements: [{ style: 'primary', value: approval.id }, { style: 'danger', value: approval.id }] });
    const decided = replaceApprovalBlocks(blocks, { ...approval, state: 'succeeded', result: 'Dry run: ok', decisions: [{ decision: 'approve', by: 'U2', at: '2026-11-21T10:01:00Z' }] });
    expect(decided.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(decided)).toContain('Approved by <@U2>');
    expect(JSON.stringify(decided[0])).toContain('before');
    expect(JSON.stringify(decided.at(-1))).toContain('after');
    expect(decided).toHaveLength(blocks.length);
  });

  it('strips bot mentions from app_mention text', () => {
    expect(stripMentions('<@UBOT00001> deps   checkout-db')).toBe('deps checkout-db');
    expect(stripMentions('<@UBOT00001|cloud> why <@U2> ?')).toBe('why ?');
  });
});
