import { describeError } from '../errors.ts';
import type { Platform, Role } from '../request.ts';
import type { ApiKeyStore } from '../stores/api-keys.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import { effectiveRole, type RoleResolver } from '../tenancy/groups.ts';
import type { CloudAccountConfig, Organization } from '../tenancy/organization.ts';
import { personOf, type Identity } from '../tenancy/people.ts';
import { channelPolicy } from '../tenancy/policy.ts';

/** What a decision or an execution needs to know, read fresh from the tenants store each time. */
export interface ApprovalPolicy {
  role: Role;
  /** Action kinds the channel enables (patterns, as in tenants.yaml). */
  allowedActions: readonly string[];
  /** Accounts the channel may use. */
  accountIds: readonly string[];
  /** The requester of a high-risk action may not approve it themselves. */
  fourEyes: boolean;
  /** The actor is the same person as the query's `requester` (src/tenancy/people.ts), on whichever surface each acted. */
  actorIsRequester: boolean;
  account(accountId: string): CloudAccountConfig | undefined;
}

export type PolicyRead = { ok: true; policy: ApprovalPolicy } | { ok: false; message: string };

export interface PolicyQuery {
  orgId: string;
  actor: { platform: Platform; userId: string };
  /** `workspaceId`: the conversation-key workspace, so a group lookup asks the right directory. */
  channel: { platform: Platform; channelId: string; workspaceId?: string };
  /** Who requested the action being decided, to compare people for the four-eyes rule. */
  requester?: { platform: Platform; userId: string };
}

/**
 * Reads role and channel policy for a decision. Fails closed: a store that cannot be read or an
 * organization that is gone gives `ok: false` with the reason, and the caller denies.
 */
export interface ApprovalPolicySource {
  read(query: PolicyQuery): Promise<PolicyRead>;
}

/** How the HTTP API names the actor of a request made with an API key (src/api/handlers.ts). */
export const apiKeyActorPrefix = 'apikey:';

/**
 * Roles from the tenants store: the highest of the member entry, the roles of the person's groups
 * (asked of the platform's directory) and the organization's default role; an HTTP API key (actor `apikey:<keyId>`) has the role it was created with, read
 * again here so a revoked or expired key decides nothing.
 */
export class TenantPolicySource implements ApprovalPolicySource {
  constructor(private readonly tenants: TenantDirectory, private readonly apiKeys?: ApiKeyStore, private readonly now: () => Date = () => new Date(), private readonly roles?: RoleResolver) {}

  async read(query: PolicyQuery): Promise<PolicyRead> {
    let org: Organization | undefined;
    let role: Role | undefined;
    let actorIsRequester = false;
    try {
      org = await this.tenants.getOrganization(query.orgId);
      if (org && query.actor.platform === 'api') {
        const key = await this.apiKeyRole(query.orgId, query.actor.userId);
        if (!key.ok) return key;
        role = key.role;
      }
      if (org && query.requester) actorIsRequester = await this.person(org, query.actor) === await this.person(org, query.requester);
    } catch (error) {
      return { ok: false, message: `I could not read this workspace's roles and channel policy (${describeError(error)}), so nothing was run. Try again in a minute; if it keeps failing, an admin should check the tenants store.` };
    }
    if (!org) return { ok: false, message: `Organization "${query.orgId}" is not configured any more, so nothing was run.` };
    // Group roles are read again at click time: someone removed from a group loses its role within the cache time.
    role ??= await this.roles?.roleOf(org, query.actor, query.channel.workspaceId);
    return { ok: true, policy: { ...policyOf(org, query, role), actorIsRequester } };
  }

  /** An API key is the person who created it unless tenants.yaml links it (src/tenancy/people.ts). */
  private async person(org: Organization, identity: Identity): Promise<string> {
    if (identity.platform !== 'api') return personOf(org, identity);
    const keyId = identity.userId.startsWith(apiKeyActorPrefix) ? identity.userId.slice(apiKeyActorPrefix.length) : identity.userId;
    const key = this.apiKeys ? await this.apiKeys.find(keyId) : undefined;
    return personOf(org, identity, key?.orgId === org.id ? key.createdBy : undefined);
  }

  private async apiKeyRole(orgId: string, userId: string): Promise<{ ok: true; role: Role } | { ok: false; message: string }> {
    const keyId = userId.startsWith(apiKeyActorPrefix) ? userId.slice(apiKeyActorPrefix.length) : undefined;
    const key = keyId && this.apiKeys ? await this.apiKeys.find(keyId) : undefined;
    if (!key || key.orgId !== orgId) return { ok: false, message: 'This API key is not known to this organization, so nothing was run.' };
    if (key.revokedAt) return { ok: false, message: `This API key was revoked at ${key.revokedAt}, so nothing was run.` };
    if (key.expiresAt && Date.parse(key.expiresAt) <= this.now().getTime()) return { ok: false, message: `This API key expired at ${key.expiresAt}, so nothing was run.` };
    return { ok: true, role: key.role };
  }
}

/** The policy of one actor in one channel; `role` overrides the member lookup (API keys carry their own). */
export function policyOf(org: Organization, query: PolicyQuery, role?: Role): ApprovalPolicy {
  const channel = channelPolicy(org, query.channel.platform, query.channel.channelId);
  const accounts = new Map(org.accounts.map((a) => [a.accountId, a]));
  return {
    role: role ?? effectiveRole(org, query.actor.platform, query.actor.userId),
    allowedActions: channel.allowedActions,
    accountIds: channel.accountIds,
    fourEyes: org.approvals.fourEyes,
    actorIsRequester: query.requester !== undefined && query.requester.platform === query.actor.platform && query.requester.userId === query.actor.userId,
    account: (accountId) => accounts.get(accountId),
  };
}
