import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { CompanionError } from '../../src/errors.ts';

const appId = '11111111-2222-3333-4444-555555555555';
const tenantId = '00000000-0000-0000-0000-0000000000aa';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(CompanionError);
    return (error as CompanionError).toUserText();
  }
  throw new Error('expected the settings to be refused');
}

describe('Teams settings', () => {
  it('leaves Teams off with no settings, and turns it on unauthenticated with TEAMS_ENABLED alone', () => {
    expect(loadConfig({}).teams).toBeUndefined();
    expect(loadConfig({ TEAMS_ENABLED: 'true' }).teams).toEqual({ appType: 'SingleTenant' });
  });

  it('turns Teams on with an app id, SingleTenant by default', () => {
    const config = loadConfig({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'secret', MICROSOFT_APP_TENANT_ID: tenantId });
    expect(config.teams).toEqual({ appId, appPassword: 'secret', appTenantId: tenantId, appType: 'SingleTenant' });
    expect(loadConfig({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'secret', MICROSOFT_APP_TENANT_ID: tenantId, TEAMS_ENABLED: 'false' }).teams).toBeUndefined();
  });

  it('reports what each app type needs, without echoing the secret', () => {
    const single = problems({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'hunter2-secret' });
    expect(single).toContain('MICROSOFT_APP_TENANT_ID');
    expect(single).not.toContain('hunter2-secret');
    expect(problems({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_TENANT_ID: tenantId })).toContain('MICROSOFT_APP_PASSWORD: is required for a SingleTenant bot');
    expect(problems({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_TENANT_ID: tenantId, MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_PASSWORD: 'x' })).toContain('must not be set for a UserAssignedMSI bot');
    expect(problems({ MICROSOFT_APP_PASSWORD: 'x' })).toContain('MICROSOFT_APP_ID: is required');
    expect(problems({ MICROSOFT_APP_ID: 'not-a-guid' })).toContain('MICROSOFT_APP_ID: must be a GUID');
    expect(problems({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'x', MICROSOFT_APP_TYPE: 'Multi' })).toContain('MICROSOFT_APP_TYPE');
    expect(loadConfig({ MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'x', MICROSOFT_APP_TYPE: 'MultiTenant' }).teams?.appType).toBe('MultiTenant');
  });
});
