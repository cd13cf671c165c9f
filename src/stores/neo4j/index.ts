import type { Logger } from '../../logging.ts';
import type { Stores } from '../index.ts';
import { Neo4jAlertInbox } from './alert-inbox.ts';
import { Neo4jAlertStormStore } from './alert-storms.ts';
import { Neo4jAlertThreadStore } from './alert-threads.ts';
import { Neo4jApiKeyStore } from './api-keys.ts';
import { Neo4jApprovalStore } from './approvals.ts';
import { Neo4jAuditLog } from './audit.ts';
import { Neo4jConversationStore } from './conversations.ts';
import { createDriver, displayUri, Neo4jConnection, verifyConnectivity, type Neo4jTimeouts } from './driver.ts';
import { Neo4jResourceGraph } from './graph.ts';
import { Neo4jIdempotencyStore } from './idempotency.ts';
import { Neo4jInstallationStore } from './installations.ts';
import { migrate } from './migrations.ts';
import { Neo4jConversationReferenceStore } from './references.ts';
import { Neo4jTenantDirectory } from './tenants.ts';

export { Neo4jApiKeyStore } from './api-keys.ts';
export { Neo4jApprovalStore } from './approvals.ts';
export { Neo4jAuditLog } from './audit.ts';
export { Neo4jConversationStore } from './conversations.ts';
export { createDriver, defaultNeo4jTimeouts, displayUri, Neo4jConnection, storeError, verifyConnectivity, type Neo4jOptions, type Neo4jTimeouts } from './driver.ts';
export { Neo4jResourceGraph } from './graph.ts';
export { Neo4jIdempotencyStore } from './idempotency.ts';
export { Neo4jInstallationStore } from './installations.ts';
export { migrate, schemaStatements } from './migrations.ts';
export { Neo4jConversationReferenceStore } from './references.ts';
export { Neo4jTenantDirectory } from './tenants.ts';

/**
 * The stores Neo4j provides: all but the runbook index (Weaviate's or the in-process one), whose
 * `describe.runbooks` line the composition root adds along with it.
 */
export type Neo4jStores = Omit<Stores, 'runbooks' | 'describe'> & { describe: Omit<Stores['describe'], 'runbooks'> };

export interface Neo4jStoreOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
  /** Default: 5 s per transaction, 120 s per ingest chunk (NEO4J_TRANSACTION_TIMEOUT_SECONDS, NEO4J_BULK_TIMEOUT_SECONDS). */
  timeouts?: Neo4jTimeouts;
  logger?: Logger;
}

/**
 * Every store the bot keeps in Neo4j (all but the runbook index), sharing one driver: connects,
 * applies the schema once, and fails with a `store_unavailable` error naming the server when it
 * cannot. The driver closes when every store has been closed.
 */
export async function createNeo4jStores(options: Neo4jStoreOptions): Promise<Neo4jStores> {
  const { logger, ...connection } = options;
  const driver = createDriver(connection);
  try {
    await verifyConnectivity(driver, connection);
    const db = new Neo4jConnection(driver, connection.database, connection.timeouts);
    const started = Date.now();
    await migrate(db);
    logger?.info({ uri: displayUri(connection.uri), database: connection.database ?? '(default)', ms: Date.now() - started }, 'Neo4j schema ready');
    const where = `Neo4j at ${displayUri(connection.uri)}${connection.database ? ` (database ${connection.database})` : ''}`;
    return {
      tenants: new Neo4jTenantDirectory(db),
      graph: new Neo4jResourceGraph(db),
      conversations: new Neo4jConversationStore(db),
      approvals: new Neo4jApprovalStore(db),
      audit: new Neo4jAuditLog(db),
      idempotency: new Neo4jIdempotencyStore(db),
      apiKeys: new Neo4jApiKeyStore(db),
      references: new Neo4jConversationReferenceStore(db),
      alertThreads: new Neo4jAlertThreadStore(db),
      alertStorms: new Neo4jAlertStormStore(db),
      alertInbox: new Neo4jAlertInbox(db),
      installations: new Neo4jInstallationStore(db),
      describe: { graph: where, state: where },
    };
  } catch (error) {
    await driver.close();
    throw error;
  }
}
