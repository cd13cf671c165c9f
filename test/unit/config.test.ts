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
    expect(single).toEqual({ signingSecret: 's', botToken: 'xoxb-1' });
    const oauth = { SLACK_CLIENT_ID: '123.456', SLACK_CLIENT_SECRET: 'client-secret', SLACK_STATE_SECRET: 'a-long-random-state-secret' };
    expect(loadConfig({ SLACK_SIGNING_SECRET: 's', ...oauth }).slack).toEqual({ signingSecret: 's', oauth: { clientId: '123.456', clientSecret: 'client-secret', stateSecret: 'a-long-random-state-secret' } });
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 's', SLACK_CLIENT_ID: '123.456' })).toThrow(/SLACK_CLIENT_SECRET, SLACK_STATE_SECRET: multi-workspace install needs all of/);
    expect(() => loadConfig(oauth)).toThrow(/SLACK_SIGNING_SECRET: Slack needs SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 's', ...oauth, SLACK_STATE_SECRET: 'short' })).toThrow(/SLACK_STATE_SECRET: must be at least 16/);
    // Socket Mode: the app-level token and the bot token, no signing secret; not with the OAuth trio.
    expect(loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-x', SLACK_BOT_TOKEN: 'xoxb-1' }).slack).toEqual({ appToken: 'xapp-1-A1-x', botToken: 'xoxb-1' });
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-x' })).toThrow(/SLACK_BOT_TOKEN: Socket Mode/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xoxb-wrong', SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_APP_TOKEN: must be an app-level token/);
    expect(() => loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-x', SLACK_SIGNING_SECRET: 's', ...oauth })).toThrow(/SLACK_APP_TOKEN: Socket Mode runs with one SLACK_BOT_TOKEN/);
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
