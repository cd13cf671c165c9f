import { afterAll, inject } from 'vitest';
import { silentLogger } from '../../src/logging.ts';
import { createDriver, Neo4jConnection, verifyConnectivity } from '../../src/stores/neo4j/driver.ts';
import { createNeo4jStores, type Neo4jStores } from '../../src/stores/neo4j/index.ts';
import { migrate } from '../../src/stores/neo4j/migrations.ts';

/** The Neo4j server of this test run (started or reused by test/setup/services.ts). */
export function neo4jOptions(): { uri: string; user: string; password: string } {
  const services = inject('services');
  return { uri: services.NEO4J_URI, user: services.NEO4J_USER, password: services.NEO4J_PASSWORD };
}

/**
 * The Neo4j-backed stores for one test file: created on first use, shared by the file's tests, and
 * closed (with their driver) after the file. Call it at the top level of a test file or a `describe`
 * block. Tests isolate themselves with random organization ids and keys, so files share one server
 * without cleaning up.
 */
export function useNeo4jStores(): () => Promise<Neo4jStores> {
  let stores: Promise<Neo4jStores> | undefined;
  afterAll(async () => {
    if (stores) await closeNeo4jStores(await stores);
  });
  return () => {
    stores ??= createNeo4jStores({ ...neo4jOptions(), logger: silentLogger() });
    return stores;
  };
}

/**
 * A migrated connection for building stores by hand (e.g. with a test clock), shared by a file's
 * tests. The file holds one reference, so stores built on it may be closed per test.
 */
export function useNeo4jConnection(): () => Promise<Neo4jConnection> {
  let connection: Promise<{ db: Neo4jConnection; release: () => Promise<void> }> | undefined;
  afterAll(async () => {
    if (connection) await (await connection).release();
  });
  return async () => {
    connection ??= (async () => {
      const options = neo4jOptions();
      const driver = createDriver(options);
      try {
        await verifyConnectivity(driver, options);
        const db = new Neo4jConnection(driver, undefined);
        await migrate(db);
        return { db, release: db.acquire() };
      } catch (error) {
        await driver.close();
        throw error;
      }
    })();
    return (await connection).db;
  };
}

export async function closeNeo4jStores(stores: Neo4jStores): Promise<void> {
  const all = [stores.graph, stores.tenants, stores.conversations, stores.approvals, stores.audit, stores.idempotency, stores.apiKeys, stores.references, stores.alertThreads, stores.alertStorms, stores.installations];
  await Promise.all(all.map((store) => store.close()));
}
