import type { Platform } from '../../request.ts';
import { resolveAmong, type TenantDirectory, type WorkspaceIds } from '../../tenancy/directory.ts';
import { OrganizationConfig, type Organization } from '../../tenancy/organization.ts';
import type { Neo4jConnection } from './driver.ts';

/**
 * Organizations in Neo4j: the whole configuration as one JSON document on the Organization node,
 * plus one (:WorkspaceBinding {orgId, key}) per Slack team, Slack enterprise and Teams tenant,
 * indexed on `key`, so `resolve` is one index lookup. The binding rule itself is the shared
 * `resolveAmong`.
 */
export class Neo4jTenantDirectory implements TenantDirectory {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async getOrganization(orgId: string): Promise<Organization | undefined> {
    const config = await this.db.read(async (tx) => {
      const result = await tx.run<{ config: string }>(
        'MATCH (o:Organization {id: $orgId}) WHERE o.config IS NOT NULL RETURN o.config AS config', { orgId });
      return result.records[0]?.get('config');
    });
    return config === undefined ? undefined : parse(config);
  }

  async listOrganizations(): Promise<Organization[]> {
    const configs = await this.db.read(async (tx) => {
      const result = await tx.run<{ config: string }>(
        'MATCH (o:Organization) WHERE o.config IS NOT NULL RETURN o.config AS config ORDER BY o.id');
      return result.records.map((record) => record.get('config'));
    });
    return configs.map(parse);
  }

  async resolve(platform: Platform, ids: WorkspaceIds): Promise<Organization | undefined> {
    const keys = bindingKeysFor(platform, ids);
    if (keys.length === 0) return undefined;
    const configs = await this.db.read(async (tx) => {
      const result = await tx.run<{ config: string }>(`
        MATCH (b:WorkspaceBinding) USING INDEX b:WorkspaceBinding(key) WHERE b.key IN $keys
        MATCH (o:Organization {id: b.orgId})-[:HAS_BINDING]->(b)
        WITH DISTINCT o
        RETURN o.config AS config ORDER BY o.id`, { keys });
      return result.records.map((record) => record.get('config'));
    });
    return resolveAmong(configs.map(parse), platform, ids);
  }

  async upsertOrganization(org: Organization): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (o:Organization {id: $orgId})
        SET o.config = $config, o.name = $name
        WITH o
        OPTIONAL MATCH (o)-[:HAS_BINDING]->(old:WorkspaceBinding {orgId: $orgId})
        WHERE NOT old.key IN $keys
        DETACH DELETE old
        WITH DISTINCT o
        UNWIND $keys AS key
        MERGE (b:WorkspaceBinding {orgId: $orgId, key: key})
        MERGE (o)-[:HAS_BINDING]->(b)`, { orgId: org.id, name: org.name, config: JSON.stringify(org), keys: bindingKeysOf(org) });
    });
  }

  async close(): Promise<void> {
    await this.release();
  }
}

/** Through the schema, so a document written by an older version gets today's defaults (e.g. `approvals`). */
function parse(config: string): Organization {
  return OrganizationConfig.parse(JSON.parse(config));
}

function bindingKeysOf(org: Organization): string[] {
  return [
    ...org.bindings.slack.teams.map((id) => `slack-team:${id}`),
    ...org.bindings.slack.enterprises.map((id) => `slack-enterprise:${id}`),
    ...org.bindings.teams.tenants.map((id) => `teams-tenant:${id}`),
  ];
}

function bindingKeysFor(platform: Platform, ids: WorkspaceIds): string[] {
  if (platform === 'slack') {
    return [
      ...(ids.slackEnterpriseId ? [`slack-enterprise:${ids.slackEnterpriseId}`] : []),
      ...(ids.slackTeamId ? [`slack-team:${ids.slackTeamId}`] : []),
    ];
  }
  if (platform === 'teams' && ids.teamsTenantId) return [`teams-tenant:${ids.teamsTenantId}`];
  return [];
}
