import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import { createRuntime } from '../../src/runtime.ts';
import { askWithProgress, slackContext, statusOf } from '../support/agent.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { closeServer, listenOnLoopback } from '../support/local-server.ts';

/**
 * Ollama failing in the middle of a request, through the real server and the real ChatOllama
 * client: the connection dropped halfway through the second answer, a server that accepts and
 * never answers, and one that answers garbage. The Slack thread always gets the evidence-based
 * answer, and its status line says what failed.
 */
const model = 'qwen2.5:7b-instruct';
type Behaviour = (req: IncomingMessage, res: ServerResponse, call: number) => void;

class FakeOllama {
  private server?: Server;
  calls = 0;
  url = '';

  constructor(private readonly behaviour: Behaviour) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url !== '/api/chat') {
          res.writeHead(404).end('{}');
          return;
        }
        this.calls += 1;
        this.behaviour(req, res, this.calls);
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

const line = (value: object): string => `${JSON.stringify(value)}\n`;
const created = '2026-11-21T10:00:00.000000Z';
const toolCall = line({ model, created_at: created, message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_metrics', arguments: { resource: 'checkout-api' } } }] }, done: false })
  + line({ model, created_at: created, message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true, prompt_eval_count: 900, eval_count: 20 });

describe('faults: Ollama fails mid-request', () => {
  const slack = new FakeSlack();
  let ollama: FakeOllama | undefined;
  let bot: RunningBot | undefined;

  afterEach(async () => {
    await bot?.stop(1000);
    await ollama?.stop();
    await slack.stop();
  });

  async function askInSlack(behaviour: Behaviour, env: Record<string, string> = {}): Promise<{ answer: SlackCall; status: string }> {
    await slack.start();
    slack.reset();
    ollama = await new FakeOllama(behaviour).start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, OLLAMA_BASE_URL: ollama.url, ...env });
    const response = await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: 'application/x-www-form-urlencoded', body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('r') }) });
    expect(response.status).toBe(200);
    const running = bot;
    await vi.waitFor(() => expect(running.background.size).toBe(0), { timeout: 20_000, interval: 50 });
    const parent = slack.callsOf('chat.postMessage')[0];
    const thread = slack.thread(parent?.ts ?? '');
    const answer = thread.at(-1) as SlackCall;
    const status = JSON.stringify(answer.args.blocks);
    return { answer, status };
  }

  it('the connection drops halfway through the second answer: the evidence-based answer, saying Ollama failed', async () => {
    const { answer, status } = await askInSlack((_req, res, call) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      if (call === 1) {
        res.end(toolCall);
        return;
      }
      res.write(line({ model, created_at: created, message: { role: 'assistant', content: 'checkout-api is slow because' }, done: false }));
      res.write('{"model":"qwen2.5:7b-instruct","created_at":"2026-11-21T1');
      res.socket?.destroy();
    });
    expect(ollama?.calls).toBeGreaterThanOrEqual(2);
    expect(String(answer.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(status).toMatch(/Ollama at http:\/\/127\.0\.0\.1:\d+/);
    expect(status).toContain('evidence-based answer');
    // The approval the evidence supports is still offered, for a person to decide.
    expect(status).toContain('aws.ecs.scale');
  });

  it('Ollama accepts the request and never answers: the run stops at its time bound with the evidence-based answer', async () => {
    const { answer, status } = await askInSlack(() => {
      // Hold the connection open: headers never sent.
    }, { AGENT_TIMEOUT_SECONDS: '5' });
    expect(String(answer.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(status).toMatch(/time|timed out|within/i);
    expect(status).toContain('evidence-based answer');
  });

  it('Ollama answers something that is not its wire format: the evidence-based answer, saying so', async () => {
    const { answer, status } = await askInSlack((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway (nginx)</body></html>');
    });
    expect(String(answer.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    expect(status).toContain('evidence-based answer');
  });
});

describe('faults: the cloud API throttles or stalls mid-request', () => {
  const cloudWatch = 'https://monitoring.us-east-1.amazonaws.com';
  const json = { 'content-type': 'application/x-amz-json-1.0' };

  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  /** Live CloudWatch only (no recordings), static keys, fast retries; CloudWatch answered by nock in its JSON protocol. */
  async function askMetrics(env: Record<string, string> = {}) {
    nock.disableNetConnect();
    const runtime = await createRuntime(loadConfig({ LOG_LEVEL: 'silent', METRICS_SOURCES: 'aws', METRICS_CACHE_SECONDS: '0', ...env }), silentLogger(), {
      metrics: { aws: { base: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }) } },
    });
    try {
      const { reply } = await askWithProgress(runtime, await slackContext(runtime), 'why is checkout-api slow?');
      return reply;
    } finally {
      await runtime.close();
    }
  }

  it('CloudWatch answers 429 ThrottlingException on every retry: the answer comes without metrics and says they were throttled', async () => {
    const scope = nock(cloudWatch).post('/').times(20).reply(429, { __type: 'ThrottlingException', message: 'Rate exceeded' }, json);
    const reply = await askMetrics();
    expect(scope.isDone()).toBe(false);
    expect(reply.summary).toMatch(/checkout-api/);
    expect(statusOf(reply).degraded.join('\n')).toMatch(/throttl/i);
  });

  it('CloudWatch stalls past the metrics deadline: the answer comes in time without metrics and says they timed out', async () => {
    nock(cloudWatch).post('/').times(20).delay(5_000).reply(200, { MetricDataResults: [] }, json);
    const reply = await askMetrics({ METRICS_TIMEOUT_SECONDS: '1' });
    expect(reply.summary).toMatch(/checkout-api/);
    expect(statusOf(reply).degraded.join('\n')).toMatch(/time|deadline|did not answer/i);
  });
});
