/**
 * Slack ack benchmark: 200 `/cloud` slash commands sent at once, signed as Slack signs them, to the
 * real server (embedded stores, deterministic planner) whose Web API is a local fake. Measures
 * the time to each HTTP 200 (the ack Slack waits for, up to 3,000 ms) while the answers are
 * still being worked on in the background, then waits for every answer to reach its thread.
 * The client shares the server's process and event loop, so its numbers are an upper bound.
 *
 * Run alone with `node bin/run-ts.mjs bench/slack-ack.ts`; bench/index.ts calls runSlackAckBench().
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { startBot } from '../src/compose.ts';
import { silentLogger } from '../src/logging.ts';
import { FakeSlack } from '../test/support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../test/support/slack-requests.ts';

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

export async function runSlackAckBench(commands = 200): Promise<SlackAckResult> {
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
    const acks = await Promise.all(Array.from({ length: commands }, (_, i) => send(i)));
    const sorted = acks.map((a) => a.ms).sort((a, b) => a - b);
    const result: SlackAckResult = { commands, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN, failures: acks.filter((a) => !a.ok).length };

    // The work after the ack: every command ends with its answer in a thread.
    const drained = performance.now();
    while (bot.background.size > 0) await new Promise((r) => setTimeout(r, 50));
    const answered = slack.callsOf('chat.update').length;

    console.log(`\nSlack ack latency · ${commands} concurrent signed /cloud commands against the running server (fake Web API)\n`);
    console.log('| measure | value | Slack limit |');
    console.log('| --- | --- | --- |');
    console.log(`| ack p50 | ${result.p50Ms.toFixed(1)} ms | ${slackAckLimitMs} ms |`);
    console.log(`| ack p99 | ${result.p99Ms.toFixed(1)} ms | ${slackAckLimitMs} ms |`);
    console.log(`| ack max | ${result.maxMs.toFixed(1)} ms | ${slackAckLimitMs} ms |`);
    console.log(`| non-200 acks | ${result.failures} | 0 |`);
    console.log(`\nthen ${answered} answers placed in their threads, the last ${(performance.now() - drained).toFixed(0)} ms after the last ack.`);
    return result;
  } finally {
    await bot.stop();
    await slack.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runSlackAckBench();
