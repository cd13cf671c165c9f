import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import type { TeamsConfig } from '../../src/config.ts';
import { GraphGroupMembership } from './groups.ts';

const publicGraph = 'https://graph.microsoft.com/v1.0';

/**
 * Graph is asked with the bot's own app registration: its client secret (single- and multi-tenant
 * bots, a credential per Entra tenant asked), or its user-assigned managed identity. Without an app
 * id there is no credential, so no group lookups (roles come from member entries and defaultRole).
 */
export function entraGroupMembership(config: TeamsConfig): GraphGroupMembership | undefined {
  const { appId, appPassword, appType, appTenantId, graphUrl = publicGraph } = config;
  if (!appId) return undefined;
  if (appType === 'UserAssignedMSI') {
    const identity = new ManagedIdentityCredential({ clientId: appId });
    return new GraphGroupMembership({ graphUrl, credential: () => identity, ...(appTenantId ? { defaultTenantId: appTenantId } : {}) });
  }
  if (!appPassword) return undefined;
  return new GraphGroupMembership({
    graphUrl,
    credential: (tenantId) => new ClientSecretCredential(tenantId, appId, appPassword),
    ...(appTenantId ? { defaultTenantId: appTenantId } : {}),
  });
}
