import { dirname, resolve } from 'node:path';
import type { Logger } from '../logging.ts';
import type { RecordedMetricsSource } from '../metrics/recorded.ts';
import type { Stores } from '../stores/index.ts';
import type { TenantsFile } from '../tenancy/organization.ts';
import { loadEstateFile } from './estate-file.ts';
import { loadRunbookDir } from './runbook-dir.ts';

/**
 * Loads the organizations of a tenants file into the directory, and each organization's seed data
 * (estate, runbooks, recorded metrics). Ingestion is idempotent, so this is safe at every start.
 */
export async function applyTenantsFile(file: TenantsFile, tenantsPath: string, stores: Stores, recorded: RecordedMetricsSource, logger: Logger): Promise<void> {
  const base = dirname(tenantsPath);
  for (const org of file.organizations) {
    await stores.tenants.upsertOrganization(org);
    const seed = org.seed;
    if (!seed) continue;
    if (seed.estate) {
      const estate = await loadEstateFile(resolve(base, seed.estate));
      const result = await stores.graph.ingest(org.id, estate);
      logger.info({ orgId: org.id, ...result }, 'seeded estate');
    }
    if (seed.runbooks) {
      const result = await stores.runbooks.upsert(org.id, await loadRunbookDir(resolve(base, seed.runbooks)));
      logger.info({ orgId: org.id, ...result }, 'seeded runbooks');
    }
    if (seed.metrics) await recorded.load(org.id, resolve(base, seed.metrics));
  }
}
