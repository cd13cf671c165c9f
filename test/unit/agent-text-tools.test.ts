import { AIMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAgentBounds } from '../../src/agent/llm/bounds.ts';
import { AgentInvestigator } from '../../src/agent/llm/investigator.ts';
import { DeterministicPlanner } from '../../src/agent/planner.ts';
import type { ProgressEvent } from '../../src/agent/progress.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Runtime } from '../../src/runtime.ts';
import { buildToolset } from '../../tools/index.ts';
import { agentRuntime, slackContext, statusOf, textOf } from '../support/agent.ts';
import { scriptedModel, seen } from '../support/scripted-model.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await agentRuntime(undefined);
});
afterAll(async () => {
  await runtime.close();
});

async function investigate(model: BaseChatModel, question: string) {
  const agent = new AgentInvestigator({
    planner: new DeterministicPlanner('planner'), model, modelName: 'scripted', bounds: defaultAgentBounds,
    tenants: runtime.stores.tenants, audit: runtime.stores.audit, logger: silentLogger(),
  });
  const ctx = await slackContext(runtime);
  const events: ProgressEvent[] = [];
  const tools = buildToolset(ctx, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
  const reply = await agent.investigate({ request: { context: ctx, intent: { kind: 'ask', question } }, tools, history: [], onProgress: (e) => { events.push(e); } });
  return { reply, started: events.filter((e) => e.kind === 'tool_started') };
}

describe('a small model that writes its tool calls as text', () => {
  it('has a fenced JSON call run as a real tool call, and the model sees its result', async () => {
    const model = scriptedModel([
      () => new AIMessage('```json\n{"name": "get_metrics", "arguments": {"resource": "checkout-db", "windowMinutes": 60}}\n```'),
      { answer: 'checkout-db is within its thresholds.' },
    ]);
    const { reply, started } = await investigate(model, 'why is checkout-api slow?');
    expect(started.map((e) => e.kind === 'tool_started' && e.tool)).toEqual(['get_metrics']);
    expect(seen(model.calls[1]?.messages ?? [])).toContain('checkout-db');
    expect(textOf(reply)).toContain('checkout-db is within its thresholds.');
    expect(textOf(reply)).not.toContain('"arguments"');
  });

  it('refuses a text call to a tool that does not exist: the JSON is never shown as the answer', async () => {
    const bogus = '{"name": "run_shell", "arguments": {"command": "rm -rf /"}}';
    const model = scriptedModel([() => new AIMessage(bogus), () => new AIMessage(bogus)]);
    const { reply, started } = await investigate(model, 'why is checkout-api slow?');
    expect(started).toHaveLength(0);
    expect(textOf(reply)).not.toContain('run_shell');
    expect(statusOf(reply).degraded.join('\n')).toContain('The model gave no usable answer');
  });
});
