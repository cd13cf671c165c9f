import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('cloud-companion keys, without shared storage', () => {
  it('refuses to make a key the server could never see, and says what to set', async () => {
    const { code, stdout, stderr } = await runCli(['keys', 'create', '--org', 'demo'], {});
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/NEO4J_URI is not set.*vanish/);
    expect(stderr).toMatch(/Set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD/);
    expect((await runCli(['keys', 'list', '--org', 'demo'], {})).code).toBe(2);
    expect((await runCli(['keys', 'revoke', '0123456789abcdef', '--org', 'demo'], {})).code).toBe(2);
  });

  it('names the roles when given another', async () => {
    const { code, stderr } = await runCli(['keys', 'create', '--org', 'demo', '--role', 'root'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('--role must be viewer, operator or admin, not "root"');
  });
});
