/**
 * Durability soak (issue #21): two replicas of the bot on one real Neo4j, each reaching it through
 * its own loopback TCP proxy, while a chaos loop cuts those proxies at random (one replica or both,
 * for 1–12 s at a time) and slash commands, alert webhooks, proposals and Approve clicks (1–3 per
 * request, on either replica, as retries and double clicks arrive) keep flowing. When the time is up
 * the chaos stops, Neo4j is restored, and the sweepers get a bounded time to settle what the cuts
 * interrupted. Then it counts, over the requests it made:
 *
 * - executions: actions the executors ran; duplicates: requests run more than once (must be 0);
 * - stranded: requests still `approved` or `executing` (must be 0);
 * - failed with a reason: requests the sweeper failed (start deadline, interrupted) or that failed to run.
 *
 * Bounded (SOAK_SECONDS, default 120; at most SOAK_MAX_REQUESTS proposals, default 400), loopback
 * only, in a throwaway organization of its own. Run alone with `node bin/run-ts.mjs bench/soak.ts`;
 * it uses the Neo4j NEO4J_URI names, or starts one (scripts/services-lib.mjs).
 */
import { createHash, randomInt } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { approveActionId } from '../adapters/slack/ids.ts';
import { DryRunExecutor, type ActionExecutor, type Check, type ExecutionResult } from '../src/approvals/executor.ts';
import type { ApprovalRequest, ProposedAction } from '../src/approvals/types.ts';
import { startBot, type RunningBot } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger, silentLogger } from '../src/logging.ts';
import type { RequestContext } from '../src/request.ts';
import type { CloudResource } from '../src/stores/graph.ts';
import { createDriver } from '../src/stores/neo4j/driver.ts';
import { startServices } from '../scripts/services-lib.mjs';
import { FakeSlack } from '../test/support/fake-slack.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../test/support/slack-requests.ts';
import { TcpProxy } from '../test/support/tcp-proxy.ts';
import { recordResults, verdict } from './results.ts';

const seconds = Number(process.env.SOAK_SECONDS ?? 120);
const maxProposals = Number(process.env.SOAK_MAX_REQUESTS ?? 400);
const settleSeconds = 90;
const signingSecret = 'soak-signing-secret-0123456789abcdef';
const demoDir = fileURLToPath(new URL('../src/demo/', import.meta.url));
const stamp = Date.now().toString(36);
const org = { id: `soak-${stamp}`, team: `T0SOAK${stamp.toUpperCase()}`, channel: 'C0SOAKOPS', alertChannel: 'C0SOAKALERTS', token: `soak-alerts-${stamp}`, admin: 'U0SOAKADMIN', operator: 'U0SOAKOPER' };
const target: CloudResource = {
  id: 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', provider: 'aws', accountId: '111111111111',
  type: 'aws.ecs.service', name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: {},
};

/** The dry-run executor, counting every run per request across both replicas. */
class CountingExecutor implements ActionExecutor {
  readonly name = 'dry-run (counting)';
  private readonly inner = new DryRunExecutor();
  constructor(private readonly runs: Map<string, number>) {}
  dryRun(action: ProposedAction): Promise<Check> {
    return this.inner.dryRun(action);
  }
  async execute(approval: ApprovalRequest): Promise<ExecutionResult> {
    this.runs.set(approval.id, (this.runs.get(approval.id) ?? 0) + 1);
    // A live action takes a moment: long enough for a cut to land while it runs.
    await new Promise((r) => setTimeout(r, randomInt(50, 400)));
    return this.inner.execute(approval);
  }
  verify(): Promise<Check> {
    return this.inner.verify();
  }
}

async function writeTenants(dir: string): Promise<string> {
  const demo = parseYaml(await readFile(join(demoDir, 'tenants.yaml'), 'utf8')) as { organizations: (Record<string, unknown> & { seed: Record<string, string> })[] };
  const base = demo.organizations[0];
  if (!base) throw new Error('no demo organization');
  const organization = {
    ...base, id: org.id, name: 'Soak', bindings: { slack: { teams: [org.team] } },
    members: [{ platform: 'slack', userId: org.admin, role: 'admin' }, { platform: 'slack', userId: org.operator, role: 'operator' }],
    channels: [
      { platform: 'slack', channelId: org.channel, accounts: ['*'], actions: ['*'], alerts: false },
      { platform: 'slack', channelId: org.alertChannel, accounts: ['*'], actions: ['aws.ecs.*'], alerts: true },
    ],
    approvals: { fourEyes: false },
    alerts: { channel: { platform: 'slack', channelId: org.alertChannel }, webhooks: [{ sources: ['*'], tokenSha256: createHash('sha256').update(org.token).digest('hex') }] },
    seed: Object.fromEntries(Object.entries(base.seed).map(([key, path]) => [key, join(demoDir, path)])),
  };
  const path = join(dir, 'tenants.yaml');
  await writeFile(path, toYaml({ version: 1, organizations: [organization] }));
  return path;
}

function alertPayload(j: number): string {
  return JSON.stringify({
    receiver: 'cloud-companion', status: 'firing', version: '4', groupKey: `{}:{alertname="Soak-${j}"}`, externalURL: '', groupLabels: {}, commonLabels: {}, commonAnnotations: {},
    alerts: [{ status: 'firing', labels: { alertname: `Soak-${j}`, service: 'checkout-api', severity: 'warning' }, annotations: { summary: `Soak alert ${j}` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `soak-${stamp}-${j}` }],
  });
}

function clickBody(approvalId: string, threadTs: string, responseUrl: string): string {
  return blockActionsBody({
    type: 'block_actions', team: { id: org.team, domain: 'soak' }, user: { id: org.admin, username: 'admin', team_id: org.team },
    api_app_id: 'A0SOAK', token: 'x', trigger_id: `${Date.now()}.${randomInt(1e9)}`, response_url: responseUrl, channel: { id: org.channel, name: 'ops' },
    container: { type: 'message', message_ts: threadTs, channel_id: org.channel, thread_ts: threadTs },
    message: { type: 'message', ts: threadTs, thread_ts: threadTs, text: 'Approval needed', blocks: [] },
    actions: [{ type: 'button', block_id: 'b', action_id: approveActionId, value: approvalId, text: { type: 'plain_text', text: 'Approve' }, action_ts: String(Date.now() / 1000) }],
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runSoak(): Promise<boolean> {
  const services = await startServices({ log: (line: string) => console.error(`[soak] services: ${line}`) });
  const dir = await mkdtemp(join(tmpdir(), 'cc-soak-'));
  const slack = await new FakeSlack().start();
  slack.tokens.set('xoxb-test-token', org.team);
  const proxies = await Promise.all([0, 1].map(() => TcpProxy.forUrl(services.env.NEO4J_URI.replace(/^(bolt|neo4j)/, 'http')).start()));
  const runs = new Map<string, number>();
  const bots: RunningBot[] = [];
  const counts = { commands: 0, alerts: 0, clicks: 0, http2xx: 0, http503: 0, httpOther: 0, httpErrors: 0, proposeFailed: 0, reused: 0, cuts: 0, cutSeconds: 0 };
  const proposed = new Map<string, { threadTs: string }>();
  try {
    const tenants = await writeTenants(dir);
    for (const proxy of proxies) {
      const config = loadConfig({
        PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TENANTS_FILE: tenants, SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl,
        NEO4J_URI: `bolt://127.0.0.1:${proxy.port}`, NEO4J_USER: services.env.NEO4J_USER, NEO4J_PASSWORD: services.env.NEO4J_PASSWORD, ALERT_STORM_LIMIT: '1000',
      });
      // SOAK_LOG=warn (or info) shows what the replicas log, sweeps included.
      const logger = process.env.SOAK_LOG ? createLogger({ level: process.env.SOAK_LOG, name: `replica-${bots.length}` }) : silentLogger();
      bots.push(await startBot(config, logger, { executor: new CountingExecutor(runs), approvalSweepIntervalMs: 2000, execution: { clickLeaseMs: 5000, runLeaseMs: 60_000 } }));
    }
    const replica = (): RunningBot => bots[randomInt(bots.length)] as RunningBot;
    const tally = async (request: Promise<Response>): Promise<void> => {
      try {
        const response = await request;
        await response.arrayBuffer();
        if (response.status < 300) counts.http2xx += 1;
        else if (response.status === 503) counts.http503 += 1;
        else counts.httpOther += 1;
      } catch {
        counts.httpErrors += 1;
      }
    };
    const until = Date.now() + seconds * 1000;
    const inFlight: Promise<unknown>[] = [];
    const chaos = (async () => {
      while (Date.now() < until) {
        await sleep(randomInt(2000, 8000));
        if (Date.now() >= until) break;
        const victims = randomInt(3) === 0 ? proxies : [proxies[randomInt(proxies.length)] as TcpProxy];
        const ms = randomInt(1000, 12_000);
        for (const p of victims) p.cut();
        counts.cuts += 1;
        counts.cutSeconds += ms / 1000;
        await sleep(ms);
        for (const p of victims) p.restore();
      }
    })();
    let i = 0;
    while (Date.now() < until) {
      i += 1;
      const bot = replica();
      if (i % 4 === 0) {
        counts.commands += 1;
        inFlight.push(tally(postToSlackEndpoint(`${bot.url}/slack/events`, { secret: signingSecret, contentType: 'application/x-www-form-urlencoded', body: slashCommandBody({ team_id: org.team, user_id: org.operator, channel_id: org.channel, text: ['why is checkout-api slow?', 'resource checkout-db', 'approvals'][i % 3] ?? 'help', response_url: slack.responseUrl(`soak-${i}`) }) })));
      }
      if (i % 6 === 0) {
        counts.alerts += 1;
        inFlight.push(tally(fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${org.token}` }, body: alertPayload(i) })));
      }
      if (proposed.size < maxProposals) {
        // A proposal as the planner makes it, then Approve clicked 1–3 times on either replica.
        const threadTs = `${1_900_000_000 + i}.000100`;
        const context: RequestContext = {
          orgId: org.id, requestId: `soak-${i}`, source: 'slash', actor: { platform: 'slack', userId: org.operator, role: 'operator' },
          conversation: { platform: 'slack', workspaceId: `:${org.team}`, channelId: org.channel, threadId: threadTs }, accountIds: ['111111111111'], allowedActions: ['*'],
        };
        inFlight.push((async () => {
          const result = await bot.runtime.approvals.propose(context, { kind: 'aws.ecs.scale', params: { desiredCount: 1 + (i % 500) }, target, reason: 'soak' }).catch(() => undefined);
          if (!result?.ok) {
            counts.proposeFailed += 1;
            return;
          }
          if (result.existing) counts.reused += 1;
          const thread = result.approval.conversation.threadId ?? threadTs;
          proposed.set(result.approval.id, { threadTs: thread });
          const clicks = 1 + randomInt(3);
          await Promise.all(Array.from({ length: clicks }, async () => {
            await sleep(randomInt(0, 300));
            counts.clicks += 1;
            await tally(postToSlackEndpoint(`${replica().url}/slack/events`, { secret: signingSecret, contentType: 'application/x-www-form-urlencoded', body: clickBody(result.approval.id, thread, slack.responseUrl(`click-${i}`)) }));
          }));
        })());
      }
      await sleep(250);
    }
    await chaos;
    for (const p of proxies) p.restore();
    await Promise.allSettled(inFlight);
    console.error(`[soak] load stopped after ${seconds} s; letting the sweepers settle (at most ${settleSeconds} s)`);
    // Settle: every request we proposed and clicked ends executed (once) or failed with a reason; a
    // click lost entirely to a cut (the card is still pending) is clicked again, as a person would.
    const settleUntil = Date.now() + settleSeconds * 1000;
    const api = bots[0] as RunningBot;
    let states = new Map<string, ApprovalRequest['state']>();
    for (;;) {
      states = new Map();
      for (const id of proposed.keys()) states.set(id, (await api.runtime.approvals.get(org.id, id))?.state ?? 'pending');
      const open = [...states].filter(([, s]) => s === 'approved' || s === 'executing');
      const pending = [...states].filter(([, s]) => s === 'pending');
      for (const [id] of pending) {
        counts.clicks += 1;
        await tally(postToSlackEndpoint(`${api.url}/slack/events`, { secret: signingSecret, contentType: 'application/x-www-form-urlencoded', body: clickBody(id, proposed.get(id)?.threadTs ?? '1.1', slack.responseUrl('settle')) }));
      }
      if ((open.length === 0 && pending.length === 0) || Date.now() > settleUntil) break;
      await sleep(2000);
    }
    await Promise.all(bots.map(async (b) => {
      while (b.background.size > 0) await sleep(50);
    }));
    const byState = new Map<string, number>();
    for (const s of states.values()) byState.set(s, (byState.get(s) ?? 0) + 1);
    const executions = [...runs.entries()].filter(([id]) => proposed.has(id));
    const duplicates = executions.filter(([, n]) => n > 1).length;
    const stranded = (byState.get('approved') ?? 0) + (byState.get('executing') ?? 0);
    const stillPending = byState.get('pending') ?? 0;
    const failed = byState.get('failed') ?? 0;
    const succeeded = byState.get('succeeded') ?? 0;
    const notRunButSucceeded = [...states].filter(([id, s]) => s === 'succeeded' && !runs.has(id)).length;
    for (const [id, state] of states) {
      if (state !== 'approved' && state !== 'executing') continue;
      const left = await api.runtime.approvals.get(org.id, id);
      console.error(`[soak] stranded ${id}: ${state}, lease until ${left?.leaseUntil ?? '-'}, run by ${left?.runBy ?? '-'} (now ${new Date().toISOString()})`);
    }
    const requests = counts.commands + counts.alerts + counts.clicks;
    console.log(`soak: ${seconds} s, two replicas, ${counts.cuts} Neo4j cuts (${counts.cutSeconds.toFixed(0)} s cut in all)`);
    console.log(`  requests: ${requests} (${counts.commands} commands, ${counts.alerts} alerts, ${counts.clicks} clicks): ${counts.http2xx} × 2xx, ${counts.http503} × 503, ${counts.httpOther} other, ${counts.httpErrors} transport errors`);
    console.log(`  approvals proposed: ${proposed.size} (${counts.reused} reused as already pending, ${counts.proposeFailed} proposals refused while Neo4j was cut)`);
    console.log(`  executions: ${executions.reduce((n, [, c]) => n + c, 0)} runs of ${executions.length} requests; duplicates: ${duplicates}`);
    console.log(`  outcome: ${succeeded} succeeded, ${failed} failed with a reason, ${stranded} stranded (approved/executing), ${stillPending} still pending; succeeded without a run: ${notRunButSucceeded}`);
    await recordResults('soak', 70, [
      { figure: `Soak ${seconds} s, 2 replicas, Neo4j cut ${counts.cuts}× at random: requests sent (commands + alerts + clicks)`, result: `${requests} (${counts.http2xx} × 2xx, ${counts.http503} × 503)` },
      { figure: 'Soak: approvals proposed, executions', result: `${proposed.size} proposed, ${executions.length} executed, ${failed} failed with a reason` },
      { figure: 'Soak: duplicate executions', target: '0', result: String(duplicates), verdict: verdict(duplicates === 0) },
      { figure: 'Soak: stranded approvals (approved or executing after settling)', target: '0', result: String(stranded), verdict: verdict(stranded === 0) },
    ]);
    return duplicates === 0 && stranded === 0 && notRunButSucceeded === 0;
  } finally {
    await Promise.allSettled(bots.map((b) => b.stop()));
    await Promise.allSettled(proxies.map((p) => p.stop()));
    await cleanUp(services.env, org.id).catch((error: unknown) => console.error(`[soak] could not delete ${org.id}: ${String(error)}`));
    await slack.stop();
    await services.stop();
  }
}

/** The throwaway organization's nodes, so repeated soaks do not grow the shared database. */
async function cleanUp(env: { NEO4J_URI: string; NEO4J_USER: string; NEO4J_PASSWORD: string }, orgId: string): Promise<void> {
  const driver = createDriver({ uri: env.NEO4J_URI, user: env.NEO4J_USER, password: env.NEO4J_PASSWORD });
  try {
    const session = driver.session();
    try {
      await session.run('MATCH (n {orgId: $orgId}) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS', { orgId });
      await session.run('MATCH (o:Organization {id: $orgId}) DETACH DELETE o', { orgId });
    } finally {
      await session.close();
    }
  } finally {
    await driver.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const ok = await runSoak();
  process.exitCode = ok ? 0 : 1;
}
