import { randomUUID } from 'node:crypto';
import { HumanMessage } from '@langchain/core/messages';
import { createAgent } from 'langchain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ToolRecord, agentTools } from '../../src/agent/llm/agent-tools.ts';
import { boundsMiddleware, defaultAgentBounds, messageText, RunBudget } from '../../src/agent/llm/bounds.ts';
import { ollamaChatModel } from '../../src/agent/llm/model.ts';
import { chooseCause } from '../../src/agent/llm/structured.ts';
import { textToolCallsMiddleware } from '../../src/agent/llm/text-tool-middleware.ts';
import type { Diagnosis } from '../../src/diagnosis/types.ts';
import { createOllamaEmbedder } from '../../src/runbooks/embedder.ts';
import { parseRunbook } from '../../src/runbooks/parse.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { WeaviateRunbookIndex } from '../../src/stores/weaviate/runbooks.ts';
import { buildToolset } from '../../tools/index.ts';
import { agentRuntime, slackContext } from '../support/agent.ts';
import { createTestWeaviateRunbookIndex } from '../support/weaviate.ts';

/**
 * The real local model in the loop: the provisioned Ollama (test/setup/ollama.ts) with the small
 * Qwen2.5-Coder chat model and all-MiniLM embeddings. Prompts are kept short so each test stays within
 * a few minutes on two CPU cores; the scripted evals cover the agent's behaviour in depth.
 */
const ollama = inject('ollama');
const callTimeoutMs = 240_000;

describe('a real model through ChatOllama', () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await agentRuntime(undefined);
  });
  afterAll(async () => {
    await runtime.close();
  });

  it('calls a tenant-bound tool through Ollama and answers from its result', async () => {
    const context = await slackContext(runtime);
    const toolset = buildToolset(context, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
    const bounds = { ...defaultAgentBounds, maxLlmCalls: 3, maxToolCalls: 2, timeoutMs: callTimeoutMs * 2 };
    const metricsTool = agentTools(toolset, { context, bounds, record: new ToolRecord() }).filter((t) => t.name === 'get_metrics');
    const budget = new RunBudget(bounds);
    const called: string[] = [];
    const agent = createAgent({
      model: ollamaChatModel({ baseUrl: ollama.OLLAMA_BASE_URL, model: ollama.OLLAMA_MODEL, numCtx: 4096, numPredict: 160 }),
      tools: metricsTool,
      systemPrompt: 'You are an SRE assistant. Use the get_metrics tool to read metrics, then answer in one short sentence.',
      middleware: [boundsMiddleware(budget, { onToolStart: (call) => called.push(`${call.name} ${JSON.stringify(call.args)}`) }), textToolCallsMiddleware()],
    });
    const result = await agent.invoke({ messages: [new HumanMessage('What is the CPUUtilization of checkout-db? Call get_metrics with resource "checkout-db" and windowMinutes 60.')] }, { signal: AbortSignal.timeout(callTimeoutMs * 2) });
    expect(called.length, `no tool call reached the agent; the model said: ${messageText(result.messages.at(-1) ?? new HumanMessage(''))}`).toBeGreaterThan(0);
    expect(called[0]).toMatch(/^get_metrics .*checkout-db/);
    const answer = messageText(result.messages.at(-1) ?? new HumanMessage('')).trim();
    expect(answer.length).toBeGreaterThan(0);
    expect(answer).not.toMatch(/"name"\s*:\s*"get_metrics"/);
    expect(budget.llmCalls).toBeGreaterThanOrEqual(2);
  }, callTimeoutMs * 2 + 10_000);

  it('chooses among the diagnosis\'s hypotheses with Ollama\'s structured output', async () => {
    const diagnosis: Diagnosis = {
      symptoms: ['latency'], verdict: 'cause', ruledOut: [{ resourceId: 'db', resourceName: 'checkout-db', reason: 'CPUUtilization 41%, below 80' }], notChecked: [], rules: [],
      hypotheses: [
        { resourceId: 'api', resourceName: 'checkout-api', resourceType: 'aws.ecs.service', metric: 'CPUUtilization', symptom: 'saturation', role: 'subject', score: 0.82, chain: ['checkout-alb TargetResponseTime 2.4 s', 'checkout-api CPUUtilization 93%'], evidence: [], reasons: ['above 80 for 12 min'] },
        { resourceId: 'q', resourceName: 'orders-queue', resourceType: 'aws.sqs.queue', metric: 'ApproximateNumberOfMessagesVisible', symptom: 'backlog', role: 'dependency', score: 0.2, chain: ['orders-queue backlog 130'], evidence: [], reasons: ['within its usual range'] },
      ],
    };
    const model = ollamaChatModel({ baseUrl: ollama.OLLAMA_BASE_URL, model: ollama.OLLAMA_MODEL, numCtx: 4096, numPredict: 200 });
    const outcome = await chooseCause(model, { question: 'why is checkout slow?', diagnosis, evidenceText: 'checkout-api CPUUtilization 93% (threshold 80); checkout-db CPUUtilization 41%', signal: AbortSignal.timeout(callTimeoutMs) });
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: true });
    if (outcome.ok) expect(outcome.choice.explanation.length).toBeGreaterThan(0);
  }, callTimeoutMs + 10_000);
});

describe('real embeddings in hybrid runbook search', () => {
  let index: WeaviateRunbookIndex;
  const orgId = `org-embed-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    const embedder = createOllamaEmbedder({ baseUrl: ollama.OLLAMA_BASE_URL, model: ollama.OLLAMA_EMBED_MODEL });
    index = await createTestWeaviateRunbookIndex({ embedder, collection: `RealEmbed${randomUUID().replace(/-/g, '').slice(0, 8)}` });
  });
  afterAll(async () => {
    await index.close();
  });

  it('round-trips all-MiniLM vectors through Weaviate and finds a runbook by meaning', async () => {
    const runbook = (id: string, title: string, body: string) => parseRunbook(`---\nid: ${id}\ntitle: ${title}\nresourceTypes: [aws.ecs.service]\nservices: [ecs]\ntags: []\nseverity: medium\n---\n\n# ${title}\n\n## Diagnosis\n\n${body}\n`, `${id}.md`);
    await index.upsert(orgId, [
      runbook('container-oom', 'Containers killed for exceeding their memory limit', 'Tasks stop with exit code 137 (OutOfMemoryError). Raise the task memory or fix the leak.'),
      runbook('tls-expiry', 'Certificate about to expire', 'Renew the certificate in ACM before the listener serves an expired one.'),
      runbook('dns-failure', 'Name resolution failing', 'Route 53 health checks fail and lookups return SERVFAIL.'),
    ]);
    const hits = await index.search(orgId, { query: 'pods keep getting restarted because they run out of RAM', limit: 3 });
    expect(hits[0]?.chunk.runbookId).toBe('container-oom');
  }, 120_000);
});
