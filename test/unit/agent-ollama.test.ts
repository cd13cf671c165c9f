import { createServer, type AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { agentRuntime, approvalsOf, askWithProgress, slackContext, statusOf, textOf } from '../support/agent.ts';

/**
 * The production path: ChatOllama from @langchain/ollama against Ollama's real /api/chat wire format
 * (NDJSON stream, tool_calls with object arguments, a done line with eval counts), served by nock.
 */
const ollama = 'http://127.0.0.1:11999';
const model = 'qwen2.5:7b-instruct';
const checkoutDb = 'arn:aws:rds:us-east-1:111111111111:db:checkout-db';

interface ChatRequest {
  model: string;
  stream: boolean;
  keep_alive?: string;
  options?: Record<string, unknown>;
  tools?: { type: string; function: { name: string; parameters: { properties: Record<string, unknown> } } }[];
  messages: { role: string; content: string; tool_calls?: { function: { name: string; arguments: unknown } }[] }[];
}

function ndjson(lines: readonly object[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

const created = '2026-11-21T10:00:00.000000Z';
function toolCallChunk(calls: readonly { name: string; arguments: unknown }[]): object {
  return { model, created_at: created, message: { role: 'assistant', content: '', tool_calls: calls.map((c) => ({ function: c })) }, done: false };
}
function textChunk(content: string): object {
  return { model, created_at: created, message: { role: 'assistant', content }, done: false };
}
function doneLine(promptEval: number, evalCount: number): object {
  return { model, created_at: created, message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true, total_duration: 4_182_242_375, load_duration: 41_295_167, prompt_eval_count: promptEval, prompt_eval_duration: 2_457_316_600, eval_count: evalCount, eval_duration: 1_159_590_840 };
}

/** Queues one /api/chat answer and records the request body. */
function chat(bodies: ChatRequest[], lines: readonly object[]): void {
  nock(ollama).post('/api/chat', (body: ChatRequest) => {
    bodies.push(body);
    return true;
  }).reply(200, ndjson(lines), { 'Content-Type': 'application/x-ndjson' });
}

let runtime: Runtime;
beforeAll(async () => {
  nock.disableNetConnect();
  runtime = await agentRuntime(undefined, { OLLAMA_BASE_URL: ollama });
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(async () => {
  await runtime.close();
  nock.enableNetConnect();
});

describe('the agent on ChatOllama, against Ollama\'s /api/chat wire format', () => {
  it('calls a tool from a tool_calls chunk, sends the result back as a tool message, and counts the tokens Ollama reports', async () => {
    const bodies: ChatRequest[] = [];
    chat(bodies, [toolCallChunk([{ name: 'get_metrics', arguments: { resource: 'checkout-db', windowMinutes: 120 } }]), doneLine(1812, 24)]);
    chat(bodies, [textChunk('checkout-api is CPU-bound: CPUUtilization 91.87% over 60 min. '), textChunk(`checkout-db (id=${checkoutDb}) stays under its CPU threshold over 120 min, `), textChunk('so scaling checkout-api out is safe [ecs-service-high-latency § Mitigation].'), doneLine(2233, 61)]);

    const { reply, events } = await askWithProgress(runtime, await slackContext(runtime), 'why is checkout-api slow?');
    expect(nock.isDone()).toBe(true);

    const [first, second] = bodies;
    expect(first).toMatchObject({ model, stream: true, keep_alive: '15m', options: { temperature: 0, num_ctx: 8192 } });
    expect(first?.tools?.map((t) => t.function.name)).toEqual(['find_resources', 'get_dependencies', 'search_runbooks', 'get_runbook', 'get_metrics', 'get_recent_changes', 'search_logs', 'propose_action', 'list_pending_approvals']);
    // The model is never offered an organization or account parameter.
    for (const tool of first?.tools ?? []) expect(Object.keys(tool.function.parameters.properties).filter((k) => /org|account|tenant/i.test(k))).toEqual([]);
    expect(first?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(first?.messages[1]?.content).toContain('<untrusted source="evidence">');

    // The tool round trip: the assistant's call (arguments an object) and the tool's answer, fenced.
    expect(second?.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(second?.messages[2]?.tool_calls?.[0]?.function).toEqual({ name: 'get_metrics', arguments: { resource: 'checkout-db', windowMinutes: 120 } });
    expect(second?.messages[3]?.content).toMatch(/^<untrusted source="tool:get_metrics">\n[\s\S]*checkout-db[\s\S]*<\/untrusted>$/);

    expect(textOf(reply)).toContain(`checkout-db (id=${checkoutDb}) stays under its CPU threshold over 120 min`);
    expect(statusOf(reply).text).toMatch(new RegExp(`^Agent · ollama ${model.replace('.', '\\.')} · 2 LLM calls · 4,045→85 tokens · 1 tool call · `));
    expect(events.filter((e) => e.kind === 'tool_started')).toHaveLength(1);
  });

  it('recovers from malformed tool arguments: a string that is not JSON, then arguments of the wrong type', async () => {
    const bodies: ChatRequest[] = [];
    // Small models emit arguments as a broken string; the client drops such a call, leaving an empty turn.
    chat(bodies, [toolCallChunk([{ name: 'get_metrics', arguments: '{resource: checkout-db, windowMinutes: sixty' }]), doneLine(1800, 20)]);
    // Asked again, it sends an object, but with the wrong types.
    chat(bodies, [toolCallChunk([{ name: 'get_metrics', arguments: { resource: 42, windowMinutes: 'sixty' } }]), doneLine(1900, 20)]);
    chat(bodies, [textChunk('checkout-api is CPU-bound (CPUUtilization 91.87% over 60 min); I could not read more metrics.'), doneLine(2000, 25)]);

    const { reply, events } = await askWithProgress(runtime, await slackContext(runtime), 'why is checkout-api slow?');
    expect(nock.isDone()).toBe(true);
    expect(bodies).toHaveLength(3);
    expect(bodies[1]?.messages.at(-1)).toMatchObject({ role: 'user', content: expect.stringContaining('Your last reply had no text and no valid tool call. Tool arguments must be a JSON object') });
    const toolAnswer = bodies[2]?.messages.find((m) => m.role === 'tool');
    expect(toolAnswer?.content).toContain('get_metrics failed:');
    expect(toolAnswer?.content).toMatch(/expected string, received number|Invalid input/i);
    expect(events.find((e) => e.kind === 'tool_finished')).toMatchObject({ tool: 'get_metrics', ok: false });
    expect(textOf(reply)).toContain('I could not read more metrics.');
    expect(statusOf(reply).text).toMatch(/· 3 LLM calls · /);
  });

  it('falls back to the evidence-based answer when Ollama errors (500), and says why', async () => {
    nock(ollama).post('/api/chat').reply(500, { error: 'model runner has unexpectedly stopped, this may be due to resource limitations' });
    const { reply } = await askWithProgress(runtime, await slackContext(runtime), 'why is checkout-api slow?');
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization 9\d(\.\d)?% \(> 80% for \d+ min\)/);
    expect(approvalsOf(reply).map((a) => a.action.kind)).toContain('aws.ecs.scale');
    expect(statusOf(reply).degraded).toContain(`Ollama at ${ollama} answered 500: model runner has unexpectedly stopped, this may be due to resource limitations This is the evidence-based answer.`);
  });

  it('says which model to pull when Ollama does not have it (404)', async () => {
    nock(ollama).post('/api/chat').reply(404, { error: `model "${model}" not found, try pulling it first` });
    const { reply } = await askWithProgress(runtime, await slackContext(runtime), 'why is checkout-api slow?');
    expect(statusOf(reply).degraded).toContain(`Ollama at ${ollama} does not have the model "${model}": run \`ollama pull ${model}\` there, or set OLLAMA_MODEL to a model it has. This is the evidence-based answer.`);
  });

  it('falls back when nothing listens at OLLAMA_BASE_URL (connection refused)', async () => {
    const port = await closedPort();
    nock.enableNetConnect(`127.0.0.1:${port}`);
    const offline = await agentRuntime(undefined, { OLLAMA_BASE_URL: `http://127.0.0.1:${port}` });
    try {
      const { reply, events } = await askWithProgress(offline, await slackContext(offline), 'why is checkout-api slow?');
      expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization/);
      expect(statusOf(reply).degraded.find((d) => d.includes('unreachable'))).toBe(`Ollama at http://127.0.0.1:${port} is unreachable (ECONNREFUSED); check OLLAMA_BASE_URL and that \`ollama serve\` is running. This is the evidence-based answer.`);
      expect(events.map((e) => e.kind)).toEqual(['evidence', 'answer']);
    } finally {
      await offline.close();
      nock.disableNetConnect();
    }
  });
});

/** A loopback port that was just free: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
