import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { CompanionError } from '../../src/errors.ts';

describe('configuration', () => {
  it('runs on the embedded default with no settings at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.slack).toBeUndefined();
    expect(config.neo4j).toBeUndefined();
    expect(config.tenantsFile).toMatch(/src\/demo\/tenants\.yaml$/);
  });

  it('lists every bad setting in one message, with what to do', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SLACK_SIGNING_SECRET: 'abc', NEO4J_URI: 'http://db', WEAVIATE_URL: 'not a url', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CompanionError);
    const message = (error as CompanionError).toUserText();
    for (const name of ['PORT', 'SLACK_BOT_TOKEN', 'NEO4J_URI', 'WEAVIATE_URL', 'LOG_LEVEL']) expect(message).toContain(name);
    expect(message).toContain('README');
  });

  it('runs Slack with one bot token, or with the OAuth trio for many workspaces, never half of either', () => {
    const single = loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' }).slack;
    expect(single).toEqual({ signingSecret: 's', botToken: 'xoxb-1', apiTimeoutMs: 10_000 });
    const oauth = { SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'client-secret', SLACK_STATE_SECRET: 'a-long-random-state-secret' };
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', ...oauth }).slack).toEqual({ signingSecret: 's', apiTimeoutMs: 10_000, oauth: { clientId: '123.456', clientSecret: 'client-secret', stateSecret: 'a-long-random-state-secret' } });
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '123.456' })).toThrow(/SLACK_CLIENT_SECRET, SLACK_STATE_SECRET: multi-workspace install needs all of/);
    expect(() => loadConfig(oauth)).toThrow(/SLACK_SIGNING_SECRET: Slack needs SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 's', ...oauth, SLACK_STATE_SECRET: 'short' })).toThrow(/SLACK_STATE_SECRET: must be at least 16/);
    // Socket Mode: the app-level token and the bot token, no signing secret; not with the OAuth trio.
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-x', SLACK_BOT_TOKEN: 'xoxb-1' }).slack).toEqual({ appToken: 'xapp-1-A1-x', botToken: 'xoxb-1', apiTimeoutMs: 10_000 });
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-x' })).toThrow(/SLACK_BOT_TOKEN: Socket Mode/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xoxb-wrong', SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_APP_TOKEN: must be an app-level token/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-x', SLACK_SIGNING_SECRET: 's', ...oauth })).toThrow(/SLACK_APP_TOKEN: Socket Mode runs with one SLACK_BOT_TOKEN/);
  });

  it('listens on loopback by default while Teams runs unauthenticated, and where HOST says otherwise', () => {
    expect(loadConfig({})).toMatchObject({ host: '0.0.0.0', hostReason: 'default' });
    expect(loadConfig({ TEAMS_ENABLED: 'true' })).toMatchObject({ host: '127.0.0.1', hostReason: 'loopback_unauthenticated' });
    expect(loadConfig({ TEAMS_ENABLED: 'true', HOST: '0.0.0.0' })).toMatchObject({ host: '0.0.0.0', hostReason: 'configured' });
    const authenticated = { MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TENANT_ID: '00000000-0000-0000-0000-000000000002' };
    expect(loadConfig(authenticated)).toMatchObject({ host: '0.0.0.0', hostReason: 'default' });
  });

  it('bounds every outbound call with a documented default', () => {
    const config = loadConfig({ NEO4J_URI: 'bolt://db:7687', NEO4J_PASSWORD: 'p', SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(config.neo4j?.timeouts).toEqual({ transactionMs: 5_000, bulkMs: 120_000 });
    expect(config.slack?.apiTimeoutMs).toBe(10_000);
    expect(config.api.loginFailures).toEqual({ perSourcePerMinute: 10, perKeyPerMinute: 30 });
    expect(loadConfig({ NEO4J_URI: 'bolt://db:7687', NEO4J_PASSWORD: 'p', NEO4J_TRANSACTION_TIMEOUT_SECONDS: '2.5' }).neo4j?.timeouts?.transactionMs).toBe(2_500);
  });

  it('never echoes secret values in its errors', () => {
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 'super-secret-value', SLACK_BOT_TOKEN: 'not-a-token' })).toThrow(CompanionError);
    try {
      loadConfig({ SLACK_SIGNING_SECRET: 'super-secret-value', SLACK_BOT_TOKEN: 'not-a-token' });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('super-secret-value');
      expect(String((error as Error).message)).not.toContain('not-a-token');
    }
  });
});
