/**
 * Slack ack benchmark: 200 `/cloud` slash commands sent at once, signed as Slack signs them, to the
 * real server (embedded stores, deterministic planner) whose Web API is a local fake. Measures
 * the time to each HTTP 200 (the ack Slack waits for, up to 3,000 ms) while the answers are
 * still being worked on in the background, then waits for every answer to reach its thread.
 * The client runs in its own process (bench/slack-ack-client.ts), as Slack's would, so the acks are
 * measured on the server's event loop alone. Investigations run at most MAX_CONCURRENT_INVESTIGATIONS
 * at once (default 8); the rest queue behind them without holding up any ack.
 *
 * Run alone with `node bin/run-ts.mjs bench/slack-ack.ts` (SLACK_ACK_COMMANDS=20 for a small run);
 * bench/index.ts calls runSlackAckBench().
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { startBot } from '../src/compose.ts';
import { silentLogger } from '../src/logging.ts';
import { FakeSlack } from '../test/support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../test/support/slack-requests.ts';
import { recordResults, verdict } from './results.ts';
import { fromPackageRoot } from '../src/package-root.ts';

const clientScript = fromPackageRoot('bench/slack-ack-client.ts');
const runTs = fromPackageRoot('bin/run-ts.mjs');

const slackAckLimitMs = 3000;
const signingSecret = 'bench-signing-secret-0123456789abcdef';

export interface SlackAckResult {
  commands: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failures: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export async function runSlackAckBench(commands = Number(process.env.SLACK_ACK_COMMANDS ?? 200)): Promise<SlackAckResult> {
  const slack = await new FakeSlack().start();
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl });
  const bot = await startBot(config, silentLogger());
  try {
    const events = `${bot.url}/slack/events`;
    const questions = ['why is checkout-api slow?', 'deps checkout-db', 'resource orders-queue', 'metrics checkout-api 30m', 'runbook sqs backlog'];
    const send = async (i: number): Promise<{ ms: number; ok: boolean }> => {
      const body = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: `C0BENCH${i % 10}`, text: questions[i % questions.length] ?? 'help', response_url: slack.responseUrl(`bench-${i}`) });
      const started = performance.now();
      const response = await postToSlackEndpoint(events, { secret: signingSecret, contentType: 'application/x-www-form-urlencoded', body });
      await response.arrayBuffer();
      return { ms: performance.now() - started, ok: response.status === 200 };
    };
    // Warm-up: one of each command, answered, so module loading and first-use caches are not measured.
    for (let i = 0; i < questions.length; i += 1) await send(i);
    while (bot.background.size > 0) await new Promise((r) => setTimeout(r, 20));
    slack.reset();
    const acks = await runClient(events, commands, slack.responseUrl('bench'));
    const sorted = [...acks.ms].sort((a, b) => a - b);
    const result: SlackAckResult = { commands, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN, failures: acks.failures };

    // The work after the ack: every command ends with its answer in a thread.
    const drained = performance.now();
    while (bot.background.size > 0) await new Promise((r) => setTimeout(r, 50));
    const answered = slack.callsOf('chat.update').length;

    console.log(`\nSlack ack latency · ${commands} concurrent signed /cloud commands from a separate client process against the running server (fake Web API, ${config.maxConcurrentInvestigations} investigations at once)\n`);
    console.log('| measure | value | Slack limit |');
    console.log('| --- | --- | --- |');
    console.log(`| ack p50 | ${result.p50Ms.toFixed(1)} ms | ${slackAckLimitMs} ms |`);
    console.log(`| ack p99 | ${result.p99Ms.toFixed(1)} ms | ${slackAckLimitMs} ms |`);
    console.log(`| ack max | ${result.maxMs.toFixed(1)} ms | ${slackAckLimitMs} ms |`);
    console.log(`| non-200 acks | ${result.failures} | 0 |`);
    console.log(`\nthen ${answered} answers placed in their threads, the last ${(performance.now() - drained).toFixed(0)} ms after the last ack.`);
    await recordResults('slack-ack', 25, [
      { figure: `Slack ack latency, p50 (${commands} concurrent /cloud commands)`, result: `${result.p50Ms.toFixed(0)} ms`, target: `≤ ${slackAckLimitMs} ms (Slack's limit)`, verdict: verdict(result.p50Ms <= slackAckLimitMs) },
      { figure: `Slack ack latency, p99 (${commands} concurrent /cloud commands)`, result: `${result.p99Ms.toFixed(0)} ms`, target: `≤ ${slackAckLimitMs} ms (Slack's limit)`, verdict: verdict(result.p99Ms <= slackAckLimitMs && result.failures === 0) },
      { figure: 'Slack commands answered in their threads', result: `${answered} of ${commands}`, target: `${commands} of ${commands}`, verdict: verdict(answered >= commands) },
    ]);
    return result;
  } finally {
    await bot.stop();
    await slack.stop();
  }
}

/** Runs the client in its own process and reads its one JSON line of results. */
async function runClient(url: string, count: number, responseUrl: string): Promise<{ ms: number[]; failures: number }> {
  const child = spawn(process.execPath, [runTs, clientScript], {
    env: { ...process.env, ACK_BENCH_URL: url, ACK_BENCH_SECRET: signingSecret, ACK_BENCH_COUNT: String(count), ACK_BENCH_RESPONSE_URL: responseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  const line = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line) throw new Error(`the bench client exited with ${code}: ${out}`);
  return JSON.parse(line) as { ms: number[]; failures: number };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runSlackAckBench();
