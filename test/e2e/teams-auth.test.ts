import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { startTestBot } from '../support/bot.ts';
import { FakeBotFrameworkIssuer, otherKey } from '../support/bot-framework-tokens.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

const appId = '00000000-0000-0000-0000-0000000000b0';
const demoTenant = '00000000-0000-0000-0000-000000000001';

describe('Teams with an app id: every request needs a valid Bot Framework token', () => {
  const issuer = new FakeBotFrameworkIssuer();
  const teams = new FakeTeamsConnector();
  let bot: RunningBot;
  let serviceUrl: string;

  beforeAll(async () => {
    await Promise.all([issuer.start(), teams.start()]);
    serviceUrl = teams.serviceUrl(demoTenant);
    bot = await startTestBot({
      MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'test-client-secret', MICROSOFT_APP_TENANT_ID: demoTenant,
      MICROSOFT_OPENID_METADATA_URL: issuer.metadataUrl,
    });
  });
  afterAll(async () => {
    await bot.stop();
    await Promise.all([issuer.stop(), teams.stop()]);
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  it('refuses a request without a token, with a malformed one, or with a forged or mis-addressed one, and runs nothing', async () => {
    const mention = teamsActivity('channel-mention', serviceUrl);
    const good = { aud: appId, serviceurl: serviceUrl };
    const attempts: [string, string | undefined][] = [
      ['no Authorization header', undefined],
      ['not a bearer token', 'Basic dXNlcjpwYXNz'],
      ['garbage', 'Bearer not.a.jwt'],
      ['signed with another key', `Bearer ${issuer.token(good, { key: otherKey() })}`],
      ['unknown signing key id', `Bearer ${issuer.token(good, { kid: 'someone-elses-key' })}`],
      ['another bot\'s audience', `Bearer ${issuer.token({ ...good, aud: '99999999-9999-9999-9999-999999999999' })}`],
      ['another service URL', `Bearer ${issuer.token({ ...good, serviceurl: 'https://attacker.example/' })}`],
      ['expired', `Bearer ${issuer.token({ ...good, nbf: 1_600_000_000, exp: 1_600_003_600 })}`],
      ['another issuer', `Bearer ${issuer.token({ ...good, iss: 'https://evil.example' })}`],
    ];
    for (const [what, authorization] of attempts) {
      const response = await postActivity(bot.url, mention, authorization);
      expect(response.status, what).toBe(401);
    }
    await settled();
    expect(teams.calls).toHaveLength(0);
    expect(await bot.runtime.stores.references.get('teams', demoTenant, '19:ops0000000000000000000000000000@thread.tacv2')).toBeUndefined();
  });

  it('accepts a token the Bot Connector would send', async () => {
    // A member joining: the bot only records where it is, so no outbound call (and no token from Entra) is needed.
    const update = teamsActivity('conversation-update-install', serviceUrl, (a) => {
      a.membersAdded = [{ id: '29:new-member', aadObjectId: '00000000-0000-0000-0000-0000000000ab' }];
    });
    const response = await postActivity(bot.url, update, `Bearer ${issuer.token({ aud: appId, serviceurl: serviceUrl })}`);
    expect(response.status).toBe(200);
    await settled();
    const stored = await bot.runtime.stores.references.get('teams', demoTenant, '19:team000000000000000000000000000@thread.tacv2');
    expect(stored?.reference).toMatchObject({ serviceUrl });
    expect(teams.calls).toHaveLength(0);
  });
});
