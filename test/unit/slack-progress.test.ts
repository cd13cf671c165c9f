import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ThreadProgress } from '../../adapters/slack/progress.ts';
import { silentLogger } from '../../src/logging.ts';
import { FakeSlack } from '../support/fake-slack.ts';

describe('Slack progress placeholder (real WebClient against the fake Web API)', () => {
  const slack = new FakeSlack();
  let client: WebClient;
  let placeholderTs: string;

  beforeAll(async () => {
    await slack.start();
    client = new WebClient('xoxb-test-token', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.stop();
  });
  beforeEach(async () => {
    slack.reset();
    placeholderTs = (await client.chat.postMessage({ channel: 'C0000OPS', thread_ts: '1690000000.000001', text: 'Looking into it…' })).ts as string;
  });

  it('coalesces a burst of steps into one update per interval that shows the latest steps', async () => {
    const progress = new ThreadProgress(client, 'C0000OPS', placeholderTs, silentLogger(), 100);
    for (let i = 1; i <= 20; i += 1) progress.onToolStart(i % 2 ? 'get_metrics' : 'get_dependencies');
    progress.onProgress({ kind: 'tool_started', callId: 'c1', tool: 'search_runbooks', label: 'Searching runbooks for "latency"' });
    await vi.waitFor(() => expect(slack.callsOf('chat.update')).toHaveLength(1), { timeout: 5000, interval: 10 });
    await progress.finish();
    const update = slack.callsOf('chat.update')[0];
    expect(update?.args).toMatchObject({ channel: 'C0000OPS', ts: placeholderTs, text: 'Searching runbooks for "latency"…' });
    const shown = JSON.stringify(update?.args.blocks);
    expect(shown).toContain('Searching runbooks for \\"latency\\"');
    expect(shown).toContain('Walking dependencies and the blast radius');
    // Only the last five steps are shown.
    expect(shown.match(/:gear:/g)).toHaveLength(5);
  });

  it('shows the evidence with the agent steps under it, and sends nothing after finish', async () => {
    const progress = new ThreadProgress(client, 'C0000OPS', placeholderTs, silentLogger(), 100);
    progress.onProgress({ kind: 'evidence', reply: { summary: 'checkout-api: CPU above 80%', parts: [{ kind: 'text', markdown: 'CPU is high on <checkout-api>' }] } });
    progress.onProgress({ kind: 'tool_finished', callId: 'c2', tool: 'get_metrics', label: 'Reading metrics of checkout-api', ok: true });
    await vi.waitFor(() => expect(slack.callsOf('chat.update')).toHaveLength(1), { timeout: 5000, interval: 10 });
    const update = slack.callsOf('chat.update')[0];
    expect(update?.args.text).toBe('checkout-api: CPU above 80%');
    const blocks = update?.args.blocks as { type: string }[];
    expect(JSON.stringify(blocks[0])).toContain('CPU is high on &lt;checkout-api&gt;');
    expect(JSON.stringify(blocks.at(-1))).toContain('Reading metrics of checkout-api ✓');

    progress.onToolStart('get_metrics');
    await progress.finish();
    progress.onToolStart('get_runbook');
    // Give a stray timer every chance to fire: a settled round trip to the fake, then count.
    await client.auth.test();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(slack.callsOf('chat.update')).toHaveLength(1);
    expect(slack.thread('1690000000.000001').find((m) => m.ts === placeholderTs)?.args.text).toBe('checkout-api: CPU above 80%');
  });
});
