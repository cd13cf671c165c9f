import type { Stores } from '../index.ts';
import { MemoryAlertInbox } from './alert-inbox.ts';
import { MemoryAlertStormStore } from './alert-storms.ts';
import { MemoryAlertThreadStore } from './alert-threads.ts';
import { MemoryApiKeyStore } from './api-keys.ts';
import { MemoryApprovalStore } from './approvals.ts';
import { MemoryAuditLog } from './audit.ts';
import { MemoryConversationStore } from './conversations.ts';
import { MemoryResourceGraph } from './graph.ts';
import { MemoryIdempotencyStore } from './idempotency.ts';
import { MemoryInstallationStore } from './installations.ts';
import { MemoryConversationReferenceStore } from './references.ts';
import { MemoryRunbookIndex } from './runbooks.ts';
import { MemoryTenantDirectory } from './tenants.ts';

export function createMemoryStores(): Stores {
  return {
    tenants: new MemoryTenantDirectory(),
    graph: new MemoryResourceGraph(),
    runbooks: new MemoryRunbookIndex(),
    conversations: new MemoryConversationStore(),
    approvals: new MemoryApprovalStore(),
    audit: new MemoryAuditLog(),
    idempotency: new MemoryIdempotencyStore(),
    apiKeys: new MemoryApiKeyStore(),
    references: new MemoryConversationReferenceStore(),
    alertThreads: new MemoryAlertThreadStore(),
    alertStorms: new MemoryAlertStormStore(),
    alertInbox: new MemoryAlertInbox(),
    installations: new MemoryInstallationStore(),
    describe: { graph: 'in-process graph (embedded)', runbooks: 'in-process BM25 index (embedded)', state: 'in-process (embedded)' },
  };
}
