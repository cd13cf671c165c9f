import { createRequire } from 'node:module';
import type { Activity } from 'botbuilder';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { undeliveredText } from '../../adapters/teams/delivery.ts';
import { teamsHelpText } from '../../adapters/teams/help.ts';
import { approvalMessage, cardMessage, contentMessages, withoutPictures } from '../../adapters/teams/messages.ts';
import { activityBudgetBytes, teamsMessageLimitBytes } from '../../adapters/teams/pictures.ts';
import { adaptiveCardType, renderApproval, renderProgress, renderText, type AdaptiveCard } from '../../adapters/teams/render.ts';
import type { ApprovalRequest, ApprovalState, Risk } from '../../src/approvals/types.ts';
import type { ChatImage } from '../../src/image.ts';
import type { Reply } from '../../src/reply.ts';

/**
 * Microsoft's own Adaptive Cards library (the renderer behind Teams' web client and the Agents
 * Playground), not a schema written here. Its ESM build has extensionless imports Node cannot
 * load; the UMD bundle is the same code.
 */
interface ValidationEvent { message: string }
interface AdaptiveCards {
  AdaptiveCard: new () => { parse(json: unknown, context: unknown): void; validateProperties(): { validationEvents: ValidationEvent[] } };
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(i: number): ValidationEvent };
  Versions: { v1_5: unknown };
}
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as AdaptiveCards;

/** Every parse and validation event Microsoft's library reports for a card read as schema 1.5. */
function problems(content: AdaptiveCard): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(content, context);
  const events = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
  return [...events, ...card.validateProperties().validationEvents.map((e) => e.message)];
}

function cardsOf(activity: Partial<Activity>): AdaptiveCard[] {
  return (activity.attachments ?? []).filter((a) => a.contentType === adaptiveCardType).map((a) => a.content as AdaptiveCard);
}

/** The activity as the connector receives it: what we send plus the envelope botbuilder adds. */
function wireBytes(activity: Partial<Activity>): number {
  const envelope = {
    from: { id: '28:00000000-0000-0000-0000-0000000000b0', name: 'Cloud Companion' },
    recipient: { id: '29:1-some-long-teams-user-id-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', name: 'Someone' },
    conversation: { id: '19:ops0000000000000000000000000000@thread.tacv2;messageid=1759944781430', conversationType: 'channel', tenantId: '00000000-0000-0000-0000-000000000001' },
    serviceUrl: 'https://smba.trafficmanager.net/amer/00000000-0000-0000-0000-000000000001/', channelId: 'msteams', locale: 'en-US', id: '1:bot-activity-12345',
  };
  return Buffer.byteLength(JSON.stringify({ ...activity, ...envelope }), 'utf8');
}

function approval(state: ApprovalState, risk: Risk = 'low', extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const decided = state === 'pending' || state === 'expired' ? [] : [{ decision: state === 'denied' ? 'deny' as const : 'approve' as const, by: '00000000-0000-0000-0000-00000000ad01', byName: 'Ada <Admin>', at: '2026-01-01T00:05:00.000Z' }];
  return {
    id: '3f0b8f5e-1d7a-4c1e-9a53-8f1f8b1c2d3e', orgId: 'demo',
    action: { kind: risk === 'high' ? 'aws.ec2.stop' : 'aws.ecs.scale', params: { desiredCount: 6 }, targetResourceId: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api', targetName: 'checkout-api', accountId: '111111111111' },
    risk, requiredRole: risk === 'low' ? 'operator' : 'admin', reason: 'CPU > 80 for 5m and <db> healthy', requestedBy: 'u1',
    conversation: { platform: 'teams', workspaceId: 't', channelId: 'c' }, state,
    createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T04:00:00.000Z', decisions: decided,
    dryRun: { ok: true, message: 'would set desired count 2 → 6', at: '2026-01-01T00:00:01.000Z', executor: 'dry-run' },
    ...(state === 'succeeded' || state === 'failed' ? {
      result: state === 'succeeded' ? 'desired count 2 → 6' : 'AccessDenied',
      execution: {
        ok: state === 'succeeded', message: state === 'succeeded' ? 'desired count 2 → 6' : 'not allowed', at: '2026-01-01T00:06:00.000Z', executor: 'live',
        ...(state === 'failed' ? { providerCode: 'AccessDenied' } : { rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, description: 'Set desired count of checkout-api back to 2' } }),
      },
    } : {}),
    ...(state === 'succeeded' ? { verification: { status: 'improved' as const, at: '2026-01-01T00:11:00.000Z', dueAt: '2026-01-01T00:11:00.000Z', metrics: [], message: 'CPU back under 80' } } : {}),
    ...extra,
  };
}

/** A picture as big as a busy diagram: random pixels in a band, so it compresses badly. */
function picture(fileName: string, width: number, height: number, noisyRows: number): ChatImage {
  const png = new PNG({ width, height });
  let seed = 7;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const v = y < noisyRows ? seed & 0xff : 255 - ((x + y) % 64);
      png.data[i] = v; png.data[i + 1] = v; png.data[i + 2] = 255; png.data[i + 3] = 255;
    }
  }
  return { mimeType: 'image/png', png: new Uint8Array(PNG.sync.write(png)), width, height, alt: `A picture named ${fileName}`, fileName };
}

/** The flagship answer: every kind of part, a chart and a diagram too big to ride inside the card, approvals. */
function flagship(pictures: ChatImage[]): Reply {
  const summary = { resourceId: 'r1', resourceName: 'checkout-api', metric: 'CPUUtilization', unit: 'Percent', windowMinutes: 60, min: 20, max: 97, avg: 71, p95: 95, last: 93, points: 60, trend: 'rising' as const, threshold: 80, anomaly: 'above threshold 80 for the last 12 min', source: 'recorded' };
  return {
    summary: 'checkout-api is CPU-bound: scale out',
    parts: [
      { kind: 'text', markdown: '*checkout-api* is slow because its tasks run at 93% CPU; try `resource <name>` for details.\n[click](https://evil.example)' },
      { kind: 'facts', title: 'Diagnosis', facts: [{ label: 'Cause', value: 'CPU > 80 for 12m' }, { label: 'Confidence', value: 'high' }] },
      { kind: 'resources', title: 'Affected chain: checkout-api', resources: Array.from({ length: 12 }, (_, i) => ({ resource: { id: `r${i}`, orgId: 'demo', provider: 'aws', type: 'aws.ecs.service', name: `svc-${i}`, region: 'us-east-1', state: 'degraded', accountId: '111111111111', tags: {}, properties: {} } as never, relation: 'depends on checkout-api' })) },
      { kind: 'metrics', title: 'Metrics, last 60 min', summaries: [summary, { ...summary, metric: 'MemoryUtilization', anomaly: undefined }], ...(pictures[0] ? { chart: pictures[0] } : {}) },
      { kind: 'diagram', title: 'Dependency diagram', format: 'png', alt: 'Dependency diagram of checkout-api: 5 resources shown', mermaid: 'flowchart LR\n  a --> b', ...(pictures[1] ? { image: pictures[1] } : {}) },
      { kind: 'diagram', title: 'As Mermaid', format: 'mermaid', alt: 'The same, as text', mermaid: 'flowchart LR\n  checkout-api --> checkout-db\n  checkout-api --> orders-queue' },
      { kind: 'citations', citations: [{ runbookId: 'rb1', title: 'ECS high latency', section: 'Scale out', score: 3.2 }] },
      { kind: 'status', text: 'Deterministic planner', degraded: ['Azure metrics unavailable'] },
      { kind: 'approval', approval: approval('pending', 'low') },
      { kind: 'approval', approval: approval('pending', 'high') },
    ],
  };
}

describe('Every Teams card, read by Microsoft\'s adaptivecards library (schema 1.5), every activity within Teams\' size limit', () => {
  const states: [string, ApprovalRequest][] = [
    ['pending, low risk', approval('pending', 'low')],
    ['pending, medium risk (confirmation)', approval('pending', 'medium')],
    ['pending, high risk', approval('pending', 'high')],
    ['approved', approval('approved')],
    ['executing', approval('executing')],
    ['succeeded (Undo…)', approval('succeeded')],
    ['failed', approval('failed')],
    ['denied', approval('denied')],
    ['expired', approval('expired')],
    ['an undo proposal', approval('pending', 'low', { rollbackOf: '11111111-2222-4333-8444-555555555555' })],
  ];

  it.each(states)('approval card: %s', (_, request) => {
    const message = approvalMessage(request);
    for (const card of cardsOf(message)) expect(problems(card)).toEqual([]);
    // The card an Approve/Deny click answers with (the invoke response) is the same card.
    expect(problems(renderApproval(request))).toEqual([]);
    expect(wireBytes(message)).toBeLessThanOrEqual(activityBudgetBytes);
  });

  it('help, welcome, onboarding and error cards', () => {
    const cards: [string, Partial<Activity>][] = [
      ['help', cardMessage(renderText(teamsHelpText), 'How to use Cloud Companion')],
      ['welcome', cardMessage(renderText(teamsHelpText), 'Cloud Companion is here')],
      ['onboarding', cardMessage(renderText('This Teams tenant 00000000-0000-0000-0000-0000000000ee is not connected to a Cloud Companion organization yet. Ask an admin to add it under `bindings.teams.tenants` in tenants.yaml.'), 'onboarding')],
      ['progress', cardMessage(renderProgress('Drawing the diagram…'), 'Drawing the diagram…')],
      ['queued', cardMessage(renderProgress('Queued behind 3 other question(s); I will start as soon as a running investigation is done.'), 'Queued')],
      ['undelivered (413)', cardMessage(renderText(undeliveredText(Object.assign(new Error('too big'), { statusCode: 413 }))), 'The answer could not be posted')],
      ['undelivered (other)', cardMessage(renderText(undeliveredText(new Error('socket hang up'))), 'The answer could not be posted')],
    ];
    for (const [name, message] of cards) {
      for (const card of cardsOf(message)) expect({ name, problems: problems(card) }).toEqual({ name, problems: [] });
      expect(wireBytes(message)).toBeLessThanOrEqual(activityBudgetBytes);
    }
  });

  it('the flagship answer: every message under 80 KB with its pictures, its cards valid, and the same without pictures', async () => {
    const chart = picture('checkout-api-cpuutilization.png', 720, 300, 30);
    const diagram = picture('checkout-api-diagram.png', 1600, 1100, 60);
    const reply = flagship([chart, diagram]);
    // What the Playground showed: the pictures alone are well over Teams' limit.
    expect(chart.png.length + diagram.png.length).toBeGreaterThan(teamsMessageLimitBytes);
    const messages = await contentMessages(reply);
    let pictures = 0;
    for (const message of messages) {
      expect(wireBytes(message)).toBeLessThanOrEqual(activityBudgetBytes);
      for (const card of cardsOf(message)) expect(problems(card)).toEqual([]);
      expect((message.attachments ?? []).every((a) => a.contentType === adaptiveCardType)).toBe(true);
      pictures += cardsOf(message).flatMap((c) => c.body).filter((e) => e.type === 'Image').length;
    }
    expect(pictures).toBe(2);
    // The answer card alone (it replaces the placeholder), its pictures in the next message.
    expect(messages[0]?.attachments).toHaveLength(1);
    const stripped = withoutPictures(messages[1] as Partial<Activity>) as Partial<Activity>;
    expect(cardsOf(stripped).flatMap((c) => c.body).filter((e) => e.type === 'Image')).toEqual([]);
    for (const card of cardsOf(stripped)) expect(problems(card)).toEqual([]);
    // Approval cards follow, one per request.
    expect(messages.filter((m) => cardsOf(m).some((c) => JSON.stringify(c.actions ?? []).includes('cloud_companion.approve')))).toHaveLength(2);
  });

  it('a picture that cannot ride beside the card at a legible size travels alone, scaled down, within the limit', async () => {
    const noise = picture('noise-diagram.png', 1600, 1000, 1000);
    const messages = await contentMessages(flagship([noise]));
    for (const message of messages) expect(wireBytes(message)).toBeLessThanOrEqual(activityBudgetBytes);
    const alone = messages.filter((m) => m.attachments?.length === 1 && cardsOf(m)[0]?.body[0]?.type === 'Image');
    expect(alone).toHaveLength(1);
    const uri = String(cardsOf(alone[0] as Partial<Activity>)[0]?.body[0]?.url);
    expect(PNG.sync.read(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64')).width).toBeLessThan(1600);
  });

  it('an `approvals` answer card has a heading and parses', async () => {
    const [answer] = await contentMessages({ summary: '2 pending approval request(s)', parts: [{ kind: 'status', text: 'Deterministic planner', degraded: [] }, { kind: 'approval', approval: approval('pending') }, { kind: 'approval', approval: approval('pending', 'medium') }] });
    const card = cardsOf(answer as Partial<Activity>)[0] as AdaptiveCard;
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: '**2 pending approval request(s)**' });
    expect(problems(card)).toEqual([]);
  });
});
