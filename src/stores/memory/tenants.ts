import type { Platform } from '../../request.ts';
import { resolveAmong, type TenantDirectory, type WorkspaceIds } from '../../tenancy/directory.ts';
import type { Organization } from '../../tenancy/organization.ts';

export class MemoryTenantDirectory implements TenantDirectory {
  private readonly orgs = new Map<string, Organization>();

  constructor(orgs: readonly Organization[] = []) {
    for (const org of orgs) this.orgs.set(org.id, structuredClone(org));
  }

  async getOrganization(orgId: string): Promise<Organization | undefined> {
    const org = this.orgs.get(orgId);
    return org && structuredClone(org);
  }

  async listOrganizations(): Promise<Organization[]> {
    return [...this.orgs.values()].map((org) => structuredClone(org));
  }

  async resolve(platform: Platform, ids: WorkspaceIds): Promise<Organization | undefined> {
    const org = resolveAmong([...this.orgs.values()], platform, ids);
    return org && structuredClone(org);
  }

  async upsertOrganization(org: Organization): Promise<void> {
    this.orgs.set(org.id, structuredClone(org));
  }

  async close(): Promise<void> {}
}
