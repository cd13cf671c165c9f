import { describe, expect, it } from 'vitest';
import { renderReplyMessages } from '../../adapters/slack/render.ts';
import { renderReply as renderTeamsReply } from '../../adapters/teams/render.ts';
import { renderText } from '../../src/cli/render-text.ts';
import type { Reply } from '../../src/reply.ts';
import type { CloudResource } from '../../src/stores/graph.ts';

const checkoutApi: CloudResource = {
  id: 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', provider: 'aws', accountId: '111111111111', type: 'aws.ecs.service',
  name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: { team: 'payments', oncall: 'payments-primary' },
  desiredCount: 4, runningCount: 3, changedAt: '2026-12-07T21:40:00.000Z',
};
const bare: CloudResource = { id: 'not-an-arn', provider: 'aws', accountId: '111111111111', type: 'aws.x', name: 'bare', region: 'us-east-1', state: 'ok', tags: {} };
const reply: Reply = { summary: 's', parts: [{ kind: 'resources', title: 'Resources', resources: [{ resource: checkoutApi, relation: 'named in the question' }, { resource: bare }] }] };
const console = 'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod-cluster/services/checkout-api/health?region=us-east-1';

describe('resource cards carry what a responder needs', () => {
  it('Slack: the name links to the console; owner, on call, counts and last change follow', () => {
    const text = JSON.stringify(renderReplyMessages(reply)[0]?.blocks);
    expect(text).toContain(`*<${console}|checkout-api>*`);
    expect(text).toMatch(/owner payments · on call payments-primary · running 3 of 4 · last change 2026-12-07 21:40 UTC/);
    expect(text).toContain('• *bare* `aws.x` us-east-1 · ok');
  });

  it('Teams: the same facts, and a console link in the fact', () => {
    const text = JSON.stringify(renderTeamsReply(reply).answer.body);
    expect(text).toContain(`[console](${console})`);
    expect(text).toMatch(/owner payments · on call payments-primary · running 3 of 4 · last change 2026-12-07 21:40 UTC/);
    expect(text).toContain('"value":"aws.x · us-east-1 · ok"');
  });

  it('CLI: the facts and the console link on a line under the resource', () => {
    const text = renderText(reply);
    expect(text).toContain(`  - checkout-api (aws.ecs.service, us-east-1, degraded) named in the question\n      owner payments · on call payments-primary · running 3 of 4 · last change 2026-12-07 21:40 UTC`);
    expect(text).toContain(console);
    expect(text).toMatch(/ - bare \(aws\.x, us-east-1, ok\)\n?$/);
  });
});
