import type { Platform, Role } from '../request.ts';
import type { Organization } from './organization.ts';
import { effectiveRole } from './groups.ts';

export interface EffectiveChannelPolicy {
  accountIds: string[];
  allowedActions: string[];
  alerts: boolean;
}

/** The accounts and actions a channel may use; unlisted channels get the organization's default. */
export function channelPolicy(org: Organization, platform: Platform, channelId: string): EffectiveChannelPolicy {
  const listed = org.channels.find((c) => c.platform === platform && c.channelId === channelId);
  const policy = listed ?? org.defaultChannel;
  const known = org.accounts.map((a) => a.accountId);
  const accountIds = policy.accounts.includes('*') ? known : policy.accounts.filter((a) => known.includes(a));
  const allowedActions = [...policy.actions];
  return { accountIds, allowedActions, alerts: policy.alerts };
}

/** The role from tenants.yaml alone (member entry or default); group roles need the RoleResolver. */
export function roleOf(org: Organization, platform: Platform, userId: string): Role {
  return effectiveRole(org, platform, userId);
}

export function actionAllowed(allowedActions: readonly string[], kind: string): boolean {
  return allowedActions.some((pattern) => pattern === '*' || pattern === kind || (pattern.endsWith('.*') && kind.startsWith(pattern.slice(0, -1))));
}
