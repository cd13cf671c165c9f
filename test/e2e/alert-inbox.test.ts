import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import type { AlertInbox } from '../../src/stores/alert-inbox.ts';
import { createMemoryStores } from '../../src/stores/memory/index.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';

const pagerDutySecret = 'pd-webhook-secret-0123456789';

/** The inbox of the in-process stores, told to fail its next writes (the database is down). */
function failingOnce(inbox: AlertInbox): AlertInbox & { failures: number } {
  const wrapper = {
    failures: 1,
    add: async (entry: Parameters<AlertInbox['add']>[0]) => {
      if (wrapper.failures > 0) {
        wrapper.failures -= 1;
        throw new Error('Neo4j unavailable');
      }
      await inbox.add(entry);
    },
    claim: inbox.claim.bind(inbox), pending: inbox.pending.bind(inbox), complete: inbox.complete.bind(inbox), close: inbox.close.bind(inbox),
  };
  return wrapper;
}

/**
 * A webhook's 202 means the alerts are stored: when they cannot be, the provider gets 503 (and
 * retries), and its retry of the same delivery is accepted, not dropped as a duplicate.
 */
describe('alert webhook, when the alert inbox cannot be written', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    const stores = createMemoryStores();
    bot = await startTestBot(
      { SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, ALERT_SECRET_DEMO_PAGERDUTY: pagerDutySecret },
      { stores: { ...stores, alertInbox: failingOnce(stores.alertInbox) } },
    );
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  it('answers 503 with Retry-After, posts nothing, and takes the retry of the same delivery', async () => {
    const body = alertFixtureText('pagerduty/incident-triggered.json');
    const signature = createHmac('sha256', pagerDutySecret).update(body).digest('hex');
    const post = () => fetch(`${bot.url}/alerts/pagerduty`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': `v1=${signature}`, 'x-webhook-id': 'b1b2c3d4-0000-4000-8000-00000000inbox' },
    });
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    await expect(refused.json()).resolves.toMatchObject({ error: 'store_unavailable' });
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    expect(slack.callsOf('chat.postMessage')).toEqual([]);

    const retried = await post();
    expect(retried.status).toBe(202);
    await vi.waitFor(() => expect(slack.callsOf('chat.postMessage').length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    // Delivered, then removed from the inbox.
    await expect(bot.runtime.stores.alertInbox.pending(Date.now() + 3_600_000, 100)).resolves.toEqual([]);
    // A third delivery of the same id is the duplicate it is.
    await expect((await post()).json()).resolves.toEqual({ status: 'duplicate' });
  });
});
