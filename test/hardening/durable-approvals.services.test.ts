import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import { createStores } from '../../src/stores/select.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { approveClickBody, demoCheckoutApi, hookApprovals, opsContext } from '../support/durable.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint } from '../support/slack-requests.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const form = 'application/x-www-form-urlencoded';
const crashBot = fileURLToPath(new URL('../support/crash-after-approve.ts', import.meta.url));

/**
 * Issue #21, defect 1: approving and executing are two writes. Neo4j cut for 40 s exactly between
 * them, or the process killed there, used to leave the request `approved` forever: nothing ran,
 * nobody was told, no replica picked it up. Now the approval carries its execution intent (a lease
 * and a start deadline) in the same write, and a sweeper on every replica finishes it: each case ends
 * with the action executed exactly once, audited once, and its outcome posted in the thread.
 */
describe('durable approvals on the real Neo4j', () => {
  const slack = new FakeSlack();
  let services: ReturnType<typeof inject<'services'>>;
  const bots: RunningBot[] = [];
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    await slack.start();
    services = inject('services');
  }, 60_000);
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(bots.splice(0).map((bot) => bot.stop()));
  });
  afterAll(async () => {
    await slack.stop();
  });

  function env(neo4jUri: string): Record<string, string> {
    return {
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
      NEO4J_URI: neo4jUri, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
      WEAVIATE_URL: services.WEAVIATE_URL, WEAVIATE_GRPC_URL: services.WEAVIATE_GRPC_URL,
    };
  }

  /** A pending request of its own (parameters no other test uses), in a thread of its own. */
  async function pendingRequest(bot: RunningBot): Promise<{ approval: ApprovalRequest; threadTs: string }> {
    const threadTs = `${1_800_000_000 + randomInt(100_000_000)}.000100`;
    const proposed = await bot.runtime.approvals.propose(opsContext(threadTs), {
      kind: 'aws.ecs.scale', params: { desiredCount: 10 + randomInt(490) }, target: demoCheckoutApi, reason: 'fault test',
    });
    if (!proposed.ok) throw new Error(proposed.message);
    // (A leftover pending request with the same parameters is reused: its thread is where things are posted.)
    return { approval: proposed.approval, threadTs: proposed.approval.conversation.threadId ?? threadTs };
  }

  async function click(bot: { url: string }, approval: ApprovalRequest, threadTs: string): Promise<void> {
    const response = await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: form, body: approveClickBody(approval.id, threadTs, slack.responseUrl(`click-${approval.id}`)) });
    expect(response.status).toBe(200);
  }

  /**
   * Exactly one start and one outcome in the audit (written by whichever process ran it: any replica
   * sweeps, and other test files' bots on this shared Neo4j are replicas too), and, when this
   * process ran it, the outcome in the request's thread.
   */
  async function expectRanOnce(bot: RunningBot, executor: RecordingExecutor, approval: ApprovalRequest, threadTs: string): Promise<void> {
    await vi.waitFor(async () => expect((await bot.runtime.approvals.get('demo', approval.id))?.state).toBe('succeeded'), { timeout: 90_000, interval: 250 });
    expect(executor.executed.filter((a) => a.id === approval.id).length).toBeLessThanOrEqual(1);
    const types = (await bot.runtime.stores.audit.list('demo', { subjectId: approval.id })).map((e) => e.type);
    expect(types.filter((t) => t === 'action.started')).toHaveLength(1);
    expect(types.filter((t) => t === 'action.succeeded')).toHaveLength(1);
    expect(types.filter((t) => t === 'action.failed')).toHaveLength(0);
    if (executor.executed.some((a) => a.id === approval.id)) {
      await vi.waitFor(() => {
        const posted = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === threadTs).map((c) => String(c.args.text));
        expect(posted.some((t) => /aws\.ecs\.scale.*checkout-api.*succeeded|approved `aws\.ecs\.scale` on checkout-api: Dry run/.test(t)), JSON.stringify(posted)).toBe(true);
      }, { timeout: 20_000, interval: 100 });
    }
  }

  it('Neo4j cut for 40 s right after the approve write: the clicker is told, and the action runs exactly once when Neo4j is back', async () => {
    const proxy = await TcpProxy.forUrl(services.NEO4J_URI.replace(/^(bolt|neo4j)/, 'http')).start();
    try {
      const config = env(`bolt://127.0.0.1:${proxy.port}`);
      const stores = await createStores(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...config }), silentLogger());
      let restored: Promise<void> | undefined;
      const approvals = hookApprovals(stores.approvals, () => {
        if (restored) return;
        proxy.cut();
        restored = new Promise((resolve) => setTimeout(() => {
          proxy.restore();
          resolve();
        }, 40_000));
      });
      const executor = new RecordingExecutor();
      const bot = await startTestBot(config, { stores: { ...stores, approvals }, executor, approvalSweepIntervalMs: 500, execution: { clickLeaseMs: 3000 } });
      bots.push(bot);
      const { approval, threadTs } = await pendingRequest(bot);
      await click(bot, approval, threadTs);
      await vi.waitFor(() => expect(restored).toBeDefined(), { timeout: 10_000, interval: 50 });
      // While Neo4j is away the clicker hears that the approval is recorded and runs later: never silence.
      await vi.waitFor(() => {
        const told = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === threadTs).map((c) => String(c.args.text));
        expect(told.some((t) => t.includes('could not start yet'))).toBe(true);
      }, { timeout: 45_000, interval: 200 });
      await restored;
      await expectRanOnce(bot, executor, approval, threadTs);
      // Nothing stuck: no approved or executing request of this test is left for a sweeper.
      const overdue = await bot.runtime.stores.approvals.overdue(new Date(Date.now() + 3_600_000).toISOString(), 10_000);
      expect(overdue.filter((o) => o.id === approval.id)).toEqual([]);
    } finally {
      await proxy.stop();
    }
  }, 180_000);

  it('the process killed between approving and executing: another replica runs the action exactly once and posts it in the thread', async () => {
    const executor = new RecordingExecutor();
    // Replica B: a normal bot. Replica A (a child process) takes the click and dies after the approve write.
    const survivor = await startTestBot(env(services.NEO4J_URI), { executor, approvalSweepIntervalMs: 500 });
    bots.push(survivor);
    const { approval, threadTs } = await pendingRequest(survivor);
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', crashBot], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env(services.NEO4J_URI) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const url = await vi.waitFor(() => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*Cloud Companion is listening/.exec(output);
      if (!match?.[1]) throw new Error(`not listening yet:\n${output}`);
      return match[1];
    }, { timeout: 60_000, interval: 100 });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child?.once('exit', (_code, signal) => resolve(signal)));
    await click({ url }, approval, threadTs).catch(() => undefined);
    expect(await exited).toBe('SIGKILL');
    expect(output).toContain('approved; crashing now');
    expect((await survivor.runtime.approvals.get('demo', approval.id))?.state).not.toBe('pending');
    await expectRanOnce(survivor, executor, approval, threadTs);
  }, 180_000);
});
