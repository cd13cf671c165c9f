import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { buildToolset } from '../../tools/index.ts';
import { toLangChainTool } from '../../tools/langchain.ts';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createRuntime(loadConfig({}), silentLogger());
});
afterAll(async () => {
  await runtime.close();
});

describe('tools as LangChain tools', () => {
  it('expose zod-described schemas and answer a model tool call with budgeted text from the bound tenant', async () => {
    const context = await runtime.companion.contextForOrganization('globex', { platform: 'cli', source: 'cli', channelId: 'cli', userId: 'u' });
    if (!context) throw new Error('no globex');
    const tools = buildToolset(context, { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
    const lc = tools.all.map(toLangChainTool);
    expect(lc.map((t) => t.name)).toEqual(['find_resources', 'get_dependencies', 'search_runbooks', 'get_runbook', 'get_metrics', 'get_recent_changes', 'search_logs', 'propose_action', 'list_pending_approvals']);
    const deps = lc.find((t) => t.name === 'get_dependencies');
    const message = await deps?.invoke({ type: 'tool_call', id: 'call_1', name: 'get_dependencies', args: { resource: 'checkout-api', depth: 1 } });
    const content = String((message as { content: unknown }).content);
    expect(content).toContain('checkout-api (aws.ecs.service, aws 333333333333');
    expect(content).not.toContain('111111111111');
    await expect(deps?.invoke({ resource: '', depth: 9 })).rejects.toThrow();
  });
});
