import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { TtlCache, type GroupMembershipSource } from '../../src/tenancy/groups.ts';

/** How long a user group's member list is trusted: a removed member keeps the group's role at most this long. */
export const slackGroupCacheMs = 5 * 60 * 1000;

const UsersListResponse = z.object({ ok: z.literal(true), users: z.array(z.string()) });

/**
 * Slack user-group membership for roles granted to groups in tenants.yaml: one
 * `usergroups.users.list` per configured group (scope `usergroups:read`), cached, so a burst of
 * clicks asks Slack once per group rather than once per person.
 */
export class SlackGroupMembership implements GroupMembershipSource {
  readonly platform = 'slack' as const;
  private readonly members: TtlCache<ReadonlySet<string>>;

  constructor(private readonly client: (workspaceId: string | undefined) => Promise<WebClient>, ttlMs = slackGroupCacheMs) {
    this.members = new TtlCache(ttlMs);
  }

  async memberOf(user: { userId: string; workspaceId?: string }, groupIds: readonly string[]): Promise<readonly string[]> {
    const lists = await Promise.all(groupIds.map(async (groupId) => ({ groupId, users: await this.membersOf(groupId, user.workspaceId) })));
    return lists.filter((l) => l.users.has(user.userId)).map((l) => l.groupId);
  }

  private membersOf(groupId: string, workspaceId: string | undefined): Promise<ReadonlySet<string>> {
    return this.members.get(`${workspaceId ?? ''}/${groupId}`, async () => {
      const client = await this.client(workspaceId);
      const teamId = workspaceId?.split(':')[1];
      const response = UsersListResponse.parse(await client.usergroups.users.list({ usergroup: groupId, ...(teamId ? { team_id: teamId } : {}) }));
      return new Set(response.users);
    });
  }
}
