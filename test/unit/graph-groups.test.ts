import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphGroupMembership } from '../../adapters/teams/groups.ts';
import { entraAccessToken, FakeGraph } from '../support/fake-graph.ts';

/** A real TokenCredential (the identity library's injection seam) handing out the fake Entra's token, recording the tenants asked. */
class StaticToken implements TokenCredential {
  readonly scopes: string[] = [];
  constructor(readonly tenantId: string) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    return { token: entraAccessToken, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

const user = '00000000-0000-0000-0000-00000000c0c0';
const tenant = '00000000-0000-0000-0000-000000000001';

describe('Entra group membership through Microsoft Graph checkMemberGroups', () => {
  const graph = new FakeGraph();
  const credentials: StaticToken[] = [];
  let membership: GraphGroupMembership;

  beforeAll(async () => {
    await graph.start();
    membership = new GraphGroupMembership({ graphUrl: graph.graphUrl, credential: (t) => { const c = new StaticToken(t); credentials.push(c); return c; }, defaultTenantId: tenant });
  });
  afterAll(async () => {
    await graph.stop();
  });

  it('asks at most 20 groups per call (Graph\'s limit) and returns those the user is in', async () => {
    const groups = Array.from({ length: 25 }, (_, i) => `11111111-0000-0000-0000-${String(i).padStart(12, '0')}`);
    graph.members.set(groups[3] as string, [user]);
    graph.members.set(groups[22] as string, [user]);
    expect([...await membership.memberOf({ userId: user, workspaceId: tenant }, groups)].sort()).toEqual([groups[3], groups[22]].sort());
    expect(graph.calls.map((c) => c.groupIds.length)).toEqual([20, 5]);
    expect(credentials.map((c) => c.tenantId)).toEqual([tenant]);
    expect(credentials[0]?.scopes).toContain('https://graph.microsoft.com/.default');
  });

  it('never asks about a Teams-only id, and names the missing permission when Graph refuses', async () => {
    const calls = graph.calls.length;
    await expect(membership.memberOf({ userId: '29:1-teams-only-id' }, ['g'])).resolves.toEqual([]);
    expect(graph.calls.length).toBe(calls);
    graph.failWith = { status: 403, code: 'Authorization_RequestDenied' };
    await expect(membership.memberOf({ userId: '00000000-0000-0000-0000-00000000dddd' }, ['g'])).rejects.toThrow(/Authorization_RequestDenied.*GroupMember\.Read\.All/);
    graph.failWith = undefined;
  });
});
