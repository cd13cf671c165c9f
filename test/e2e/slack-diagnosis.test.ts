import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { alertFixture } from '../support/alert-fixtures.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';

/**
 * The demo cases of issue #19, answered through Slack on the bundled demo data (embedded default,
 * no model): each answer leads with the likely cause and its chain, and proposes at most the one
 * action the runbook's rules choose.
 */

interface Block { type: string; block_id?: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text?: string | { text: string } }[] }

const form = 'application/x-www-form-urlencoded';

describe('Slack: the demo answers as a diagnosis (issue #19)', () => {
  const slack = new FakeSlack();
  const executor = new RecordingExecutor();
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl }, { executor });
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });
  }

  /** Asks in a channel and returns the threaded answer as Slack shows it (text and blocks). */
  async function ask(text: string, where: { team_id: string; user_id: string; channel_id: string } = { team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS' }): Promise<{ reply: SlackCall; shown: string; blocks: Block[] }> {
    const ack = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ ...where, text, response_url: slack.responseUrl('r') }) });
    expect(ack.status).toBe(200);
    await settled();
    const parent = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === undefined);
    const reply = slack.thread(parent?.ts as string).at(-1) as SlackCall;
    const blocks = (reply.args.blocks ?? []) as Block[];
    return { reply, shown: blockText(blocks), blocks };
  }

  function approvalKinds(blocks: readonly Block[]): string[] {
    return blocks.filter((b) => b.block_id?.startsWith('approval:')).map((b) => /`?(aws|azure|gcp)\.[a-z0-9.]+/.exec(b.text?.text ?? '')?.[0]?.replace('`', '') ?? '?');
  }

  it('"why is checkout-api slow?" leads with checkout-alb latency and 5xx, because checkout-api CPU; the database is healthy; only the scale action is proposed, with the rule that matched', async () => {
    const { reply, shown, blocks } = await ask('why is checkout-api slow?');
    const lead = shown.indexOf('Likely cause');
    expect(lead).toBeGreaterThanOrEqual(0);
    // The chain: the entry point's latency and 5xx, because the service's CPU.
    expect(shown).toMatch(/checkout-alb TargetResponseTime 2\.4 s \(> 1 s for \d+ min\) and HTTPCode_Target_5XX_Count 146 \(> 50 for \d+ min\), because checkout-api CPUUtilization 9\d(\.\d)?% \(> 80% for \d+ min\)/);
    expect(String(reply.args.text)).toMatch(/^Likely cause: checkout-api CPUUtilization/);
    // The database is ruled out with its numbers.
    expect(shown).toMatch(/Ruled out:.*checkout-db \(healthy: CPUUtilization 63\.9%/);
    // One action per cause: scale (CPU-bound, database healthy), not redeploy.
    expect(approvalKinds(blocks)).toEqual(['aws.ecs.scale']);
    expect(shown).toMatch(/`aws\.ecs\.scale` on checkout-api \[ecs-service-high-latency § Mitigation\]: \*holds: proposed\*/);
    expect(shown).toMatch(/`aws\.ecs\.redeploy` on checkout-api \[ecs-service-high-latency § Mitigation\]: \*does not hold\*/);
    expect(shown).toContain('self.CPUUtilization > 80 for 5m and dependency(aws.rds.instance).CPUUtilization < 70');
    // The runbook's own steps, commands included, cited once as [id § Section].
    expect(shown).toContain('Runbook steps* [ecs-service-high-latency § Mitigation]');
    expect(shown).toContain('aws ecs update-service --cluster prod-cluster --service checkout-api');
    expect(shown).not.toMatch(/ECS service high latency or 5xx behind an ALB § ECS service high latency/);
    // Never another provider's runbook.
    expect(shown).not.toMatch(/azure-app-service-5xx|Azure App Service/);
    // Who to call and where to look.
    expect(shown).toContain('on call payments-primary');
    expect(shown).toContain('https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod-cluster/services/checkout-api/health');
  });

  it('the orders-queue alert reads its consumer order-worker and finds its Throttles', async () => {
    const group = alertFixture('alertmanager/firing-group.json') as { alerts: unknown[] };
    const body = JSON.stringify({ ...group, alerts: [group.alerts[1]] });
    const response = await fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer demo-alerts-token' }, body });
    expect(response.status).toBe(202);
    await settled();
    const parent = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === undefined);
    const reply = slack.thread(parent?.ts as string).at(-1) as SlackCall;
    const shown = blockText((reply.args.blocks ?? []) as Block[]);
    expect(String(reply.args.text)).toMatch(/^Likely cause: order-worker Throttles/);
    expect(shown).toMatch(/orders-queue ApproximateNumberOfMessagesVisible 4817 \(> 1000 for \d+ min\).*because order-worker Throttles 82 \(> 1 for \d+ min\)/);
    expect(shown).toContain('consumer of orders-queue');
    // The Lambda runbook's rule holds, but the alert channel may not run Lambda actions: it says so instead of proposing.
    expect(shown).toMatch(/`aws\.lambda\.concurrency` on order-worker \[lambda-throttling § [^\]]+\]: \*holds/);
    expect(approvalKinds((reply.args.blocks ?? []) as Block[])).toEqual([]);
  });

  it('Globex "why is checkout-api slow?" finds billing-api at 77% CPU and rising, and does not scale it below the runbook\'s rule', async () => {
    const { shown, blocks, reply } = await ask('why is checkout-api slow?', { team_id: 'T00000002', user_id: 'U0000GLOBEX', channel_id: 'C0000GLOBEXOPS' });
    expect(String(reply.args.text)).toMatch(/^Likely cause: billing-api CPUUtilization 76\.9% \(rising, threshold 85%\)/);
    expect(shown).not.toContain('no metric is past its threshold');
    expect(shown).toMatch(/`aws\.ecs\.scale` on billing-api \[globex-billing-latency § Mitigation\]: \*does not hold\*/);
    expect(approvalKinds(blocks)).toEqual([]);
    // Globex never sees Demo Corp's resources.
    expect(shown).not.toMatch(/111111111111|checkout-alb|orders-queue/);
  });

  it('a healthy resource is said to be healthy, plainly, with nothing proposed', async () => {
    const { shown, blocks, reply } = await ask('is search-api slow?');
    expect(String(reply.args.text)).toMatch(/search-api looks healthy/);
    expect(shown).toContain('Nothing is wrong that I can see');
    expect(approvalKinds(blocks)).toEqual([]);
  });

  it('an alert that names no resource of the organization says so and proposes nothing', async () => {
    const test = alertFixture('gcp-monitoring/test-notification.json');
    const response = await fetch(`${bot.url}/alerts/gcp-monitoring`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer demo-alerts-token' }, body: JSON.stringify(test) });
    expect(response.status).toBe(202);
    await settled();
    const visible = slack.visibleText();
    expect(visible).toMatch(/none of its resources is in this channel's accounts|names no resource/);
    expect(visible).not.toContain('named in the alert');
    expect(slack.callsOf('chat.postMessage').flatMap((c) => ((c.args.blocks ?? []) as Block[]).filter((b) => b.block_id?.startsWith('approval:')))).toEqual([]);
  });
});

function blockText(blocks: readonly Block[]): string {
  const raw = blocks.map((b) => [b.text?.text, ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : e.text?.text))].filter(Boolean).join('\n')).join('\n');
  // Slack mrkdwn escapes these three; the assertions read the text as people see it.
  return raw.replaceAll('&gt;', '>').replaceAll('&lt;', '<').replaceAll('&amp;', '&');
}
