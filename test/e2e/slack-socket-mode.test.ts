import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeSocketMode } from '../support/fake-socket-mode.ts';
import { startTestBot, testBotToken } from '../support/bot.ts';

const appToken = 'xapp-1-A00000001-test';

describe('Slack over Socket Mode (SLACK_APP_TOKEN): the same handlers, fed from the WebSocket', () => {
  const slack = new FakeSlack();
  const socket = new FakeSocketMode();
  let bot: RunningBot;

  beforeAll(async () => {
    await Promise.all([slack.start(), socket.start()]);
    slack.tokens.set(appToken, 'T00000001');
    slack.socketModeUrl = socket.url;
    // No signing secret and no public URL: Socket Mode needs neither.
    bot = await startTestBot({ SLACK_APP_TOKEN: appToken, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl });
  });
  afterAll(async () => {
    await bot.stop();
    await Promise.all([slack.stop(), socket.stop()]);
  });

  const settled = () => vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });

  it('connects with the app-level token through apps.connections.open, and has no HTTP endpoint', async () => {
    expect(slack.callsOf('apps.connections.open').map((c) => c.token)).toEqual([appToken]);
    expect(socket.connections).toBe(1);
    const post = await fetch(`${bot.url}/slack/events`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
    expect(await post.text()).toContain('Socket Mode');
  });

  it('acks a /cloud command envelope at once and answers in the thread with the bot token', async () => {
    slack.reset();
    const envelopeId = await socket.deliver('slash_commands', {
      token: 'deprecated', team_id: 'T00000001', team_domain: 'demo', channel_id: 'C0000OPS', channel_name: 'ops', user_id: 'U0000OPER', user_name: 'oper',
      command: '/cloud', text: 'resource checkout-db', api_app_id: 'A00000001', is_enterprise_install: 'false', response_url: slack.responseUrl('sm'), trigger_id: '1.2.3',
    });
    expect(socket.acks.map((a) => a.envelope_id)).toContain(envelopeId);
    await settled();
    const [parent] = slack.callsOf('chat.postMessage');
    expect(parent?.args).toMatchObject({ channel: 'C0000OPS', text: expect.stringContaining('resource checkout-db') });
    expect(parent?.token).toBe(testBotToken);
    const thread = slack.thread(parent?.ts as string);
    expect(thread).toHaveLength(1);
    expect(JSON.stringify(thread[0]?.args.blocks)).toContain('checkout-db');
  });

  it('answers an @mention once, even when Slack redelivers the event with a retry attempt', async () => {
    slack.reset();
    const payload = {
      token: 'deprecated', team_id: 'T00000001', api_app_id: 'A00000001', type: 'event_callback', event_id: 'Ev00000SM001', event_time: 1700000000,
      authorizations: [{ enterprise_id: null, team_id: 'T00000001', user_id: 'UBOT00001', is_bot: true, is_enterprise_install: false }],
      event: { type: 'app_mention', user: 'U0000OPER', text: '<@UBOT00001> deps checkout-db', ts: '1700000200.000100', channel: 'C0000OPS', event_ts: '1700000200.000100' },
    };
    await socket.deliver('events_api', payload, { retry_attempt: 0, retry_reason: '' });
    await socket.deliver('events_api', payload, { retry_attempt: 1, retry_reason: 'timeout' });
    await settled();
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(String(slack.thread('1700000200.000100')[0]?.args.text)).toMatch(/checkout-db depends on/);
  });
});
