import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAgentBounds } from '../../src/agent/llm/bounds.ts';
import { AgentInvestigator } from '../../src/agent/llm/investigator.ts';
import { DeterministicPlanner } from '../../src/agent/planner.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Reply } from '../../src/reply.ts';
import type { Runtime } from '../../src/runtime.ts';
import { buildToolset } from '../../tools/index.ts';
import { agentRuntime, slackContext } from '../support/agent.ts';
import { scriptedModel } from '../support/scripted-model.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await agentRuntime(undefined);
});
afterAll(async () => {
  await runtime.close();
});

async function ask(model: ReturnType<typeof scriptedModel> | undefined): Promise<Reply> {
  const agent = new AgentInvestigator({
    planner: new DeterministicPlanner('planner'), model, modelName: 'scripted', bounds: defaultAgentBounds,
    tenants: runtime.stores.tenants, audit: runtime.stores.audit, logger: silentLogger(),
  });
  const context = await slackContext(runtime);
  const tools = buildToolset(context, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
  return agent.investigate({ request: { context, intent: { kind: 'ask', question: 'why is checkout-api slow?' } }, tools, history: [] });
}

function pictures(reply: Reply): { chart?: string; diagram?: string } {
  const metrics = reply.parts.find((p) => p.kind === 'metrics');
  const diagram = reply.parts.find((p) => p.kind === 'diagram');
  return {
    ...(metrics?.kind === 'metrics' && metrics.chart ? { chart: metrics.chart.alt } : {}),
    ...(diagram?.kind === 'diagram' && diagram.image ? { diagram: `${diagram.title}: ${diagram.alt}` } : {}),
  };
}

describe('the agent\'s answers carry the same pictures as the planner\'s', () => {
  it('when the model answers', async () => {
    const reply = await ask(scriptedModel([{ answer: 'checkout-api is CPU-bound: CPUUtilization last 91.87%, above its threshold 80.' }]));
    expect(reply.parts[0]).toMatchObject({ kind: 'text' });
    const { chart, diagram } = pictures(reply);
    expect(chart).toMatch(/^Line chart of CPUUtilization for checkout-api/);
    expect(diagram).toMatch(/^Affected chain: checkout-api: Dependency diagram of checkout-api/);
  });

  it('when it falls back to the evidence-based answer', async () => {
    const { chart, diagram } = pictures(await ask(undefined));
    expect(chart).toBeDefined();
    expect(diagram).toBeDefined();
  });
});
