import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ChatResult } from '@langchain/core/outputs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAgentBounds, type AgentBounds } from '../../src/agent/llm/bounds.ts';
import { AgentInvestigator } from '../../src/agent/llm/investigator.ts';
import { DeterministicPlanner } from '../../src/agent/planner.ts';
import type { ProgressEvent } from '../../src/agent/progress.ts';
import { silentLogger } from '../../src/logging.ts';
import { metricsRegistry } from '../../src/observability/metrics.ts';
import type { RequestContext } from '../../src/request.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { RunbookIndex } from '../../src/stores/runbooks.ts';
import type { ResourceGraph } from '../../src/stores/graph.ts';
import { buildToolset, type ToolDeps } from '../../tools/index.ts';
import { agentRuntime, approvalsOf, askWithProgress, slackContext, statusOf, textOf } from '../support/agent.ts';
import { scriptedModel, seen } from '../support/scripted-model.ts';

const checkoutApi = 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api';
const finalNote = 'No more tool calls are available';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await agentRuntime(undefined);
});
afterAll(async () => {
  await runtime.close();
});

/** The agent on the shared demo stores, with its own model and bounds. */
function investigator(model: BaseChatModel | undefined, bounds: Partial<AgentBounds> = {}): AgentInvestigator {
  return new AgentInvestigator({
    planner: new DeterministicPlanner('planner'), model, modelName: 'scripted', bounds: { ...defaultAgentBounds, ...bounds },
    tenants: runtime.stores.tenants, audit: runtime.stores.audit, logger: silentLogger(),
  });
}

async function investigate(agent: AgentInvestigator, question: string, deps: Partial<ToolDeps> = {}, context?: RequestContext) {
  const ctx = context ?? await slackContext(runtime);
  const events: ProgressEvent[] = [];
  const tools = buildToolset(ctx, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals, ...deps });
  const reply = await agent.investigate({ request: { context: ctx, intent: { kind: 'ask', question } }, tools, history: [], onProgress: (e) => { events.push(e); } });
  return { reply, events, started: events.filter((e) => e.kind === 'tool_started') };
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return metric?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0) ?? 0;
}

describe('the agent investigates with a scripted tool-calling model', () => {
  it('posts the evidence first, then investigates in several steps, proposes an action and cites its evidence', async () => {
    const model = scriptedModel([
      { tools: [{ name: 'get_metrics', args: { resource: 'checkout-db', windowMinutes: 180 } }, { name: 'search_runbooks', args: { query: 'database cpu connections' } }] },
      { tools: [{ name: 'propose_action', args: { kind: 'aws.ecs.scale', resource: 'checkout-api', params: { desiredCount: 6 }, reason: 'CPUUtilization above 80% while checkout-db is healthy' } }] },
      { answer: 'checkout-api (id={{id:checkout-api}}) is CPU-bound: CPUUtilization last 91.87% over 60 min, above its threshold 80. checkout-db CPU stays under 70% over 180 min, so the database is not the bottleneck [ecs-service-high-latency § Mitigation]. I proposed scaling to 6 tasks.' },
    ]);
    const local = await agentRuntime(model);
    try {
      const callsBefore = await counter('companion_llm_calls_total', { model: 'scripted' });
      const context = await slackContext(local, { thread: '1700000000.000100' });
      let callsAtEvidence = -1;
      const events: ProgressEvent[] = [];
      const reply = await local.companion.handle({ context, intent: { kind: 'ask', question: 'why is checkout-api slow?' } }, {
        onProgress: (event) => {
          if (event.kind === 'evidence') callsAtEvidence = model.callCount;
          events.push(event);
        },
      });

      // Evidence first, before any model call; the answer last.
      expect(events[0]?.kind).toBe('evidence');
      expect(callsAtEvidence).toBe(0);
      const evidence = events[0]?.kind === 'evidence' ? events[0].reply : undefined;
      expect(evidence?.parts.some((p) => p.kind === 'metrics')).toBe(true);
      expect(events.at(-1)).toEqual({ kind: 'answer', reply });
      expect(events.filter((e) => e.kind === 'tool_started').map((e) => e.kind === 'tool_started' && e.label)).toEqual([
        'Reading metrics of checkout-db (last 180 min)', 'Searching runbooks for "database cpu connections"', 'Proposing aws.ecs.scale on checkout-api (needs approval)',
      ]);
      expect(events.filter((e) => e.kind === 'tool_finished' && e.ok)).toHaveLength(3);

      // The model saw the tenant's accounts, the tools' rules and the evidence pack, fenced as data.
      expect(model.callCount).toBe(3);
      const first = seen(model.calls[0]?.messages ?? []);
      expect(first).toContain('aws 111111111111 (demo-prod)');
      expect(first).not.toMatch(/333333333333|globex/i);
      expect(first).toContain('<untrusted source="evidence">');
      expect(first).toContain(`id=${checkoutApi}`);
      expect(first).toContain('checkout-api CPUUtilization over 60 min: last 91.87%');
      expect(first).toMatch(/aws\.ecs\.scale \{"desiredCount":6\} on checkout-api/);
      const second = seen(model.calls[1]?.messages ?? []);
      expect(second).toContain('<untrusted source="tool:get_metrics">');
      expect(second).toContain('Metrics of checkout-db');
      expect(second).toContain('[rds-high-cpu § ');

      // The reply: the model's answer, the evidence, the runbooks it read, the pending approval, the accounting.
      expect(textOf(reply)).toContain(`checkout-api (id=${checkoutApi}) is CPU-bound`);
      expect(reply.parts[0]).toMatchObject({ kind: 'text' });
      const approvals = approvalsOf(reply);
      expect(approvals).toHaveLength(1);
      expect(approvals[0]).toMatchObject({ state: 'pending', action: { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, targetResourceId: checkoutApi } });
      const citations = reply.parts.flatMap((p) => (p.kind === 'citations' ? p.citations.map((c) => c.runbookId) : []));
      expect(citations).toEqual(expect.arrayContaining(['ecs-service-high-latency', 'rds-high-cpu']));
      expect(statusOf(reply).text).toMatch(/^Agent · scripted · 3 LLM calls · ~[\d,]+→[\d,]+ tokens · 3 tool calls · /);

      const audit = (await local.stores.audit.list('demo', { subjectId: context.requestId })).find((e) => e.type === 'agent.answered');
      expect(audit?.detail).toMatchObject({ model: 'scripted', outcome: 'answered', llmCalls: 3, toolCalls: 3, tokensEstimated: true });
      expect(Number(audit?.detail.tokensIn)).toBeGreaterThan(1000);
      expect(await counter('companion_llm_calls_total', { model: 'scripted' })).toBe(callsBefore + 3);
      expect(local.describe.model).toMatch(/^scripted: LangChain agent/);
    } finally {
      await local.close();
    }
  });

  it('answers a follow-up in the same thread from the earlier turn; other threads and tenants do not share it', async () => {
    const model = scriptedModel([
      { answer: 'checkout-api is CPU-bound (CPUUtilization 91.87% over 60 min); its database checkout-db looked healthy at 63.89% CPU.' },
      { tools: [{ name: 'get_metrics', args: { resource: 'checkout-db', windowMinutes: 360 } }] },
      { answer: 'Over 6 hours checkout-db stays below its CPU threshold, so it is not the cause.' },
      { answer: 'A different thread: nothing earlier to go on.' },
      { answer: 'Globex thread.' },
    ]);
    const local = await agentRuntime(model);
    try {
      const thread = await slackContext(local, { thread: '1700000000.000200' });
      await askWithProgress(local, thread, 'why is checkout-api slow?');
      const followUp = await askWithProgress(local, { ...thread, requestId: 'follow-up' }, 'and over the last 6 hours, is its database the cause?');
      const sent = model.calls[1]?.messages ?? [];
      // Earlier turns come before the new question, as user/assistant messages.
      expect(sent.map((m) => m.getType()).slice(0, 3)).toEqual(['system', 'human', 'ai']);
      expect(seen(sent)).toContain('why is checkout-api slow?');
      expect(seen(sent)).toContain('its database checkout-db looked healthy');
      expect(textOf(followUp.reply)).toContain('Over 6 hours checkout-db stays below');

      await askWithProgress(local, await slackContext(local, { thread: '1700000000.000300' }), 'and its database?');
      expect(seen(model.calls[3]?.messages ?? [])).not.toContain('its database checkout-db looked healthy');
      await askWithProgress(local, await slackContext(local, { org: 'globex', thread: '1700000000.000200' }), 'and its database?');
      const globex = seen(model.calls[4]?.messages ?? []);
      expect(globex).not.toContain('its database checkout-db looked healthy');
      expect(globex).not.toContain('111111111111');
    } finally {
      await local.close();
    }
  });

  it('hands a failing tool\'s error to the model, which answers with what it has', async () => {
    const broken: RunbookIndex = { ...runtime.stores.runbooks, search: () => Promise.reject(new Error('Weaviate at http://127.0.0.1:1 is not reachable')) };
    const model = scriptedModel([
      { tools: [{ name: 'search_runbooks', args: { query: 'ecs high latency' } }] },
      { answer: 'checkout-api is CPU-bound (CPUUtilization 91.87% over 60 min). I could not search the runbooks: the runbook store is unreachable.' },
    ]);
    const { reply, events } = await investigate(investigator(model), 'why is checkout-api slow?', { runbooks: broken });
    expect(seen(model.calls[1]?.messages ?? [])).toContain('search_runbooks failed: Weaviate at http://127.0.0.1:1 is not reachable');
    expect(events.find((e) => e.kind === 'tool_finished')).toMatchObject({ tool: 'search_runbooks', ok: false });
    expect(textOf(reply)).toContain('I could not search the runbooks');
    expect(statusOf(reply).degraded).toContain('Runbook search unavailable: Weaviate at http://127.0.0.1:1 is not reachable');
  });

  it('stops at the model-call bound: the last call has no tools and the reply says what was not finished', async () => {
    const model = scriptedModel([
      { tools: [{ name: 'get_dependencies', args: { resource: 'checkout-db' } }] },
      { tools: [{ name: 'get_metrics', args: { resource: 'orders-queue' } }] },
      { tools: [{ name: 'get_metrics', args: { resource: 'checkout-alb' } }], text: 'So far: checkout-api is CPU-bound (CPUUtilization 91.87% over 60 min) and orders-queue is backing up.' },
    ]);
    const { reply, started } = await investigate(investigator(model, { maxLlmCalls: 3 }), 'why is checkout-api slow?');
    expect(model.callCount).toBe(3);
    expect(started.map((e) => e.kind === 'tool_started' && e.tool)).toEqual(['get_dependencies', 'get_metrics']);
    expect(seen(model.calls[2]?.messages ?? [])).toContain(finalNote);
    expect(seen(model.calls[1]?.messages ?? [])).not.toContain(finalNote);
    expect(textOf(reply)).toContain('So far: checkout-api is CPU-bound');
    expect(statusOf(reply).degraded).toContain('Stopped at the limit of 3 model calls: the model wanted to look further, so the answer may be incomplete.');
  });

  it('stops a loop of identical tool calls: the call runs once and the model must answer', async () => {
    const call = { name: 'get_metrics', args: { resource: 'checkout-db', windowMinutes: 60 } };
    const model = scriptedModel([
      { tools: [call] }, { tools: [call] }, { tools: [{ ...call, args: { windowMinutes: 60, resource: 'checkout-db' } }] },
      { answer: 'checkout-db is within its thresholds (CPUUtilization 63.89% over 60 min).' },
    ]);
    const { reply, started } = await investigate(investigator(model, { maxLlmCalls: 8 }), 'why is checkout-api slow?');
    expect(started).toHaveLength(1);
    expect(model.callCount).toBe(4);
    expect(seen(model.calls[2]?.messages ?? [])).toContain('Not run again: get_metrics was already called with these arguments');
    expect(seen(model.calls[3]?.messages ?? [])).toContain(finalNote);
    expect(textOf(reply)).toContain('checkout-db is within its thresholds');
    expect(statusOf(reply).degraded).toContain('Stopped a loop of identical tool calls; the model answered with what it had.');
  });

  it('refuses tool calls past the tool-call bound and makes the next call the answer', async () => {
    const model = scriptedModel([
      { tools: [{ name: 'get_metrics', args: { resource: 'checkout-db' } }, { name: 'get_metrics', args: { resource: 'orders-queue' } }, { name: 'get_metrics', args: { resource: 'checkout-alb' } }] },
      { answer: 'checkout-db and orders-queue read; checkout-alb was not read.' },
    ]);
    const { reply, started } = await investigate(investigator(model, { maxToolCalls: 2 }), 'why is checkout-api slow?');
    expect(started).toHaveLength(2);
    expect(seen(model.calls[1]?.messages ?? [])).toContain('Not run: the limit of 2 tool calls for this request is reached.');
    expect(seen(model.calls[1]?.messages ?? [])).toContain(finalNote);
    expect(statusOf(reply).degraded[0]).toMatch(/^Stopped at the limit of 2 tool calls/);
  });

  it('gives each tool call its own timeout', async () => {
    const hanging: RunbookIndex = { ...runtime.stores.runbooks, search: (orgId, search) => (search.query === 'slow store' ? new Promise(() => undefined) : runtime.stores.runbooks.search(orgId, search)) };
    const model = scriptedModel([
      { tools: [{ name: 'search_runbooks', args: { query: 'slow store' } }] },
      { answer: 'The runbook search timed out; from the evidence, checkout-api is CPU-bound.' },
    ]);
    const { reply, events } = await investigate(investigator(model, { toolTimeoutMs: 200 }), 'why is checkout-api slow?', { runbooks: hanging });
    expect(seen(model.calls[1]?.messages ?? [])).toContain('search_runbooks did not answer within 0 s; its data is unavailable for now.');
    expect(events.find((e) => e.kind === 'tool_finished')).toMatchObject({ ok: false });
    expect(textOf(reply)).toContain('The runbook search timed out');
  });

  it('stops at the wall-clock bound with the evidence-based answer and what the agent had looked at', async () => {
    const model = new StallingModel([new AIMessage({ content: '', tool_calls: [{ name: 'get_metrics', args: { resource: 'orders-queue' }, id: 'c1', type: 'tool_call' }] })]);
    const { reply } = await investigate(investigator(model, { timeoutMs: 1500 }), 'why is checkout-api slow?');
    expect(model.calls).toBe(2);
    const status = statusOf(reply);
    expect(status.text).toMatch(/^Evidence-based answer · Agent · scripted · 2 LLM calls/);
    expect(status.degraded).toContain('Stopped at the time limit of 2 s before the model finished; this is the evidence-based answer with what the tools found.');
    expect(status.degraded).toContain('Before stopping, the agent looked at: Reading metrics of orders-queue.');
    // The deterministic answer stands: its findings and the runbook's proposal.
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(approvalsOf(reply).map((a) => a.action.kind)).toContain('aws.ecs.scale');
  });

  it('withholds tool output that holds another tenant\'s data, even when a store leaks it', async () => {
    const globexDb = (await runtime.stores.graph.findResources({ orgId: 'globex', accountIds: ['333333333333'] }, { text: 'checkout-db' }))[0];
    if (!globexDb) throw new Error('globex checkout-db missing');
    const leaky: ResourceGraph = {
      ...runtime.stores.graph,
      findResources: async (scope, query) => [...await runtime.stores.graph.findResources(scope, query), ...(query.text === 'leak' ? [globexDb] : [])],
    };
    const model = scriptedModel([
      { tools: [{ name: 'find_resources', args: { query: 'leak' } }] },
      { answer: 'Nothing found.' },
    ]);
    const before = await counter('companion_agent_scope_violations_total', {});
    const { reply } = await investigate(investigator(model), 'why is checkout-api slow?', { graph: leaky });
    const sent = seen(model.calls[1]?.messages ?? []);
    expect(sent).toContain('Output withheld: it held data outside this channel\'s accounts.');
    expect(sent).not.toContain('333333333333');
    expect(JSON.stringify(reply)).not.toContain('333333333333');
    expect(statusOf(reply).degraded).toContain('Withheld tool output outside this channel\'s accounts (find_resources).');
    expect(await counter('companion_agent_scope_violations_total', {})).toBe(before + 1);
  });
});

describe('the agent falls back to the evidence-based answer', () => {
  it('when the model server fails, and says why', async () => {
    const model = scriptedModel([]).alwaysThrow(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:11434'), { code: 'ECONNREFUSED' }) }));
    const agent = new AgentInvestigator({
      planner: new DeterministicPlanner('planner'), model, modelName: 'ollama qwen2.5:7b-instruct', modelUrl: 'http://127.0.0.1:11434',
      bounds: defaultAgentBounds, tenants: runtime.stores.tenants, audit: runtime.stores.audit, logger: silentLogger(),
    });
    const context = await slackContext(runtime);
    const { reply, events } = await investigate(agent, 'why is checkout-api slow?', {}, context);
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization 9\d(\.\d)?% \(> 80% for \d+ min\)/);
    expect(approvalsOf(reply).map((a) => a.action.kind)).toContain('aws.ecs.scale');
    const status = statusOf(reply);
    expect(status.text).toMatch(/^Evidence-based answer · Agent · ollama qwen2.5:7b-instruct · 1 LLM call/);
    expect(status.degraded).toContain('Ollama at http://127.0.0.1:11434 is unreachable (ECONNREFUSED); check OLLAMA_BASE_URL and that `ollama serve` is running. This is the evidence-based answer.');
    expect(events.map((e) => e.kind)).toEqual(['evidence', 'answer']);
    const audit = (await runtime.stores.audit.list('demo', { subjectId: context.requestId })).find((e) => e.type === 'agent.answered');
    expect(audit?.detail).toMatchObject({ outcome: 'fallback', llmCalls: 1 });
  });

  it('when no model is configured, and says so', async () => {
    const { reply } = await investigate(investigator(undefined), 'why is checkout-api slow?');
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(statusOf(reply)).toMatchObject({ text: 'Deterministic planner (no model configured)' });
    expect(statusOf(reply).degraded).toContain('No model is configured, so this is the evidence-based answer. Set OLLAMA_BASE_URL (and OLLAMA_MODEL) to turn on the agent.');
    // Without OLLAMA_BASE_URL the runtime runs the planner and its status line says why.
    expect(runtime.describe.model).toBe('none (deterministic planner; set OLLAMA_BASE_URL for the LLM agent)');
    const planner = await runtime.companion.handle({ context: await slackContext(runtime), intent: { kind: 'ask', question: 'why is checkout-api slow?' } });
    expect(statusOf(planner).text).toMatch(/^Deterministic planner \(no LLM configured: set OLLAMA_BASE_URL for the agent\)/);
  });

  it('answers commands without the model', async () => {
    const model = scriptedModel([]);
    const context = await slackContext(runtime);
    const tools = buildToolset(context, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
    const reply = await investigator(model).investigate({ request: { context, intent: { kind: 'deps', name: 'checkout-db' } }, tools, history: [] });
    expect(model.callCount).toBe(0);
    expect(reply.summary).toMatch(/^checkout-db depends on/);
  });
});

/** Answers its queued messages, then never answers again (a local model taking minutes). */
class StallingModel extends BaseChatModel {
  calls = 0;
  constructor(private readonly queue: AIMessage[]) {
    super({});
  }

  _llmType(): string {
    return 'stalling';
  }

  override bindTools(): this {
    return this;
  }

  async _generate(_messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    this.calls += 1;
    const next = this.queue.shift();
    if (next) return { generations: [{ text: '', message: next }] };
    return new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
  }
}
