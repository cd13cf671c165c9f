import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

describe('progress while a request runs', () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await createRuntime(loadConfig({ LOG_LEVEL: 'silent' }), silentLogger());
  });
  afterAll(async () => {
    await runtime.close();
  });

  it('reports each tool as it starts, and an observer that throws changes nothing', async () => {
    const context = await runtime.companion.contextForOrganization('demo', { platform: 'cli', source: 'cli', channelId: 'cli', userId: 'tester' });
    if (!context) throw new Error('demo organization missing');
    const started: string[] = [];
    const reply = await runtime.companion.handle({ context, intent: { kind: 'ask', question: 'why is checkout-api slow?' } }, { onToolStart: (name) => started.push(name) });
    expect(started).toContain('find_resources');
    expect(started).toContain('get_dependencies');
    expect(started).toContain('search_runbooks');
    const throwing = await runtime.companion.handle({ context, intent: { kind: 'ask', question: 'why is checkout-api slow?' } }, { onToolStart: () => { throw new Error('observer broke'); } });
    expect(throwing.summary).toBe(reply.summary);
    expect(JSON.stringify(throwing.parts)).not.toContain('observer broke');
  });
});
