import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantDirectory } from '../../src/tenancy/directory.ts';
import { OrganizationConfig, type Organization } from '../../src/tenancy/organization.ts';

/**
 * The behaviour every TenantDirectory must have. The directory may be shared with other suites
 * (one server), so every organization and binding id is random and listings are checked for what
 * they contain, not for what else they hold.
 */
export function tenantDirectoryContract(name: string, make: () => Promise<{ tenants: TenantDirectory; cleanup?: () => Promise<void> }>): void {
  describe(`TenantDirectory contract: ${name}`, () => {
    let tenants: TenantDirectory;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ tenants, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('reads an organization back exactly, defaults and all', async () => {
      const org = organization({
        accounts: [{ provider: 'aws', accountId: '111111111111', name: 'prod', roleArn: 'arn:aws:iam::111111111111:role/companion', externalId: `ext-"'{}` }],
        members: [{ platform: 'slack', userId: 'U123', role: 'admin' }],
        channels: [{ platform: 'slack', channelId: 'C1', accounts: ['111111111111'], actions: ['aws.ec2.reboot'], alerts: true }],
        seed: { estate: 'estate.json' },
      });
      await tenants.upsertOrganization(org);
      await expect(tenants.getOrganization(org.id)).resolves.toEqual(org);
      const plain = organization();
      await tenants.upsertOrganization(plain);
      await expect(tenants.getOrganization(plain.id)).resolves.toEqual(plain);
      expect((await tenants.getOrganization(plain.id))?.defaultChannel).toEqual({ accounts: ['*'], actions: [], alerts: false });
    });

    it('returns undefined for an unknown organization', async () => {
      await expect(tenants.getOrganization(`org-${randomUUID()}`)).resolves.toBeUndefined();
    });

    it('lists every organization', async () => {
      const a = organization();
      const b = organization();
      await tenants.upsertOrganization(a);
      await tenants.upsertOrganization(b);
      const listed = await tenants.listOrganizations();
      expect(listed).toContainEqual(a);
      expect(listed).toContainEqual(b);
      expect(listed.filter((o) => o.id === a.id)).toHaveLength(1);
    });

    it('replaces an organization on upsert, bindings included', async () => {
      const team = `T${randomUUID()}`;
      const newTeam = `T${randomUUID()}`;
      const org = organization({ bindings: { slack: { teams: [team], enterprises: [] }, teams: { tenants: [] } } });
      await tenants.upsertOrganization(org);
      const renamed = { ...org, name: 'Renamed', bindings: { slack: { teams: [newTeam], enterprises: [] }, teams: { tenants: [] } } };
      await tenants.upsertOrganization(renamed);
      await expect(tenants.getOrganization(org.id)).resolves.toEqual(renamed);
      await expect(tenants.resolve('slack', { slackTeamId: team })).resolves.toBeUndefined();
      await expect(tenants.resolve('slack', { slackTeamId: newTeam })).resolves.toEqual(renamed);
      expect((await tenants.listOrganizations()).filter((o) => o.id === org.id)).toEqual([renamed]);
    });

    it('resolves Slack teams, Slack enterprises and Teams tenants to their organization', async () => {
      const ids = { team: `T${randomUUID()}`, enterprise: `E${randomUUID()}`, tenant: randomUUID(), otherTeam: `T${randomUUID()}` };
      const grid = organization({ bindings: { slack: { teams: [], enterprises: [ids.enterprise] }, teams: { tenants: [] } } });
      const workspace = organization({ bindings: { slack: { teams: [ids.team], enterprises: [] }, teams: { tenants: [ids.tenant] } } });
      await tenants.upsertOrganization(grid);
      await tenants.upsertOrganization(workspace);
      await expect(tenants.resolve('slack', { slackTeamId: ids.team })).resolves.toEqual(workspace);
      await expect(tenants.resolve('slack', { slackTeamId: ids.otherTeam, slackEnterpriseId: ids.enterprise })).resolves.toEqual(grid);
      // An Enterprise Grid binding wins over a workspace binding.
      await expect(tenants.resolve('slack', { slackTeamId: ids.team, slackEnterpriseId: ids.enterprise })).resolves.toEqual(grid);
      await expect(tenants.resolve('teams', { teamsTenantId: ids.tenant })).resolves.toEqual(workspace);
    });

    it('resolves nothing for unbound workspaces, or ids given for another platform', async () => {
      const ids = { team: `T${randomUUID()}`, tenant: randomUUID() };
      await tenants.upsertOrganization(organization({ bindings: { slack: { teams: [ids.team], enterprises: [] }, teams: { tenants: [ids.tenant] } } }));
      await expect(tenants.resolve('slack', { slackTeamId: `T${randomUUID()}` })).resolves.toBeUndefined();
      await expect(tenants.resolve('slack', {})).resolves.toBeUndefined();
      await expect(tenants.resolve('teams', { slackTeamId: ids.team })).resolves.toBeUndefined();
      await expect(tenants.resolve('slack', { teamsTenantId: ids.tenant })).resolves.toBeUndefined();
      await expect(tenants.resolve('cli', { slackTeamId: ids.team, teamsTenantId: ids.tenant })).resolves.toBeUndefined();
      await expect(tenants.resolve('slack', { slackEnterpriseId: ids.team })).resolves.toBeUndefined();
    });

    it('keeps hostile binding ids and names apart', async () => {
      const suffix = randomUUID();
      const hostile = [`o'brien "x"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, '{', 'name:* OR', '{ Get { Runbook { text } } }'];
      const orgs = hostile.map((h) => organization({ name: h, bindings: { slack: { teams: [`${h}${suffix}`], enterprises: [] }, teams: { tenants: [`${h}${suffix}`] } } }));
      for (const org of orgs) await tenants.upsertOrganization(org);
      for (const [i, h] of hostile.entries()) {
        await expect(tenants.resolve('slack', { slackTeamId: `${h}${suffix}` })).resolves.toEqual(orgs[i]);
        await expect(tenants.resolve('teams', { teamsTenantId: `${h}${suffix}` })).resolves.toEqual(orgs[i]);
        await expect(tenants.getOrganization(orgs[i]?.id ?? '')).resolves.toEqual(orgs[i]);
      }
      await expect(tenants.resolve('slack', { slackTeamId: `*${suffix}` })).resolves.toBeUndefined();
      await expect(tenants.resolve('slack', { slackTeamId: suffix })).resolves.toBeUndefined();
      const listed = await tenants.listOrganizations();
      for (const org of orgs) expect(listed).toContainEqual(org);
    });
  });
}

function organization(fields: Partial<Organization> = {}): Organization {
  return OrganizationConfig.parse({ id: `org-${randomUUID()}`, name: 'Acme', ...fields });
}
