import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../src/cli/render-text.ts';
import { parseCommand } from '../../src/commands.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Reply } from '../../src/reply.ts';
import type { RequestContext } from '../../src/request.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime(loadConfig({}), silentLogger());
});
afterAll(async () => {
  await runtime.close();
});

async function contextFor(orgId: string, channelId = 'C0000OPS'): Promise<RequestContext> {
  const context = await runtime.companion.resolveContext({
    platform: 'slack', source: 'slash', channelId, userId: 'U0000OPER', workspaceKey: ':T',
    workspace: { slackTeamId: orgId === 'demo' ? 'T00000001' : 'T00000002' },
  });
  if (!context.ok) throw new Error(context.message);
  return context.context;
}

async function ask(text: string, orgId = 'demo', channelId?: string): Promise<Reply> {
  return runtime.companion.handle({ context: await contextFor(orgId, channelId), intent: parseCommand(text) });
}

async function pendingCount(orgId = 'demo'): Promise<number> {
  return (await runtime.approvals.listPending(await contextFor(orgId))).length;
}

const approvalParts = (reply: Reply) => reply.parts.filter((p) => p.kind === 'approval');

describe('command answers on the demo: they only read', () => {
  it.each([
    'show me the metrics of checkout-api',
    "what's the CPU of checkout-api?",
    'is checkout-api healthy?',
    'what would break if orders-queue went down?',
    'tell me about checkout-api',
    'what depends on checkout-db?',
    'what if we restart checkout-api?',
  ])('%j proposes nothing and creates no approval request', async (text) => {
    const before = await pendingCount();
    const reply = await ask(text);
    expect(approvalParts(reply)).toEqual([]);
    expect(await pendingCount()).toBe(before);
  });

  it('a question about the problem still proposes (the guard is for read-only intents only)', async () => {
    const reply = await ask('why is checkout-api slow?');
    expect(approvalParts(reply).length).toBeGreaterThan(0);
  });

  it('"show me the metrics of checkout-api" answers with its metrics', async () => {
    const reply = await ask('show me the metrics of checkout-api');
    expect(reply.parts.map((p) => p.kind)).toEqual(['metrics', 'status']);
    expect(renderText(reply)).toMatch(/checkout-api CPUUtilization/);
    expect(renderText(reply)).not.toMatch(/checkout-db|Runbooks:/);
  });

  it('"what\'s the CPU of checkout-api" shows the CPU only', async () => {
    const reply = await ask("what's the CPU of checkout-api?");
    const metrics = reply.parts.find((p) => p.kind === 'metrics');
    expect(metrics?.kind === 'metrics' && metrics.summaries.map((s) => s.metric)).toEqual(['CPUUtilization']);
    expect(reply.summary).toMatch(/^checkout-api CPUUtilization: last 9\d/);
  });

  it('"list approvals" lists the approvals', async () => {
    await ask('why is checkout-api slow?');
    const reply = await ask('list approvals');
    expect(reply.summary).toMatch(/^\d+ pending approval request\(s\)$/);
    expect(approvalParts(reply).length).toBeGreaterThan(0);
    expect(renderText(reply)).not.toContain('No resource');
  });

  it('a misspelled name gets "did you mean", with no runbook', async () => {
    const reply = await ask('chekout-api');
    expect(reply.summary).toBe('No resource "chekout-api" here; did you mean checkout-api?');
    expect(renderText(reply)).toContain('Did you mean *checkout-api*?');
    expect(renderText(reply)).not.toMatch(/runbook/i);
  });

  it('a missing name of a kind gets the nearest real ones of that kind', async () => {
    const reply = await ask('payments-queue');
    const text = renderText(reply);
    expect(text).toContain('I found no resource called _payments-queue_');
    expect(text).toContain('*orders-queue* (aws.sqs.queue)');
    expect(text).not.toMatch(/payments-api|runbook/i);
  });

  it('suggests only names this channel may see: never another account or organization', async () => {
    const staging = renderText(await ask('resource chekout-db', 'demo', 'C0000STAGING'));
    expect(staging).toContain('*checkout-db-staging* (aws.rds.instance)');
    expect(staging).not.toMatch(/\*checkout-db\*/);
    expect(renderText(await ask('resource checkout-api-stagign', 'demo', 'C0000STAGING'))).toContain('Did you mean *checkout-api-staging*?');
    const globex = renderText(await ask('payments-queue', 'globex'));
    expect(globex).not.toMatch(/orders-queue|orders-dlq/);
  });

  it('"what would break if orders-queue went down?" follows the path to checkout-alb and does not count prod-cluster', async () => {
    const reply = await ask('what would break if orders-queue went down?');
    const affected = reply.parts.find((p) => p.kind === 'resources');
    const names = affected?.kind === 'resources' ? affected.resources.map((c) => c.resource.name) : [];
    expect(names[0]).toBe('checkout-alb');
    expect(names).toEqual(expect.arrayContaining(['checkout-alb', 'checkout-tg', 'checkout-api', 'order-worker']));
    expect(names).not.toContain('prod-cluster');
    expect(names).not.toContain('orders-dlq');
    const text = renderText(reply);
    expect(text).toContain('users would notice at *checkout-alb*: 5xx for checkout requests (checkout-alb → checkout-tg → checkout-api → orders-queue)');
    expect(text).toMatch(/\*Already unhealthy\*: .*checkout-api \(CPUUtilization above threshold 80/);
    // (its name appears only inside checkout-api's console link)
    expect(text.replace(/https:\S+/g, '')).not.toContain('prod-cluster');
  });

  it('"is checkout-api healthy?" gives a plain verdict from state and metrics, with its dependencies', async () => {
    const reply = await ask('is checkout-api healthy?');
    expect(reply.summary).toMatch(/^checkout-api is not healthy: CPUUtilization above threshold 80/);
    expect(renderText(reply)).toMatch(/orders-queue\* is unhealthy/);
    const healthy = await ask('is catalog-api healthy?');
    expect(healthy.summary).toMatch(/^catalog-api (looks healthy|needs a look)/);
  });

  it('"what depends on checkout-db" lists dependents only, without containers; "tell me about" shows owner, on call and counts', async () => {
    const deps = await ask('what depends on checkout-db?');
    expect(deps.summary).toMatch(/^\d+ resource\(s\) depend on checkout-db: checkout-api, payments-api/);
    expect(renderText(deps)).not.toMatch(/checkout-db depends on/);
    expect(renderText(deps)).not.toMatch(/- prod-cluster/);
    const about = renderText(await ask('tell me about checkout-api'));
    expect(about).toContain('Owner: payments');
    expect(about).toContain('On call: payments-primary');
    expect(about).toContain('Running: 4 of 4');
    expect(about).toContain('Part of: prod-cluster');
    expect(about).toContain('https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod-cluster/services/checkout-api/health?region=us-east-1');
  });
});
