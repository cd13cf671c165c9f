import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { ApprovalNotice } from '../../src/approvals/service.ts';
import type { Scheduler } from '../../src/approvals/verification.ts';
import { main } from '../../src/cli/main.ts';
import { parseCommand } from '../../src/commands.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import type { RequestContext } from '../../src/request.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import type { AuditEvent } from '../../src/stores/audit.ts';

/**
 * The whole trail of one remediation on real Neo4j, read back with `cloud-companion audit`: the
 * question, the tools used, the proposal with its reason and dry run, the click, the execution,
 * its result (a dry run: no verification follows, nothing changed).
 */
describe('audit trail on real Neo4j, exported by the CLI', () => {
  const tasks: (() => Promise<void>)[] = [];
  const scheduler: Scheduler = { schedule: (_ms, task) => void tasks.push(task) };
  let runtime: Runtime;
  const env = (): Record<string, string> => {
    const services = inject('services');
    return { NEO4J_URI: services.NEO4J_URI, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD };
  };

  beforeAll(async () => {
    runtime = await createRuntime(loadConfig({ LOG_LEVEL: 'silent', ...env() }), silentLogger(), { scheduler });
  }, 120_000);
  afterAll(async () => {
    await runtime.close();
  });

  async function contextOf(userId: string): Promise<RequestContext> {
    const resolved = await runtime.companion.resolveContext({ platform: 'slack', source: 'slash', workspace: { slackTeamId: 'T00000001' }, workspaceKey: ':T00000001', channelId: 'C0000OPS', userId });
    if (!resolved.ok) throw new Error(resolved.message);
    return resolved.context;
  }

  it('records every step, and the CLI exports it as JSON Lines', async () => {
    // One pending request per action: a scaling request an earlier run left pending on this shared
    // database would be reused (and its trail started then). Expire those; recent ones may be another file's.
    const stale = new Date(Date.now() - 15 * 60_000).toISOString();
    for (const left of await runtime.stores.approvals.list('demo', { states: ['pending'], limit: 500 })) {
      if (left.createdAt < stale && left.action.kind === 'aws.ecs.scale') await runtime.stores.approvals.transition('demo', left.id, 'pending', 'expired');
    }
    const asker = await contextOf('U0000OPER');
    const reply = await runtime.companion.handle({ context: asker, intent: parseCommand('why is checkout-api slow?') });
    const approval = reply.parts.flatMap((p) => (p.kind === 'approval' ? [p.approval] : [])).find((a) => a.action.kind === 'aws.ecs.scale');
    if (!approval) throw new Error('no scaling proposal');
    const notices: ApprovalNotice[] = [];
    runtime.approvals.onNotice((n) => void notices.push(n));
    expect(await runtime.companion.decide(await contextOf('U0000ADMIN'), approval.id, 'approve')).toMatchObject({ kind: 'executed', approval: { state: 'succeeded' } });
    // The dry-run executor changed nothing: no verification is scheduled, so none is posted.
    expect(tasks).toEqual([]);
    expect(notices).toEqual([]);

    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    for (const [key, value] of Object.entries(env())) vi.stubEnv(key, value);
    const code = await main(['audit', '--org', 'demo', '--since', '15m', '--json', '--limit', '5000']);
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    expect(code).toBe(0);
    const events = out.join('').trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
    const trail = events.filter((e) => e.subjectId === asker.requestId || e.subjectId === approval.id);
    expect(trail.map((e) => e.type)).toEqual(['question.asked', 'approval.requested', 'tools.used', 'approval.approved', 'action.started', 'action.succeeded']);
    const byType = new Map(trail.map((e) => [e.type, e]));
    expect(byType.get('question.asked')).toMatchObject({ actor: 'U0000OPER', detail: { text: 'why is checkout-api slow?', channel: 'C0000OPS' } });
    expect(byType.get('tools.used')?.detail['tools']).toMatch(/find_resources.*get_metrics.*propose_action/);
    expect(byType.get('approval.requested')).toMatchObject({ detail: { kind: 'aws.ecs.scale', requestId: asker.requestId, dryRunOk: true, reason: expect.stringContaining('CPU') } });
    expect(byType.get('approval.approved')).toMatchObject({ actor: 'U0000ADMIN', detail: { role: 'admin' } });
    expect(byType.get('action.succeeded')).toMatchObject({ detail: { executor: 'dry-run', message: expect.stringContaining('Nothing was changed') } });
    expect(trail.every((e, i) => i === 0 || (trail[i - 1] as AuditEvent).at <= e.at)).toBe(true);
  });
});
