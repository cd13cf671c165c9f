import { installationKey, type InstallationQuery, type InstallationStore, type StoredInstallation } from '../installations.ts';
import type { Neo4jConnection } from './driver.ts';

interface InstallationRow {
  enterpriseId: string | null;
  teamId: string | null;
  isEnterpriseInstall: boolean;
  installation: string;
  installedAt: string;
}

/**
 * Installations in Neo4j, so every replica can answer a workspace installed through another and
 * installs survive restarts: one (:SlackInstallation {key}) per workspace or enterprise under a
 * uniqueness constraint, the installation itself as a JSON string (its shape belongs to Slack).
 */
export class Neo4jInstallationStore implements InstallationStore {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async save(record: StoredInstallation): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run(`
        MERGE (i:SlackInstallation {key: $key})
        SET i.enterpriseId = $enterpriseId, i.teamId = $teamId, i.isEnterpriseInstall = $isEnterpriseInstall,
            i.installation = $installation, i.installedAt = $installedAt`, {
        key: installationKey(record),
        enterpriseId: record.enterpriseId ?? null,
        teamId: record.teamId ?? null,
        isEnterpriseInstall: record.isEnterpriseInstall,
        installation: JSON.stringify(record.installation),
        installedAt: record.installedAt,
      });
    });
  }

  async find(query: InstallationQuery): Promise<StoredInstallation | undefined> {
    const row = await this.db.read(async (tx) => {
      const result = await tx.run<{ i: InstallationRow }>(`
        MATCH (i:SlackInstallation {key: $key})
        RETURN i { .enterpriseId, .teamId, .isEnterpriseInstall, .installation, .installedAt } AS i`, { key: installationKey(query) });
      return result.records[0]?.get('i');
    });
    if (!row) return undefined;
    return {
      ...(row.enterpriseId === null ? {} : { enterpriseId: row.enterpriseId }),
      ...(row.teamId === null ? {} : { teamId: row.teamId }),
      isEnterpriseInstall: row.isEnterpriseInstall,
      installation: JSON.parse(row.installation) as Record<string, unknown>,
      installedAt: row.installedAt,
    };
  }

  async delete(query: InstallationQuery): Promise<void> {
    await this.db.write(async (tx) => {
      await tx.run('MATCH (i:SlackInstallation {key: $key}) DELETE i', { key: installationKey(query) });
    });
  }

  async close(): Promise<void> {
    await this.release();
  }
}
