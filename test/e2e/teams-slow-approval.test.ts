import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTeamsAdapter, type TeamsAdapter } from '../../adapters/teams/index.ts';
import type { ExecutionResult } from '../../src/approvals/executor.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { BackgroundWork } from '../../src/background.ts';
import { loadConfig } from '../../src/config.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { createHttpApp, listen, type RunningServer } from '../../src/server/http.ts';
import { RecordingExecutor } from '../support/bot.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

const demoTenant = '00000000-0000-0000-0000-000000000001';
const thread = '19:ops0000000000000000000000000000@thread.tacv2;messageid=1759944781430';

/** An action that takes a while, released by the test: longer than Teams waits for an invoke answer. */
class SlowExecutor extends RecordingExecutor {
  private release: (() => void) | undefined;
  private readonly released = new Promise<void>((resolve) => { this.release = resolve; });

  finish(): void {
    this.release?.();
  }

  override async execute(approval: ApprovalRequest): Promise<ExecutionResult> {
    await this.released;
    return super.execute(approval);
  }
}

describe('Teams: an approval slower than the invoke timeout, and the unauthenticated warning', () => {
  const teams = new FakeTeamsConnector();
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }); done(); } }));
  const background = new BackgroundWork(logger);
  const executor = new SlowExecutor();
  let runtime: Runtime;
  let adapter: TeamsAdapter;
  let server: RunningServer;

  beforeAll(async () => {
    await teams.start();
    runtime = await createRuntime(loadConfig({ LOG_LEVEL: 'silent' }), pino({ level: 'silent' }), { executor });
    adapter = createTeamsAdapter({
      appType: 'SingleTenant', maxBodyBytes: 1_048_576, companion: runtime.companion, idempotency: runtime.stores.idempotency,
      references: runtime.stores.references, tenants: runtime.stores.tenants, background, logger, invokeBudgetMs: 200,
    });
    server = await listen(createHttpApp(runtime, [adapter]), 0, '127.0.0.1');
  });
  afterAll(async () => {
    executor.finish();
    await server.close();
    await background.drain();
    await runtime.close();
    await teams.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  it('says loudly at start that it runs without authentication', () => {
    expect(adapter.authenticated).toBe(false);
    expect(adapter.name).toBe('teams (UNAUTHENTICATED)');
    const warning = lines.find((l) => l.msg.includes('WITHOUT AUTHENTICATION'));
    expect(warning?.level).toBe(40);
  });

  it('answers 500 when it cannot record an activity (the store is down), so Teams delivers it again', async () => {
    const failing = createTeamsAdapter({
      appType: 'SingleTenant', maxBodyBytes: 1_048_576, companion: runtime.companion,
      idempotency: { claim: async () => { throw new Error('Neo4j unavailable'); }, release: async () => undefined, close: async () => undefined },
      references: runtime.stores.references, tenants: runtime.stores.tenants, background, logger: pino({ level: 'silent' }),
    });
    const other = await listen(createHttpApp(runtime, [failing]), 0, '127.0.0.1');
    try {
      const response = await postActivity(other.url, teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => { a.id = '1759944860000'; }));
      expect(response.status).toBe(500);
    } finally {
      await other.close();
    }
    await settled();
    expect(teams.calls).toHaveLength(0);
  });

  it('answers the click before the action finishes, then updates the card and posts the result when it does', async () => {
    await postActivity(server.url, teamsActivity('channel-mention', teams.serviceUrl(demoTenant)));
    await settled();
    const approvalCall = teams.sent(thread).find((c) => String(JSON.stringify(c.activity.attachments)).includes('cloud_companion.approve'));
    const approvalId = /"approvalId":"([0-9a-f-]{36})"/.exec(JSON.stringify(approvalCall?.activity.attachments))?.[1] as string;
    teams.reset();

    const response = await postActivity(server.url, teamsActivity('invoke-approve', teams.serviceUrl(demoTenant), (a) => {
      a.replyToId = approvalCall?.activity.id as string;
      (a.value as { action: { data: { approvalId: string } } }).action.data.approvalId = approvalId;
    }));
    const body = await response.json() as { statusCode: number; type: string; value: string };
    expect(body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('result will be posted in this thread') });
    expect(executor.executed).toHaveLength(0);
    expect(teams.calls).toHaveLength(0);

    executor.finish();
    await settled();
    expect(executor.executed.map((a) => a.id)).toEqual([approvalId]);
    expect(JSON.stringify(teams.updatesOf(approvalCall?.activity.id as string).map((u) => u.activity.attachments))).toContain('succeeded');
    expect(teams.sent(thread).map((c) => String(c.activity.text))).toEqual([expect.stringMatching(/approved "aws\.ecs\.scale" on checkout-api/)]);
  });
});
