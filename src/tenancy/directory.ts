import type { Platform } from '../request.ts';
import type { Organization } from './organization.ts';

/** Platform ids that identify a workspace: a Slack team / Enterprise Grid org, or a Teams tenant. */
export interface WorkspaceIds {
  slackTeamId?: string;
  slackEnterpriseId?: string;
  teamsTenantId?: string;
}

/** Organizations and their bindings (Neo4j in production, in-process by default). */
export interface TenantDirectory {
  getOrganization(orgId: string): Promise<Organization | undefined>;
  listOrganizations(): Promise<Organization[]>;
  /** The organization bound to these workspace ids, if any. */
  resolve(platform: Platform, ids: WorkspaceIds): Promise<Organization | undefined>;
  upsertOrganization(org: Organization): Promise<void>;
  close(): Promise<void>;
}

/**
 * The binding rule, shared by every directory implementation: an Enterprise Grid org-wide binding
 * wins over a workspace binding; a Teams tenant maps one-to-one.
 */
export function bindingMatches(org: Organization, platform: Platform, ids: WorkspaceIds): 'enterprise' | 'team' | undefined {
  if (platform === 'slack') {
    if (ids.slackEnterpriseId && org.bindings.slack.enterprises.includes(ids.slackEnterpriseId)) return 'enterprise';
    if (ids.slackTeamId && org.bindings.slack.teams.includes(ids.slackTeamId)) return 'team';
  }
  if (platform === 'teams' && ids.teamsTenantId && org.bindings.teams.tenants.includes(ids.teamsTenantId)) return 'team';
  return undefined;
}

export function resolveAmong(orgs: readonly Organization[], platform: Platform, ids: WorkspaceIds): Organization | undefined {
  return orgs.find((org) => bindingMatches(org, platform, ids) === 'enterprise')
    ?? orgs.find((org) => bindingMatches(org, platform, ids) === 'team');
}
