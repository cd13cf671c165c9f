import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { slackBotScopes } from '../../adapters/slack/scopes.ts';
import type { RunningBot } from '../../src/compose.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { startTestBot, testSigningSecret } from '../support/bot.ts';

const form = 'application/x-www-form-urlencoded';

describe('Slack multi-workspace install (OAuth v2) with the installation store', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_API_URL: slack.apiUrl,
      SLACK_CLIENT_ID: 'test-client-id', SLACK_CLIENT_SECRET: 'test-client-secret', SLACK_STATE_SECRET: 'test-state-secret-0123456789',
    });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });

  const settled = () => vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });

  /** What an admin's browser does: open /slack/install, approve on Slack, come back to /slack/oauth_redirect with the code. */
  async function install(code: string): Promise<Response> {
    const start = await fetch(`${bot.url}/slack/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location') ?? '');
    expect(`${authorize.origin}${authorize.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
    expect(authorize.searchParams.get('client_id')).toBe('test-client-id');
    // Exactly the manifests' scopes (adapters/slack/scopes.ts), files:write for charts included.
    expect(authorize.searchParams.get('scope')?.split(',')).toEqual(slackBotScopes);
    expect(slackBotScopes).toContain('files:write');
    const state = authorize.searchParams.get('state') ?? '';
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return fetch(`${bot.url}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`, { headers: { cookie } });
  }

  it('installs into a bound workspace, welcomes the installer, and answers that workspace with its own token', async () => {
    slack.oauthCodes.set('code-globex', { teamId: 'T00000002', teamName: 'Globex', installerId: 'U0000GLOBEX', botToken: 'xoxb-globex-token' });
    const done = await install('code-globex');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Cloud Companion is installed');
    expect(slack.callsOf('oauth.v2.access')).toHaveLength(1);
    const stored = await bot.runtime.stores.installations.find({ teamId: 'T00000002', isEnterpriseInstall: false });
    expect(stored?.installation).toMatchObject({ team: { id: 'T00000002' }, bot: { token: 'xoxb-globex-token', userId: 'UBOT00001' }, user: { id: 'U0000GLOBEX' } });
    const welcome = slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'U0000GLOBEX');
    expect(welcome?.token).toBe('xoxb-globex-token');
    expect(String(welcome?.args.text)).toContain('/cloud help');

    // A signed command from the new workspace is answered with the stored token, with that organization's data.
    slack.reset();
    const response = await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000002', user_id: 'U0000GLOBEX', channel_id: 'C0000GLOBEX', text: 'resource checkout-api', response_url: slack.responseUrl('g') }) });
    expect(response.status).toBe(200);
    await settled();
    const posts = slack.callsOf('chat.postMessage');
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((c) => c.token === 'xoxb-globex-token')).toBe(true);
    expect(slack.visibleText()).toContain('checkout-api');
  });

  it('onboards the installer of a workspace no organization is bound to', async () => {
    slack.reset();
    slack.oauthCodes.set('code-new', { teamId: 'T00000009', teamName: 'Newco', installerId: 'U0000NEWADM', botToken: 'xoxb-newco-token' });
    const done = await install('code-new');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('not connected to an organization yet');
    const dm = slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'U0000NEWADM');
    expect(dm?.token).toBe('xoxb-newco-token');
    expect(String(dm?.args.text)).toMatch(/not connected to a Cloud Companion organization yet.*bindings.*slackTeamId=T00000009/s);
  });

  it('refuses a callback without the state it issued, and answers nothing for a workspace that never installed', async () => {
    slack.reset();
    slack.oauthCodes.set('code-forged', { teamId: 'T00000008', teamName: 'Forged', installerId: 'U0000FORGE', botToken: 'xoxb-forged-token' });
    const forged = await fetch(`${bot.url}/slack/oauth_redirect?code=code-forged&state=made-up`);
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(slack.callsOf('oauth.v2.access')).toHaveLength(0);
    expect(await bot.runtime.stores.installations.find({ teamId: 'T00000008', isEnterpriseInstall: false })).toBeUndefined();

    await postToSlackEndpoint(`${bot.url}/slack/events`, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000007', user_id: 'U1', channel_id: 'C1', text: 'help', response_url: slack.responseUrl('x') }) });
    await settled();
    expect(slack.calls).toHaveLength(0);
    expect(slack.responses).toHaveLength(0);
  });
});
