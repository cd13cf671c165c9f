import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InvestigationInput, Investigator } from '../../src/agent/investigator.ts';
import { DeterministicPlanner } from '../../src/agent/planner.ts';
import type { RunningBot } from '../../src/compose.ts';
import type { Reply } from '../../src/reply.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

/** The deterministic planner, held at the start of each investigation until the test lets it go. */
class HeldInvestigator implements Investigator {
  readonly name = 'held planner';
  private readonly inner = new DeterministicPlanner('held planner');
  private readonly gates: (() => void)[] = [];
  running = 0;
  mostAtOnce = 0;

  async investigate(input: InvestigationInput): Promise<Reply> {
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    try {
      return await this.inner.investigate(input);
    } finally {
      this.running -= 1;
    }
  }

  get held(): number {
    return this.gates.length;
  }

  releaseOne(): void {
    this.gates.shift()?.();
  }
}

describe('Slack: concurrent investigations are capped (MAX_CONCURRENT_INVESTIGATIONS); the rest queue, and acks stay immediate', () => {
  const slack = new FakeSlack();
  const investigator = new HeldInvestigator();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, MAX_CONCURRENT_INVESTIGATIONS: '2' }, { investigator });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  it('runs two at once, tells the third and fourth they are queued, and answers all four in turn', async () => {
    const names = ['checkout-db', 'orders-queue', 'checkout-api', 'payments-api'];
    const responses = await Promise.all(names.map((name, i) => postToSlackEndpoint(`${bot.url}/slack/events`, {
      secret: testSigningSecret, contentType: 'application/x-www-form-urlencoded',
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: `C0000Q${i}`, text: `resource ${name}`, response_url: slack.responseUrl(`q${i}`) }),
    })));
    // Every command was acknowledged while investigations were held.
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    await vi.waitFor(() => expect(slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts)).toHaveLength(4), { timeout: 5_000, interval: 10 });
    expect(investigator.held).toBe(2);

    const placeholders = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts).map((c) => String(c.args.text));
    expect(placeholders.filter((t) => t.includes('Looking into it'))).toHaveLength(2);
    expect(placeholders.filter((t) => t.startsWith(':hourglass: Queued'))).toEqual([
      expect.stringContaining('Queued: next in line'),
      expect.stringContaining('Queued behind 1 other question(s)'),
    ]);

    while (bot.background.size > 0) {
      investigator.releaseOne();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(investigator.mostAtOnce).toBe(2);
    for (const name of names) expect(slack.visibleText()).toContain(name);
    expect(slack.callsOf('chat.update').length).toBeGreaterThanOrEqual(4);
  });
});

describe('Teams: the placeholder card of a question waiting for a slot says it is queued', () => {
  const teams = new FakeTeamsConnector();
  const investigator = new HeldInvestigator();
  const tenant = '00000000-0000-0000-0000-000000000001';
  let bot: RunningBot;

  beforeAll(async () => {
    await teams.start();
    bot = await startTestBot({ TEAMS_ENABLED: 'true', MAX_CONCURRENT_INVESTIGATIONS: '1' }, { investigator });
  });
  afterAll(async () => {
    await bot.stop();
    await teams.stop();
  });

  it('runs one at a time and says so on the second one\'s placeholder', async () => {
    const threads = ['1759945000000', '1759945000001'].map((root) => `19:ops0000000000000000000000000000@thread.tacv2;messageid=${root}`);
    for (const [i, thread] of threads.entries()) {
      const mention = teamsActivity('channel-mention', teams.serviceUrl(tenant), (a) => { a.id = `17599450000${i}`; a.conversation.id = thread; });
      expect((await postActivity(bot.url, mention)).status).toBe(200);
      await vi.waitFor(() => expect(teams.sent(thread).filter((c) => c.activity.type === 'message')).toHaveLength(1), { timeout: 5_000, interval: 10 });
    }
    expect(investigator.held).toBe(1);
    const placeholders = threads.map((thread) => JSON.stringify(teams.sent(thread).find((c) => c.activity.type === 'message')?.activity.attachments));
    expect(placeholders[0]).toContain('Looking into it');
    expect(placeholders[1]).toContain('Queued: next in line');
    while (bot.background.size > 0) {
      investigator.releaseOne();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(investigator.mostAtOnce).toBe(1);
  });
});
