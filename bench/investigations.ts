/**
 * Alert-to-answer benchmark: a burst of Alertmanager alerts (one per fingerprint) posted to the
 * running server (embedded stores, fake Slack Web API) whose agent runs on a scripted tool-calling
 * model (no LLM runs here), as a real alert channel would see them. Measures, per alert, the time
 * from the webhook POST to the first message in the alert's thread and to its final answer; the
 * tools' latencies inside those investigations; and the heap each concurrent investigation needs.
 *
 * Run alone with `node bin/run-ts.mjs bench/investigations.ts` (BENCH_INVESTIGATIONS=50 by default).
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { loadConfig } from '../src/config.ts';
import { startBot } from '../src/compose.ts';
import { silentLogger } from '../src/logging.ts';
import { metricsRegistry } from '../src/observability/metrics.ts';
import { FakeSlack, type SlackCall } from '../test/support/fake-slack.ts';
import { megabytes, ms, markdownTable, summarize } from './report.ts';
import { recordResults, verdict } from './results.ts';

const alertsToken = 'demo-alerts-token';
/** What a team expects: the first word in the thread within seconds, the answer within a minute. */
const targets = { firstMessageP95Ms: 5_000, answerP95Ms: 60_000 };

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/**
 * A tool-calling model that answers any investigation the same way, whatever order the concurrent
 * investigations call it in: look the alert's service up and read its metrics, then answer.
 */
function statelessModel(calls: number) {
  const model = fakeModel();
  let id = 0;
  const step = (messages: readonly BaseMessage[]): AIMessage => {
    const usedTools = messages.some((m) => m.getType() === 'tool');
    if (usedTools) return new AIMessage('checkout-api is CPU-bound: CPUUtilization is past its threshold. Scaling out is proposed above.');
    return new AIMessage({
      content: '',
      tool_calls: [
        { name: 'find_resources', args: { query: 'checkout-api' }, id: `call_${(id += 1)}`, type: 'tool_call' },
        { name: 'get_metrics', args: { resource: 'checkout-api', windowMinutes: 60 }, id: `call_${(id += 1)}`, type: 'tool_call' },
        { name: 'search_runbooks', args: { query: 'ecs service high cpu' }, id: `call_${(id += 1)}`, type: 'tool_call' },
      ],
    });
  };
  for (let i = 0; i < calls; i += 1) model.respond((messages) => step(messages));
  return model;
}

function alertmanagerPayload(index: number, run: string): string {
  return JSON.stringify({
    version: '4', receiver: 'cloud-companion', status: 'firing', groupKey: `{}:{alertname="CheckoutCpuHigh${index}"}`, truncatedAlerts: 0,
    groupLabels: { alertname: `CheckoutCpuHigh${index}` }, commonLabels: { env: 'prod' }, commonAnnotations: {}, externalURL: 'http://alertmanager.demo.internal:9093',
    alerts: [{
      status: 'firing', labels: { alertname: `CheckoutCpuHigh${index}`, service: 'checkout-api', severity: 'critical', env: 'prod' },
      annotations: { summary: `CheckoutCpuHigh${index}: checkout-api CPU above 80%`, description: 'CPUUtilization of checkout-api has been 96% for 10 minutes.' },
      startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.demo.internal:9090/graph', fingerprint: `${run}${index.toString(16).padStart(8, '0')}`,
    }],
  });
}

export async function runInvestigationsBench(count = Number(process.env.BENCH_INVESTIGATIONS ?? 50)): Promise<void> {
  const slack = await new FakeSlack().start();
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789abcdef', SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slack.apiUrl, ALERT_STORM_LIMIT: String(count + 10),
  });
  const bot = await startBot(config, silentLogger(), { chatModel: { model: statelessModel(4 * (count + 2)), name: 'scripted' } });
  const settle = async (): Promise<void> => {
    while (bot.background.size > 0) await new Promise((r) => setTimeout(r, 10));
  };
  const post = (index: number, run: string): Promise<Response> => fetch(`${bot.url}/alerts/alertmanager`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alertsToken}` }, body: alertmanagerPayload(index, run),
  });
  try {
    // Warm-up: one alert end to end, so module loading and first-use caches are not measured.
    await (await post(0, 'warm')).arrayBuffer();
    await settle();
    slack.reset();
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 5);
    const tools0 = await toolTotals();

    const sent = new Map<string, number>();
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      sent.set(`CheckoutCpuHigh${i}`, performance.now());
      const response = await post(i, 'burst');
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`alert ${i}: HTTP ${response.status}`);
    }));
    await settle();
    clearInterval(sampler);
    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    const tools = diffTools(await toolTotals(), tools0);

    // Each alert's parent message in the alert channel, then the replies in its thread.
    const first: number[] = [];
    const final: number[] = [];
    const parents = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    for (const parent of parents) {
      const name = /CheckoutCpuHigh\d+/.exec(String(parent.args.text))?.[0];
      const start = name ? sent.get(name) : undefined;
      if (start === undefined) continue;
      const thread: SlackCall[] = slack.calls.filter((c) => c.args.thread_ts === parent.ts || (c.method === 'chat.update' && threadTsOf(slack, c) === parent.ts));
      if (thread.length === 0) continue;
      first.push(Math.min(...thread.map((c) => c.at)) - start);
      final.push(Math.max(...thread.map((c) => c.at)) - start);
    }
    const firstLatency = summarize(first);
    const finalLatency = summarize(final);
    const perInvestigation = (heapPeak - heapBefore) / count;

    const rows: [string, string, string, string][] = [
      [`Alert → first message in its thread, p50 / p95 (${count} alerts at once)`, `${ms(firstLatency.p50)} / ${ms(firstLatency.p95)}`, `p95 ≤ ${ms(targets.firstMessageP95Ms)}`, verdict(firstLatency.p95 <= targets.firstMessageP95Ms)],
      [`Alert → final answer in its thread, p50 / p95 (scripted model)`, `${ms(finalLatency.p50)} / ${ms(finalLatency.p95)}`, `p95 ≤ ${ms(targets.answerP95Ms)}`, verdict(finalLatency.p95 <= targets.answerP95Ms)],
      ['Heap per concurrent investigation (peak − baseline) ÷ alerts', `${Math.round(perInvestigation / 1024).toLocaleString('en-US')} KiB`, '—', '—'],
      ['Heap after the burst, garbage collected, vs before', `${megabytes(heapAfter)} vs ${megabytes(heapBefore)}`, '—', '—'],
      ...[...tools].map(([tool, t]): [string, string, string, string] => [`Tool ${tool}: mean latency (${t.count} calls)`, ms((t.sum / Math.max(1, t.count)) * 1000), '—', '—']),
    ];
    console.log(`\nAlert investigations · ${count} Alertmanager alerts posted at once; ${final.length} answered in their threads\n`);
    console.log(markdownTable(['Figure', 'Measured', 'Target', 'Result'], rows));
    if (final.length !== count) console.log(`\n${count - final.length} alert(s) got no thread reply.`);
    await recordResults('investigations', 30, [
      ...rows.map(([figure = '', result = '', target = '—', outcome = '—']) => ({
        figure, result, ...(target !== '—' ? { target } : {}), ...(outcome === 'PASS' || outcome === 'MISS' ? { verdict: outcome as 'PASS' | 'MISS' } : {}),
      })),
      { figure: 'Alerts answered in their own thread', result: `${final.length} of ${count}`, target: `${count} of ${count}`, verdict: verdict(final.length === count) },
    ]);
  } finally {
    await bot.stop(5_000);
    await slack.stop();
  }
}

/** The thread of the message a chat.update changed. */
function threadTsOf(slack: FakeSlack, update: SlackCall): string | undefined {
  const original = slack.calls.find((c) => c.method === 'chat.postMessage' && c.ts === update.args.ts);
  return original?.args.thread_ts as string | undefined;
}

async function toolTotals(): Promise<Map<string, { sum: number; count: number }>> {
  const metric = await metricsRegistry.getSingleMetric('companion_tool_seconds')?.get();
  const totals = new Map<string, { sum: number; count: number }>();
  // Histogram values carry the series name (…_sum, …_count, …_bucket) at run time.
  for (const value of (metric?.values ?? []) as { labels: Record<string, string | number>; value: number; metricName?: string }[]) {
    const tool = String(value.labels.tool ?? '');
    const entry = totals.get(tool) ?? { sum: 0, count: 0 };
    if (value.metricName === 'companion_tool_seconds_sum') entry.sum += value.value;
    else if (value.metricName === 'companion_tool_seconds_count') entry.count += value.value;
    else continue;
    totals.set(tool, entry);
  }
  return totals;
}

function diffTools(after: Map<string, { sum: number; count: number }>, before: Map<string, { sum: number; count: number }>): Map<string, { sum: number; count: number }> {
  return new Map([...after].map(([tool, t]) => [tool, { sum: t.sum - (before.get(tool)?.sum ?? 0), count: t.count - (before.get(tool)?.count ?? 0) }] as const).filter(([, t]) => t.count > 0).sort((a, b) => a[0].localeCompare(b[0])));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runInvestigationsBench();
