import type { ApprovalStore } from '../approvals/types.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import type { AlertInbox } from './alert-inbox.ts';
import type { AlertStormStore } from './alert-storms.ts';
import type { AlertThreadStore } from './alert-threads.ts';
import type { ApiKeyStore } from './api-keys.ts';
import type { AuditLog } from './audit.ts';
import type { ConversationStore } from './conversations.ts';
import type { ResourceGraph } from './graph.ts';
import type { IdempotencyStore } from './idempotency.ts';
import type { InstallationStore } from './installations.ts';
import type { ConversationReferenceStore } from './references.ts';
import type { RunbookIndex } from './runbooks.ts';

/** Every piece of state the bot keeps. Two replicas agree as long as they share these. */
export interface Stores {
  tenants: TenantDirectory;
  graph: ResourceGraph;
  runbooks: RunbookIndex;
  conversations: ConversationStore;
  approvals: ApprovalStore;
  audit: AuditLog;
  idempotency: IdempotencyStore;
  apiKeys: ApiKeyStore;
  /** Where adapters can post without an incoming message (Teams conversation references). */
  references: ConversationReferenceStore;
  /** Alert fingerprint → thread, so a repeat joins its thread (and replicas agree which one). */
  alertThreads: AlertThreadStore;
  /** Per-organization alert storm counters and summaries. */
  alertStorms: AlertStormStore;
  /** Accepted webhook alerts until they reach their threads (survives a restart with Neo4j). */
  alertInbox: AlertInbox;
  /** Slack app installations (multi-workspace OAuth): each workspace's bot token. */
  installations: InstallationStore;
  /** Human-readable names of the backends, for start-up logs and status lines. */
  describe: { graph: string; runbooks: string; state: string };
}

export async function closeStores(stores: Stores): Promise<void> {
  const closers = [stores.graph, stores.runbooks, stores.conversations, stores.approvals, stores.audit, stores.idempotency, stores.apiKeys, stores.references, stores.alertThreads, stores.alertStorms, stores.alertInbox, stores.installations, stores.tenants];
  // Distinct objects only: one Neo4j-backed object may serve several roles.
  await Promise.allSettled([...new Set(closers)].map((store) => store.close()));
}
