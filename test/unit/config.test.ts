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
