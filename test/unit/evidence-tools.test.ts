import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import { metricsRegistry } from '../../src/observability/metrics.ts';
import type { RequestContext } from '../../src/request.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { buildToolset } from '../../tools/index.ts';
import { toolLabel } from '../../src/agent/llm/labels.ts';
import { slackContext } from '../support/agent.ts';

// get_recent_changes and search_logs over the bundled demo recordings (src/demo/metrics/*.changes.json,
// *.logs.json), through the runtime's wiring, for channels of two look-alike organizations.
const demoCheckout = 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api';
const globexCheckout = 'arn:aws:ecs:us-east-2:333333333333:service/globex-core/checkout-api';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime(loadConfig({}), silentLogger());
});
afterAll(async () => {
  await runtime.close();
});

const tools = (context: RequestContext) => buildToolset(context, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals, evidence: runtime.evidence });

describe('get_recent_changes and search_logs on the demo recordings', () => {
  it('show the deployment six minutes before the latency rose, and the pool-exhausted signature from the onset, redacted', async () => {
    const t = tools(await slackContext(runtime, { org: 'demo', channel: 'C0000OPS' }));
    const changes = await t.recentChanges.run({ resource: 'checkout-api', windowMinutes: 180 });
    const deployment = changes.changes.find((c) => c.after === 'checkout-api:41');
    expect(deployment).toEqual(expect.objectContaining({ before: 'checkout-api:40', source: 'ecs-deployment', resourceId: demoCheckout }));
    // The latency of checkout-alb starts rising 17 min before the recording's end; the deployment is at 23.
    const minutesAgo = (Date.now() - Date.parse(deployment?.at ?? '')) / 60_000;
    expect(minutesAgo).toBeGreaterThanOrEqual(23);
    expect(minutesAgo).toBeLessThan(24);
    expect(t.recentChanges.toText(changes)).toContain('checkout-api:40 → checkout-api:41');

    const logs = await t.searchLogs.run({ resource: 'checkout-api', windowMinutes: 60 });
    const pool = logs.signatures[0];
    expect(pool?.template).toContain('connection pool exhausted');
    expect((Date.now() - Date.parse(pool?.firstSeen ?? '')) / 60_000).toBeLessThan(18);
    const text = t.searchLogs.toText(logs);
    expect(text).not.toContain('Sup3rS3cret');
    expect(JSON.stringify(logs)).not.toContain('Sup3rS3cret');
    expect(text.length).toBeLessThanOrEqual(4000);
  });

  it('a channel sees changes and logs only of its own accounts: another organization\'s resource is not found, a staging channel gets nothing from prod', async () => {
    const demo = tools(await slackContext(runtime, { org: 'demo', channel: 'C0000OPS' }));
    for (const view of [await demo.recentChanges.run({ resource: globexCheckout, windowMinutes: 180 }), await demo.searchLogs.run({ resource: globexCheckout, windowMinutes: 60 })]) {
      expect(view.resources).toEqual([]);
      expect(JSON.stringify(view)).not.toMatch(/globex|333333333333/);
    }
    expect(demo.recentChanges.toText(await demo.recentChanges.run({ resource: globexCheckout, windowMinutes: 60 }))).toBe('No such resource in this channel\'s accounts.');

    const globex = tools(await slackContext(runtime, { org: 'globex' }));
    const theirs = await globex.recentChanges.run({ resources: ['checkout-api', demoCheckout], windowMinutes: 180 });
    expect(theirs.changes.map((c) => c.after)).toEqual(['globex-checkout:7']);
    const theirLogs = await globex.searchLogs.run({ resources: ['checkout-api', demoCheckout], windowMinutes: 60 });
    expect(JSON.stringify([theirs, theirLogs])).not.toMatch(/111111111111|pool exhausted|checkout-api:41/);

    const staging = tools(await slackContext(runtime, { org: 'demo', channel: 'C0000STAGING' }));
    const none = await staging.recentChanges.run({ resource: demoCheckout, windowMinutes: 180 });
    expect(none.resources).toEqual([]);
    expect(none.changes).toEqual([]);
  });

  it('are counted in /metrics and labelled for progress updates', async () => {
    const t = tools(await slackContext(runtime, { org: 'demo', channel: 'C0000OPS' }));
    await t.searchLogs.run({ resource: 'order-worker', windowMinutes: 60 });
    const exposed = await metricsRegistry.metrics();
    expect(exposed).toMatch(/companion_evidence_reads_total\{kind="logs",source="recorded",outcome="ok"\} [1-9]/);
    expect(toolLabel('get_recent_changes', { resource: 'checkout-api', windowMinutes: 90 })).toBe('Looking for recent changes to checkout-api (last 90 min)');
    expect(toolLabel('search_logs', { resource: 'checkout-api' })).toBe('Searching the logs of checkout-api for errors');
  });
});
