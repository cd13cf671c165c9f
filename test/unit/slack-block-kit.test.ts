import { describe, expect, it } from 'vitest';
import { placeholderText } from '../../adapters/slack/progress.ts';
import { decisionLine, renderApproval, renderReplyMessages, replaceApprovalBlocks } from '../../adapters/slack/render.ts';
import type { Alert } from '../../src/alerts/alert.ts';
import { alertParent, firedAgainNote, investigatingNote, resolvedNote, stormSummary } from '../../src/alerts/messages.ts';
import type { ApprovalRequest, ApprovalState } from '../../src/approvals/types.ts';
import { interruptedText } from '../../src/background.ts';
import { helpText } from '../../src/commands.ts';
import type { MetricSummary } from '../../src/metrics/source.ts';
import type { Reply, ReplyPart } from '../../src/reply.ts';
import type { CloudResource } from '../../src/stores/estate.ts';
import { blockKitLimits, blockKitViolations } from '../support/block-kit-limits.ts';

/** Long, markup-heavy text: what makes escaping and truncation overflow a limit. */
const long = (n: number): string => '<!channel> & *bold* `code` 😀 '.repeat(Math.ceil(n / 30)).slice(0, n);

const resource = (i: number): CloudResource => ({
  id: `arn:aws:ecs:us-east-1:111111111111:service/prod/${long(300)}-${i}`, provider: 'aws', accountId: '111111111111',
  type: 'aws.ecs.service', name: `${long(200)}-${i}`, region: 'us-east-1', state: long(60), tags: {},
});

const summary = (i: number): MetricSummary => ({
  resourceId: `r${i}`, resourceName: long(300), metric: long(200), unit: long(40), windowMinutes: 60, min: 1, max: 99.5, avg: 50, p95: 90, last: 97,
  points: 60, trend: 'rising', anomaly: long(400), source: 'recorded', change: { percent: 120 } as MetricSummary['change'],
});

function approval(state: ApprovalState, extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    // One id per state: a reply never holds two cards of one request.
    id: `7b0c3f55-8a57-4a55-9b5e-${state.padEnd(12, '0').slice(0, 12)}`, orgId: 'demo', risk: 'high', requiredRole: 'admin', reason: long(4000),
    action: { kind: 'aws.ecs.scale', params: { desiredCount: 6, note: long(2000) }, targetResourceId: 'arn:x', targetName: long(500), accountId: '111111111111' },
    requestedBy: 'U1', conversation: { platform: 'slack', workspaceId: ':T1', channelId: 'C1', threadId: '1.1' },
    state, createdAt: '2026-11-21T10:00:00Z', expiresAt: '2026-11-21T14:00:00Z',
    decisions: state === 'pending' || state === 'expired' ? [] : [{ decision: state === 'denied' ? 'deny' : 'approve', by: 'U2', at: '2026-11-21T10:01:00Z' }],
    dryRun: { ok: true, executor: 'dry-run', message: long(3000), at: '2026-11-21T10:00:00Z' } as ApprovalRequest['dryRun'],
    ...(state === 'succeeded' || state === 'failed' ? {
      result: long(3000),
      execution: {
        ok: state === 'succeeded', message: long(3000), at: '2026-11-21T10:02:00Z', executor: 'live', providerCode: long(100),
        ...(state === 'succeeded' ? { rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, description: long(2000) } as never } : {}),
      },
    } : {}),
    ...extra,
  };
}

const alert: Alert = {
  source: 'alertmanager', fingerprint: 'alertmanager:x', status: 'firing', severity: 'critical', severityRaw: long(200), title: long(2000), summary: long(5000),
  resources: Array.from({ length: 30 }, (_, i) => ({ name: `${long(300)}-${i}` })),
  metric: { name: long(500), threshold: 80, comparison: '>', observed: 97 },
  links: Array.from({ length: 10 }, (_, i) => ({ label: long(200), url: `https://example.com/${'x'.repeat(2500)}/${i}` })),
  startedAt: '2025-01-14T10:00:00Z', raw: {},
};

/** Every reply part the bot renders, each at its most: many items, long hostile text. */
const everyPart: ReplyPart[] = [
  { kind: 'text', markdown: long(20_000) },
  { kind: 'facts', title: long(500), facts: Array.from({ length: 40 }, (_, i) => ({ label: `${long(100)}${i}`, value: long(3000) })) },
  { kind: 'resources', title: long(500), resources: Array.from({ length: 60 }, (_, i) => ({ resource: resource(i), relation: long(200) })) },
  { kind: 'metrics', title: long(500), summaries: Array.from({ length: 40 }, (_, i) => summary(i)) },
  { kind: 'citations', citations: Array.from({ length: 40 }, (_, i) => ({ runbookId: `rb-${i}`, title: long(300), section: long(300), score: 0.5 })) },
  { kind: 'status', text: long(5000), degraded: Array.from({ length: 20 }, () => long(300)) },
  { kind: 'diagram', title: long(500), format: 'png', alt: long(5000), mermaid: 'graph LR' },
  { kind: 'diagram', title: long(500), format: 'mermaid', alt: long(5000), mermaid: Array.from({ length: 500 }, (_, i) => `  n${i}["${long(80)}"] --> n${i + 1}`).join('\n') },
  ...(['pending', 'approved', 'executing', 'succeeded', 'failed', 'denied', 'expired'] as const).map((state) => ({ kind: 'approval' as const, approval: approval(state) })),
  { kind: 'approval', approval: approval('pending', { id: 'low-risk-undo', risk: 'low', rollbackOf: 'b0c3f55-prior' }) },
];

function expectValid(label: string, message: { text?: unknown; blocks?: unknown }): void {
  expect(blockKitViolations(message), label).toEqual([]);
}

describe('Block Kit limits (issue #20)', () => {
  it('the checker finds each documented limit broken', () => {
    const button = (over: Record<string, unknown>) => ({ text: 't', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', value: 'v', text: { type: 'plain_text', text: 'ok' }, ...over }] }] });
    expect(blockKitViolations(button({ text: { type: 'plain_text', text: 'x'.repeat(blockKitLimits.buttonText + 1) } }))).toHaveLength(1);
    expect(blockKitViolations(button({ value: 'x'.repeat(blockKitLimits.buttonValue + 1) }))).toHaveLength(1);
    expect(blockKitViolations(button({ action_id: 'x'.repeat(blockKitLimits.actionId + 1) }))).toHaveLength(1);
    expect(blockKitViolations(button({ confirm: { title: { type: 'plain_text', text: 'x'.repeat(101) }, text: { type: 'mrkdwn', text: 'x' }, confirm: { type: 'plain_text', text: 'y' }, deny: { type: 'plain_text', text: 'n' } } }))).toHaveLength(1);
    expect(blockKitViolations({ text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] })).toHaveLength(1);
    expect(blockKitViolations({ text: 't', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] })).toHaveLength(1);
    expect(blockKitViolations({ text: 't', blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] })).toHaveLength(1);
    expect(blockKitViolations({ text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })).toHaveLength(1);
    expect(blockKitViolations({ text: 't', blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }] })).toHaveLength(1);
    expect(blockKitViolations({ blocks: [{ type: 'divider' }] })).toEqual(['text: messages with blocks carry fallback text for notifications']);
    expect(blockKitViolations({ text: 't', blocks: [{ type: 'section', block_id: 'x'.repeat(256), text: { type: 'mrkdwn', text: 'ok' } }] })).toHaveLength(1);
  });

  it('every reply part, at its largest, renders into messages Slack accepts', () => {
    for (const part of everyPart) {
      const messages = renderReplyMessages({ summary: long(5000), parts: [part] });
      for (const [i, message] of messages.entries()) expectValid(`${part.kind}${part.kind === 'approval' ? ` ${part.approval.state}` : ''} message ${i}`, message);
    }
    // All of them in one answer: split across messages, each within the limits.
    const all = renderReplyMessages({ summary: long(5000), parts: everyPart });
    expect(all.length).toBeGreaterThan(1);
    for (const [i, message] of all.entries()) expectValid(`combined message ${i}`, message);
  });

  it('approval cards in every state, and a card replaced in place after a decision, stay within the limits', () => {
    for (const state of ['pending', 'approved', 'executing', 'succeeded', 'failed', 'denied', 'expired'] as const) {
      expectValid(`approval ${state}`, { text: decisionLine(approval(state)), blocks: renderApproval(approval(state)) });
    }
    const pending = renderReplyMessages({ summary: 's', parts: everyPart.slice(0, 3).concat([{ kind: 'approval', approval: approval('pending') }]) });
    const last = pending.at(-1);
    if (!last) throw new Error('no message');
    expectValid('decided in place', { text: decisionLine(approval('succeeded')), blocks: replaceApprovalBlocks(last.blocks, approval('succeeded')) });
  });

  it('alert posts, alert notes, storm summaries, help, placeholders and notices stay within the limits', () => {
    const replies: [string, Reply][] = [
      ['alert parent', alertParent(alert, { fired: 3 } as never)],
      ['resolved alert parent', alertParent({ ...alert, status: 'resolved', endedAt: '2025-01-14T11:00:00Z' })],
      ['storm summary', stormSummary(Array.from({ length: 500 }, (_, i) => ({ line: `${long(300)} ${i}` }) as never), 10, 60)],
    ];
    for (const [label, reply] of replies) for (const [i, message] of renderReplyMessages(reply).entries()) expectValid(`${label} ${i}`, message);
    for (const [label, text] of [
      ['help', helpText], ['placeholder', placeholderText], ['interrupted', interruptedText], ['investigating', investigatingNote(alert)],
      ['fired again', firedAgainNote(alert, { fired: 4 } as never)], ['resolved note', resolvedNote(alert)],
    ] as const) expectValid(label, { text });
  });
});
