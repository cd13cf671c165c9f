import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

const bin = fileURLToPath(new URL('../../bin/cloud-companion.mjs', import.meta.url));
const model = 'qwen2.5:7b-instruct';
const form = 'application/x-www-form-urlencoded';

/**
 * A stand-in for Ollama whose /api/chat holds each request until the test releases it, then answers
 * in Ollama's NDJSON stream format: the slow dependency that keeps an investigation in flight.
 */
class SlowOllama {
  readonly held: ServerResponse[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.url === '/api/tags') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ models: [{ name: model }] }));
        return;
      }
      if (req.url === '/api/chat') {
        this.held.push(res);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  release(text: string): void {
    const at = '2026-11-21T10:00:00.000000Z';
    for (const res of this.held.splice(0)) {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end([
        { model, created_at: at, message: { role: 'assistant', content: text }, done: false },
        { model, created_at: at, message: { role: 'assistant', content: '' }, done_reason: 'stop', done: true, prompt_eval_count: 900, eval_count: 40 },
      ].map((l) => JSON.stringify(l)).join('\n') + '\n');
    }
  }

  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('SIGTERM during an investigation (the bot as a child process)', () => {
  const slack = new FakeSlack();
  const teams = new FakeTeamsConnector();
  const ollama = new SlowOllama();
  let child: ChildProcess | undefined;
  let url = '';
  let stdout = '';

  async function startChild(deadlineSeconds: number): Promise<void> {
    child = spawn(process.execPath, [bin, 'start'], {
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info',
        SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
        OLLAMA_BASE_URL: ollama.url, SHUTDOWN_DEADLINE_SECONDS: String(deadlineSeconds),
        // Teams without an app id: unauthenticated, local use (the connector is the fake).
        TEAMS_ENABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await vi.waitFor(() => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*Cloud Companion is listening/.exec(stdout);
      if (!match?.[1]) throw new Error(`not listening yet:\n${stdout}`);
      url = match[1];
    }, { timeout: 30_000, interval: 100 });
  }

  async function ask(id: string): Promise<Response> {
    return postToSlackEndpoint(`${url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl(id) }),
    });
  }

  async function exitCode(): Promise<number | null> {
    const [code] = (child?.exitCode !== null && child?.exitCode !== undefined ? [child.exitCode] : await once(child as ChildProcess, 'exit')) as [number | null];
    return code;
  }

  beforeEach(async () => {
    stdout = '';
    await slack.start();
    await teams.start();
    await ollama.start();
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await ollama.stop();
    await teams.stop();
    await slack.stop();
  });

  it('finishes the investigation in flight, refuses new work while draining, and exits 0', async () => {
    await startChild(30);
    expect((await ask('first')).status).toBe(200);
    await vi.waitFor(() => expect(ollama.held.length).toBe(1), { timeout: 20_000, interval: 50 });

    child?.kill('SIGTERM');
    await vi.waitFor(async () => {
      const refused = await ask('second');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
    }, { timeout: 10_000, interval: 100 });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);

    ollama.release('checkout-api is CPU-bound; scale it out.');
    expect(await exitCode()).toBe(0);
    // The answer lands in the question's thread (posted, or replacing the thread's placeholder).
    const answer = slack.calls.find((c) => JSON.stringify(c.args).includes('CPU-bound'));
    expect(answer, stdout).toBeDefined();
    expect(slack.responses.map((r) => JSON.stringify(r.body)).join('')).not.toContain('interrupted');
  }, 60_000);

  it('tells the thread the investigation was interrupted when the deadline passes, and still exits 0', async () => {
    await startChild(1);
    expect((await ask('slow')).status).toBe(200);
    await vi.waitFor(() => expect(ollama.held.length).toBe(1), { timeout: 20_000, interval: 50 });

    child?.kill('SIGTERM');
    expect(await exitCode()).toBe(0);
    const notes = slack.responses.filter((r) => r.path.includes('slow')).map((r) => String(r.body.text));
    expect(notes.some((t) => t.includes('interrupted because the bot is restarting') && t.includes('ask again'))).toBe(true);
  }, 60_000);

  it('tells a Teams thread the same when its investigation is cut off', async () => {
    await startChild(1);
    const mention = teamsActivity('channel-mention', teams.serviceUrl('00000000-0000-0000-0000-000000000001'), (a) => { a.id = 'interrupted-1'; });
    expect((await postActivity(url, mention)).status).toBe(200);
    await vi.waitFor(() => expect(ollama.held.length).toBe(1), { timeout: 20_000, interval: 50 });

    child?.kill('SIGTERM');
    expect(await exitCode()).toBe(0);
    const notes = teams.calls.map((c) => String(c.activity.text ?? ''));
    expect(notes.some((t) => t.includes('interrupted because the bot is restarting') && t.includes('ask again')), JSON.stringify(teams.calls.map((c) => [c.kind, c.activity.text]))).toBe(true);
  }, 60_000);
});
