import { describeError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import { roleAtLeast, type Platform, type Role } from '../request.ts';
import type { Organization } from './organization.ts';

/**
 * Roles granted to platform groups (Slack user groups, Entra groups). Which groups a person is in
 * lives in the platform's directory, so adapters answer that through this port; the core never
 * imports a platform SDK.
 */
export interface GroupMembershipSource {
  readonly platform: Platform;
  /**
   * Which of `groupIds` the user belongs to. `workspaceId` is the conversation-key form of the
   * workspace (Slack `enterprise:team`, Teams tenant id) when known. Throws when the directory
   * cannot be asked; the caller then falls back to the explicit roles.
   */
  memberOf(user: { userId: string; workspaceId?: string }, groupIds: readonly string[]): Promise<readonly string[]>;
}

/** The membership sources registered at compose time, by platform. */
export class GroupDirectories {
  private readonly byPlatform = new Map<Platform, GroupMembershipSource>();

  register(source: GroupMembershipSource): void {
    this.byPlatform.set(source.platform, source);
  }

  get(platform: Platform): GroupMembershipSource | undefined {
    return this.byPlatform.get(platform);
  }
}

/** The highest of the member entry, the roles of the matching groups and the default role. */
export function effectiveRole(org: Organization, platform: Platform, userId: string, memberOfGroups: readonly string[] = []): Role {
  const member = org.members.find((m) => m.platform === platform && m.userId === userId)?.role;
  const fromGroups = org.groups.filter((g) => g.platform === platform && memberOfGroups.includes(g.groupId)).map((g) => g.role);
  return [org.defaultRole, ...(member ? [member] : []), ...fromGroups].reduce((best, role) => (roleAtLeast(role, best) ? role : best));
}

/**
 * Resolves a person's role in an organization, asking the platform's directory only when the
 * organization grants roles to groups on that platform. A directory that cannot be reached never
 * blocks anyone: the explicit member entry and the default role still apply, and it is logged.
 */
export class RoleResolver {
  constructor(private readonly directories: GroupDirectories, private readonly logger: Logger) {}

  async roleOf(org: Organization, actor: { platform: Platform; userId: string }, workspaceId?: string): Promise<Role> {
    const groupIds = [...new Set(org.groups.filter((g) => g.platform === actor.platform).map((g) => g.groupId))];
    if (groupIds.length === 0) return effectiveRole(org, actor.platform, actor.userId);
    const source = this.directories.get(actor.platform);
    if (!source) {
      this.logger.warn({ orgId: org.id, platform: actor.platform }, `tenants.yaml grants roles to ${actor.platform} groups, but ${actor.platform} is not connected; using member entries and defaultRole`);
      return effectiveRole(org, actor.platform, actor.userId);
    }
    try {
      const groups = await source.memberOf({ userId: actor.userId, ...(workspaceId ? { workspaceId } : {}) }, groupIds);
      return effectiveRole(org, actor.platform, actor.userId, groups);
    } catch (error) {
      this.logger.warn({ orgId: org.id, platform: actor.platform, userId: actor.userId, err: error }, `group directory unreachable (${describeError(error)}); using member entries and defaultRole`);
      return effectiveRole(org, actor.platform, actor.userId);
    }
  }
}

/**
 * A small time-bounded cache of directory answers. Concurrent lookups of one key share one call;
 * failures are not kept, so the next lookup asks again.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { expires: number; value: Promise<V> }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 10_000, private readonly now: () => number = Date.now) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const value = load();
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { expires: this.now() + this.ttlMs, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  private evictOldest(): void {
    const first = this.entries.keys().next();
    if (!first.done) this.entries.delete(first.value);
  }
}
