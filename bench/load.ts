/**
 * Load test on loopback: hundreds of signed `/cloud` commands and alert webhooks at once, across
 * several organizations, through the real HTTP server (embedded stores, deterministic planner, a
 * local fake Slack Web API). Checks that every command got exactly one thread with its answer,
 * every alert exactly one thread in its own organization's alert channel (redeliveries added
 * nothing), and reports the heap before, at its peak and after a full GC.
 *
 *   node bin/run-ts.mjs bench/load.ts                       # 300 commands, 200 alerts, 4 organizations
 *   LOAD_COMMANDS=60 LOAD_ALERTS=40 node bin/run-ts.mjs bench/load.ts
 *
 * Exits 1 when a reply is lost or duplicated, or when the heap after GC keeps more than
 * LOAD_MAX_RETAINED_MB (default 64) over the baseline.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startBot } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/logging.ts';
import { FakeSlack } from '../test/support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../test/support/slack-requests.ts';
import { recordResults, verdict } from './results.ts';
import { fromPackageRoot } from '../src/package-root.ts';

const commands = Number(process.env.LOAD_COMMANDS ?? 300);
const alerts = Number(process.env.LOAD_ALERTS ?? 200);
const organizations = Number(process.env.LOAD_ORGS ?? 4);
const maxRetainedMb = Number(process.env.LOAD_MAX_RETAINED_MB ?? 64);
const signingSecret = 'load-signing-secret-0123456789abcdef';
const demoDir = `${fromPackageRoot('src/demo')}/`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => process.memoryUsage().heapUsed / 1_048_576;
function settleHeap(): number {
  for (let i = 0; i < 3; i += 1) gc();
  return heapMb();
}

interface Org { id: string; team: string; channel: string; alertChannel: string; token: string; user: string }

/** A tenants file with `count` organizations, alternately on Demo's and Globex's estates, each with its own bindings and alert token. */
async function writeTenants(dir: string, count: number): Promise<{ path: string; orgs: Org[] }> {
  const demo = parseYaml(await readFile(join(demoDir, 'tenants.yaml'), 'utf8')) as { organizations: Record<string, unknown>[] };
  const orgs: Org[] = [];
  const organizationsYaml = Array.from({ length: count }, (_, k) => {
    const base = demo.organizations[k % 2] as Record<string, unknown> & { seed: Record<string, string>; channels: unknown[] };
    const org: Org = { id: `load-${k}`, team: `T0LOAD${k}`, channel: `C0LOADOPS${k}`, alertChannel: `C0LOADALERTS${k}`, token: `load-alerts-token-${k}`, user: `U0LOAD${k}` };
    orgs.push(org);
    return {
      ...base,
      id: org.id,
      name: `Load ${k}`,
      bindings: { slack: { teams: [org.team] } },
      members: [{ platform: 'slack', userId: org.user, role: 'operator' }],
      channels: [
        { platform: 'slack', channelId: org.channel, accounts: ['*'], actions: ['*'], alerts: false },
        { platform: 'slack', channelId: org.alertChannel, accounts: ['*'], actions: ['aws.ecs.*'], alerts: true },
      ],
      approvals: { fourEyes: false },
      alerts: { channel: { platform: 'slack', channelId: org.alertChannel }, webhooks: [{ sources: ['*'], tokenSha256: createHash('sha256').update(org.token).digest('hex') }] },
      seed: Object.fromEntries(Object.entries(base.seed).map(([key, path]) => [key, join(demoDir, path)])),
    };
  });
  const path = join(dir, 'tenants.yaml');
  await writeFile(path, toYaml({ version: 1, organizations: organizationsYaml }));
  return { path, orgs };
}

function alertPayload(j: number): string {
  return JSON.stringify({
    receiver: 'cloud-companion', status: 'firing', version: '4', groupKey: `{}:{alertname="LoadAlert-${j}"}`, externalURL: '', groupLabels: {}, commonLabels: {}, commonAnnotations: {},
    alerts: [{ status: 'firing', labels: { alertname: `LoadAlert-${j}`, service: 'checkout-api', severity: 'warning' }, annotations: { summary: `LoadAlert-${j}` }, startsAt: '2026-11-21T09:00:00.000Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `load-fp-${j}` }],
  });
}

export async function runLoadBench(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'cc-load-'));
  const slack = await new FakeSlack().start();
  const { path, orgs } = await writeTenants(dir, organizations);
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TENANTS_FILE: path, SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl,
    ALERT_STORM_LIMIT: '1000',
  });
  const bot = await startBot(config, silentLogger());
  const drain = async (): Promise<void> => {
    while (bot.background.size > 0) await new Promise((r) => setTimeout(r, 25));
  };
  const command = (i: number, tag: string): Promise<Response> => {
    const org = orgs[i % orgs.length] as Org;
    const text = ['why is checkout-api slow?', 'deps checkout-db', 'resource checkout-api', 'metrics checkout-api 30m', 'runbook checkout'][i % 5] ?? 'help';
    return postToSlackEndpoint(`${bot.url}/slack/events`, { secret: signingSecret, contentType: 'application/x-www-form-urlencoded', body: slashCommandBody({ team_id: org.team, user_id: org.user, channel_id: org.channel, text: `${text} ${tag}`, response_url: slack.responseUrl(tag) }) });
  };
  const alert = (j: number): Promise<Response> => {
    const org = orgs[j % orgs.length] as Org;
    return fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}` }, body: alertPayload(j) });
  };
  try {
    // Warm-up, then the baseline.
    await Promise.all(Array.from({ length: 10 }, (_, i) => command(i, `#warm-${i}`)));
    await drain();
    slack.reset();
    const baseline = settleHeap();

    const started = performance.now();
    let peak = heapMb();
    const sampler = setInterval(() => { peak = Math.max(peak, heapMb()); }, 20);
    const redelivered = Math.ceil(alerts / 10);
    const responses = await Promise.all([
      ...Array.from({ length: commands }, (_, i) => command(i, `#cmd-${i}`)),
      ...Array.from({ length: alerts }, (_, j) => alert(j)),
      // Redeliveries of the first alerts, as a source retries: they must add nothing.
      ...Array.from({ length: redelivered }, (_, j) => alert(j)),
    ]);
    const acked = performance.now();
    await drain();
    clearInterval(sampler);
    const finished = performance.now();
    const after = settleHeap();

    // Every command: exactly one parent message with its tag, in its own channel, with an answer in its thread.
    const posts = slack.callsOf('chat.postMessage');
    const problems: string[] = [];
    for (let i = 0; i < commands; i += 1) {
      const tag = `#cmd-${i}`;
      const parents = posts.filter((p) => !p.args.thread_ts && String(p.args.text).endsWith(` ${tag}`));
      if (parents.length !== 1) problems.push(`${tag}: ${parents.length} parent messages`);
      const parent = parents[0];
      if (parent?.args.channel !== orgs[i % orgs.length]?.channel) problems.push(`${tag}: posted in ${String(parent?.args.channel)}`);
      const thread = slack.thread(parent?.ts ?? '');
      if (thread.length < 1 || thread.some((m) => String(m.args.text).startsWith('Looking into it'))) problems.push(`${tag}: no answer in its thread`);
    }
    // Every alert: exactly one parent in its organization's alert channel, with the investigation in its thread.
    for (let j = 0; j < alerts; j += 1) {
      const parents = posts.filter((p) => !p.args.thread_ts && String(p.args.text).endsWith(`LoadAlert-${j}`));
      if (parents.length !== 1) problems.push(`LoadAlert-${j}: ${parents.length} parent messages`);
      if (parents[0] && parents[0].args.channel !== orgs[j % orgs.length]?.alertChannel) problems.push(`LoadAlert-${j}: posted in ${String(parents[0].args.channel)}`);
      if (parents[0] && slack.thread(parents[0].ts ?? '').length < 1) problems.push(`LoadAlert-${j}: no investigation in its thread`);
    }
    const bad = responses.filter((r) => r.status >= 300 && r.status !== 200);
    if (bad.length > 0) problems.push(`${bad.length} requests answered ${[...new Set(bad.map((r) => r.status))].join(', ')}`);
    const retained = after - baseline;
    if (retained > maxRetainedMb) problems.push(`heap after GC kept ${retained.toFixed(1)} MB over the baseline (limit ${maxRetainedMb} MB)`);

    console.log(`\nLoad · ${commands} signed /cloud commands + ${alerts} alert webhooks (+${redelivered} redeliveries) at once, ${orgs.length} organizations, loopback\n`);
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(`| all acked after | ${(acked - started).toFixed(0)} ms |`);
    console.log(`| all answered after | ${(finished - started).toFixed(0)} ms |`);
    console.log(`| commands with exactly one thread and answer | ${commands - problems.filter((p) => p.startsWith('#cmd-')).length} / ${commands} |`);
    console.log(`| alerts with exactly one thread, in their own organization | ${alerts - problems.filter((p) => p.startsWith('LoadAlert-')).length} / ${alerts} |`);
    console.log(`| heap baseline / peak / after GC | ${baseline.toFixed(1)} / ${peak.toFixed(1)} / ${after.toFixed(1)} MB |`);
    console.log(`| retained over baseline (stores keep threads, history, audit) | ${retained.toFixed(1)} MB (${((retained * 1_048_576) / (commands + alerts) / 1024).toFixed(1)} KB per request) |`);
    if (problems.length > 0) console.log(`\nFAILED:\n${problems.slice(0, 20).map((p) => `- ${p}`).join('\n')}${problems.length > 20 ? `\n… and ${problems.length - 20} more` : ''}`);
    else console.log('\nNo lost or duplicated replies.');
    const lost = (prefix: string): number => problems.filter((p) => p.startsWith(prefix)).length;
    await recordResults('load', 50, [
      { figure: `Load: ${commands} commands + ${alerts} alerts at once, ${orgs.length} organizations — commands answered exactly once`, result: `${commands - lost('#cmd-')} / ${commands}`, target: `${commands} / ${commands}`, verdict: verdict(lost('#cmd-') === 0) },
      { figure: 'Load: alerts threaded exactly once, in their own organization', result: `${alerts - lost('LoadAlert-')} / ${alerts}`, target: `${alerts} / ${alerts}`, verdict: verdict(lost('LoadAlert-') === 0) },
      { figure: 'Load: all answered after', result: `${(finished - started).toFixed(0)} ms` },
      { figure: 'Load: heap retained after GC over baseline', result: `${retained.toFixed(1)} MB`, target: `≤ ${maxRetainedMb} MB`, verdict: verdict(retained <= maxRetainedMb) },
    ]);
    return problems.length === 0;
  } finally {
    await bot.stop();
    await slack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (!(await runLoadBench())) process.exitCode = 1;
