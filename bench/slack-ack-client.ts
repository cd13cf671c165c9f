/**
 * The client half of the Slack ack benchmark, in its own process so its timers and sockets do not
 * share the server's event loop: sends COUNT signed `/cloud` commands at once to URL and prints one
 * JSON line with each ack's latency. Started by bench/slack-ack.ts.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { postToSlackEndpoint, slashCommandBody } from '../test/support/slack-requests.ts';

const Env = z.object({
  ACK_BENCH_URL: z.url(),
  ACK_BENCH_SECRET: z.string().min(1),
  ACK_BENCH_COUNT: z.coerce.number().int().min(1).max(10_000),
  ACK_BENCH_RESPONSE_URL: z.url(),
});
const env = Env.parse(process.env);
const questions = ['why is checkout-api slow?', 'deps checkout-db', 'resource orders-queue', 'metrics checkout-api 30m', 'runbook sqs backlog'];

async function send(i: number): Promise<{ ms: number; ok: boolean }> {
  const body = slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: `C0BENCH${i % 10}`, text: questions[i % questions.length] ?? 'help', response_url: `${env.ACK_BENCH_RESPONSE_URL}-${i}` });
  const started = performance.now();
  const response = await postToSlackEndpoint(env.ACK_BENCH_URL, { secret: env.ACK_BENCH_SECRET, contentType: 'application/x-www-form-urlencoded', body });
  await response.arrayBuffer();
  return { ms: performance.now() - started, ok: response.status === 200 };
}

const acks = await Promise.all(Array.from({ length: env.ACK_BENCH_COUNT }, (_, i) => send(i)));
process.stdout.write(`${JSON.stringify({ ms: acks.map((a) => a.ms), failures: acks.filter((a) => !a.ok).length })}\n`);
