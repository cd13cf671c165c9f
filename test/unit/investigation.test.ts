import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { parseCommand } from '../../src/commands.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Reply } from '../../src/reply.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { renderText } from '../../src/cli/render-text.ts';
import type { RequestContext } from '../../src/request.ts';
import { buildToolset } from '../../tools/index.ts';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime(loadConfig({}), silentLogger());
});
afterAll(async () => {
  await runtime.close();
});

async function contextFor(orgId: string, channelId = 'C0000OPS', userId = 'U0000OPER'): Promise<RequestContext> {
  const context = await runtime.companion.resolveContext({
    platform: 'slack', source: 'slash', channelId, userId, workspaceKey: ':T',
    workspace: { slackTeamId: orgId === 'demo' ? 'T00000001' : 'T00000002' },
  });
  if (!context.ok) throw new Error(context.message);
  return context.context;
}

async function ask(orgId: string, text: string, channelId?: string): Promise<Reply> {
  return runtime.companion.handle({ context: await contextFor(orgId, channelId), intent: parseCommand(text) });
}

describe('deterministic investigation on the demo estate', () => {
  it('finds the named resource, its blast radius, the metric past its threshold, the runbook and proposes its action', async () => {
    const reply = await ask('demo', 'why is checkout-api slow?');
    const text = renderText(reply);
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization 9\d(\.\d)?% \(> 80% for \d+ min\)/);
    // The walk: the entry point in front (where users see the latency), the service, what it depends on.
    expect(text).toMatch(/checkout-alb \(aws\.elbv2\.loadbalancer, us-east-1, active\) in front of checkout-api/);
    expect(text).toMatch(/checkout-db \(aws\.rds\.instance, us-east-1, available\) checkout-api depends on it/);
    expect(text).toMatch(/Runbooks: \[ecs-service-high-latency § [A-Za-z]+\] ECS service high latency/);
    const approvals = reply.parts.filter((p) => p.kind === 'approval');
    expect(approvals.map((p) => p.kind === 'approval' && p.approval.action.kind)).toEqual(['aws.ecs.scale']);
    expect(reply.parts.at(-1)).toMatchObject({ kind: 'status', degraded: [] });
  });

  it('keeps each organization to its own data, even for look-alike names', async () => {
    const globex = renderText(await ask('globex', 'why is checkout-api slow?'));
    expect(globex).toContain('checkout-api');
    expect(globex).not.toMatch(/111111111111|222222222222|orders-queue|prod-cluster|ECS service high latency/);
    const demo = renderText(await ask('demo', 'resource billing-api'));
    expect(demo).toContain('I found no resource called _billing-api_');
  });

  it('limits a channel to its accounts: the staging channel cannot see production', async () => {
    const prodDb = (await runtime.stores.graph.findResources({ orgId: 'demo', accountIds: ['111111111111'] }, { text: 'checkout-db' }))[0]?.id as string;
    const reply = renderText(await ask('demo', `deps ${prodDb}`, 'C0000STAGING'));
    expect(reply).toContain('I found no resource called');
    expect(renderText(await ask('demo', 'deps checkout-db', 'C0000STAGING'))).toContain('checkout-db-staging');
    const staging = renderText(await ask('demo', 'resource checkout-api-staging', 'C0000STAGING'));
    expect(staging).toContain('checkout-api-staging');
  });

  it('tools take names from the model, never an organization or account id', async () => {
    const tools = buildToolset(await contextFor('globex'), { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
    for (const tool of tools.all) {
      const keys = Object.keys(tool.schema.shape);
      expect(keys.filter((k) => /org|account|tenant/i.test(k))).toEqual([]);
    }
    const demoArn = (await runtime.stores.graph.findResources({ orgId: 'demo', accountIds: ['111111111111'] }, { text: 'checkout-db' }))[0]?.id as string;
    expect(demoArn).toMatch(/^arn:aws:rds/);
    expect((await tools.dependencies.run({ resource: demoArn, depth: 2 })).resource).toBeUndefined();
    expect(await tools.findResources.run({ query: demoArn })).toEqual([]);
    expect(await tools.proposeAction.run({ kind: 'aws.ecs.scale', resource: demoArn, params: { desiredCount: 1 }, reason: 'x' })).toMatchObject({ ok: false });
  });

  it('says what failed instead of failing whole when a store is down', async () => {
    const context = await contextFor('demo');
    const broken = { ...runtime.stores.runbooks, search: () => Promise.reject(new Error('Weaviate at http://127.0.0.1:1 is not reachable')) };
    const tools = buildToolset(context, { graph: runtime.stores.graph, runbooks: broken, metrics: runtime.metrics, approvals: runtime.approvals });
    const reply = await runtime.investigator.investigate({ request: { context, intent: parseCommand('why is checkout-api slow?') }, tools, history: [] });
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(reply.parts.at(-1)).toMatchObject({ kind: 'status', degraded: [expect.stringContaining('Runbook search unavailable: Weaviate at http://127.0.0.1:1 is not reachable')] });
  });

  it('keeps the thread history per organization and thread', async () => {
    const context = await contextFor('demo', 'C0000HISTORY');
    await runtime.companion.handle({ context, intent: parseCommand('deps checkout-db') });
    const history = await runtime.stores.conversations.history('demo', context.conversation);
    expect(history.slice(-2).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await runtime.stores.conversations.history('globex', context.conversation)).toEqual([]);
  });
});
