import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging.ts';
import { effectiveRole, GroupDirectories, RoleResolver, TtlCache, type GroupMembershipSource } from '../../src/tenancy/groups.ts';
import { parseTenantsYaml } from '../../src/tenancy/tenants-file.ts';

const yaml = `
version: 1
organizations:
  - id: acme
    name: Acme
    members:
      - { platform: slack, userId: U1, role: admin }
      - { platform: slack, userId: U2, role: viewer }
      - { platform: teams, userId: "00000000-0000-0000-0000-0000000000a1", role: operator }
    groups:
      - { platform: slack, groupId: S1, role: operator }
      - { platform: slack, groupId: S2, role: admin }
      - { platform: teams, groupId: "11111111-0000-0000-0000-000000000001", role: admin }
    defaultRole: viewer
`;
const [acme] = parseTenantsYaml(yaml).organizations;
if (!acme) throw new Error('missing organization');

/** A directory in memory (the port's contract: which of the asked groups the user is in). */
class TableDirectory implements GroupMembershipSource {
  readonly asked: { userId: string; workspaceId?: string; groupIds: readonly string[] }[] = [];
  constructor(readonly platform: 'slack' | 'teams', private readonly table: Record<string, string[]>, private readonly down = false) {}
  async memberOf(user: { userId: string; workspaceId?: string }, groupIds: readonly string[]): Promise<readonly string[]> {
    this.asked.push({ ...user, groupIds });
    if (this.down) throw new Error('directory down');
    return groupIds.filter((g) => this.table[g]?.includes(user.userId));
  }
}

describe('roles from groups', () => {
  it('rejects a group entry for a platform without groups, and keeps groups on read', () => {
    expect(acme.groups.map((g) => g.groupId)).toEqual(['S1', 'S2', '11111111-0000-0000-0000-000000000001']);
    expect(() => parseTenantsYaml(yaml.replace('platform: slack, groupId: S1', 'platform: cli, groupId: S1'))).toThrow(/groups/);
  });

  it('takes the highest of member entry, matching groups and default role', () => {
    expect(effectiveRole(acme, 'slack', 'U9')).toBe('viewer');
    expect(effectiveRole(acme, 'slack', 'U9', ['S1'])).toBe('operator');
    expect(effectiveRole(acme, 'slack', 'U9', ['S1', 'S2'])).toBe('admin');
    // A member entry lower than a group's role does not cap it; one higher is kept.
    expect(effectiveRole(acme, 'slack', 'U2', ['S1'])).toBe('operator');
    expect(effectiveRole(acme, 'slack', 'U1', ['S1'])).toBe('admin');
    // Groups of another platform never count.
    expect(effectiveRole(acme, 'teams', 'U9', ['S2'])).toBe('viewer');
  });

  it('asks only the platform directory, for that platform\'s groups, and falls back when it is down', async () => {
    const directories = new GroupDirectories();
    const slack = new TableDirectory('slack', { S2: ['U9'] });
    directories.register(slack);
    const resolver = new RoleResolver(directories, silentLogger());
    expect(await resolver.roleOf(acme, { platform: 'slack', userId: 'U9' }, 'E1:T1')).toBe('admin');
    expect(slack.asked).toEqual([{ userId: 'U9', workspaceId: 'E1:T1', groupIds: ['S1', 'S2'] }]);
    // Teams has groups but no directory registered: member entry and default role.
    expect(await resolver.roleOf(acme, { platform: 'teams', userId: '00000000-0000-0000-0000-0000000000a1' })).toBe('operator');
    // No groups for the CLI: nothing is asked.
    expect(await resolver.roleOf(acme, { platform: 'cli', userId: 'U9' })).toBe('viewer');
    expect(slack.asked).toHaveLength(1);

    const down = new GroupDirectories();
    down.register(new TableDirectory('slack', { S2: ['U1', 'U9'] }, true));
    const fallback = new RoleResolver(down, silentLogger());
    expect(await fallback.roleOf(acme, { platform: 'slack', userId: 'U9' })).toBe('viewer');
    expect(await fallback.roleOf(acme, { platform: 'slack', userId: 'U1' })).toBe('admin');
  });

  it('caches answers for their time, shares concurrent loads and forgets failures', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(1000, 100, () => now);
    const load = async () => { loads += 1; return loads; };
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load)).toBe(2);
    await expect(cache.get('bad', async () => { throw new Error('down'); })).rejects.toThrow('down');
    expect(await cache.get('bad', load)).toBe(3);
  });
});
