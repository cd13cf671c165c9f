import { int, type Neo4jConnection } from './driver.ts';

/**
 * The schema, as idempotent statements. Neo4j Community 5 supports uniqueness constraints on one or
 * several properties (NODE KEY and existence constraints are Enterprise-only), so every tenant-owned
 * node is unique on (orgId, id) and every lookup below starts from an index on orgId.
 */
export const schemaStatements: readonly string[] = [
  // Uniqueness (each constraint also creates the range index that backs it).
  'CREATE CONSTRAINT organization_id IF NOT EXISTS FOR (o:Organization) REQUIRE o.id IS UNIQUE',
  'CREATE CONSTRAINT cloud_account_key IF NOT EXISTS FOR (a:CloudAccount) REQUIRE (a.orgId, a.accountId) IS UNIQUE',
  'CREATE CONSTRAINT cloud_resource_key IF NOT EXISTS FOR (r:CloudResource) REQUIRE (r.orgId, r.id) IS UNIQUE',
  'CREATE CONSTRAINT approval_request_key IF NOT EXISTS FOR (a:ApprovalRequest) REQUIRE (a.orgId, a.id) IS UNIQUE',
  // One pending request per action and organization: `openKey` is set while pending only (nodes without it are not constrained).
  'CREATE CONSTRAINT approval_request_open_key IF NOT EXISTS FOR (a:ApprovalRequest) REQUIRE (a.orgId, a.openKey) IS UNIQUE',
  'CREATE CONSTRAINT conversation_key IF NOT EXISTS FOR (c:Conversation) REQUIRE (c.orgId, c.key) IS UNIQUE',
  'CREATE CONSTRAINT workspace_binding_key IF NOT EXISTS FOR (b:WorkspaceBinding) REQUIRE (b.orgId, b.key) IS UNIQUE',
  'CREATE CONSTRAINT idempotency_key IF NOT EXISTS FOR (k:IdempotencyKey) REQUIRE k.key IS UNIQUE',
  // Global: a request is looked up by its key id alone.
  'CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.keyId IS UNIQUE',
  'CREATE CONSTRAINT conversation_reference_key IF NOT EXISTS FOR (r:ConversationReference) REQUIRE r.key IS UNIQUE',
  'CREATE CONSTRAINT alert_thread_key IF NOT EXISTS FOR (a:AlertThread) REQUIRE (a.orgId, a.fingerprint) IS UNIQUE',
  'CREATE CONSTRAINT alert_storm_window_key IF NOT EXISTS FOR (w:AlertStormWindow) REQUIRE (w.orgId, w.key) IS UNIQUE',
  'CREATE CONSTRAINT alert_storm_summary_key IF NOT EXISTS FOR (s:AlertStormSummary) REQUIRE (s.orgId, s.key) IS UNIQUE',
  'CREATE CONSTRAINT alert_inbox_entry_key IF NOT EXISTS FOR (e:AlertInboxEntry) REQUIRE (e.orgId, e.id) IS UNIQUE',
  'CREATE CONSTRAINT slack_installation_key IF NOT EXISTS FOR (i:SlackInstallation) REQUIRE i.key IS UNIQUE',
  // Lookups.
  'CREATE INDEX cloud_resource_name IF NOT EXISTS FOR (r:CloudResource) ON (r.orgId, r.name)',
  'CREATE INDEX cloud_resource_account IF NOT EXISTS FOR (r:CloudResource) ON (r.orgId, r.accountId)',
  'CREATE INDEX cloud_resource_mention_key IF NOT EXISTS FOR (r:CloudResource) ON (r.orgId, r.mentionKey)',
  'CREATE INDEX cloud_resource_id_lower IF NOT EXISTS FOR (r:CloudResource) ON (r.orgId, r.idLower)',
  'CREATE INDEX workspace_binding_lookup IF NOT EXISTS FOR (b:WorkspaceBinding) ON (b.key)',
  'CREATE INDEX approval_request_created IF NOT EXISTS FOR (a:ApprovalRequest) ON (a.orgId, a.createdAt)',
  // The verification sweeper looks across organizations for what is due.
  'CREATE INDEX approval_request_verify_due IF NOT EXISTS FOR (a:ApprovalRequest) ON (a.verifyDueAt)',
  // The decision sweeper: pending past expiry, approved or executing past their lease.
  'CREATE INDEX approval_request_sweep_at IF NOT EXISTS FOR (a:ApprovalRequest) ON (a.sweepAt)',
  'CREATE INDEX audit_event_seq IF NOT EXISTS FOR (e:AuditEvent) ON (e.orgId, e.seq)',
  'CREATE INDEX audit_event_subject IF NOT EXISTS FOR (e:AuditEvent) ON (e.orgId, e.subjectId)',
  'CREATE INDEX idempotency_expiry IF NOT EXISTS FOR (k:IdempotencyKey) ON (k.expiresAt)',
  'CREATE INDEX alert_thread_expiry IF NOT EXISTS FOR (a:AlertThread) ON (a.expiresAt)',
  'CREATE INDEX alert_storm_window_expiry IF NOT EXISTS FOR (w:AlertStormWindow) ON (w.expiresAt)',
  'CREATE INDEX alert_storm_summary_expiry IF NOT EXISTS FOR (s:AlertStormSummary) ON (s.expiresAt)',
  // The inbox sweeper looks across organizations for entries nobody holds.
  'CREATE INDEX alert_inbox_lease IF NOT EXISTS FOR (e:AlertInboxEntry) ON (e.leaseUntil)',
  'CREATE INDEX api_key_org IF NOT EXISTS FOR (k:ApiKey) ON (k.orgId)',
  // Fuzzy search over names and tags (Lucene), for search tools that want ranked, tokenised matches.
  // The tags JSON is indexed as is: Lucene's standard analyzer splits it into the keys' and values' words.
  'CREATE FULLTEXT INDEX cloud_resource_search IF NOT EXISTS FOR (r:CloudResource) ON EACH [r.name, r.tags]',
];

/**
 * Schema of earlier versions, dropped on start. `cloud_resource_text` indexed a `tagText` property
 * that resources no longer carry (writing it cost every ingest; `cloud_resource_search` replaced it).
 */
export const retiredSchemaStatements: readonly string[] = [
  'DROP INDEX cloud_resource_text IF EXISTS',
];

/** Errors a concurrent migration of the same schema may raise; the schema ends up as wanted. */
const benignCodes = new Set([
  'Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists',
  'Neo.ClientError.Schema.ConstraintAlreadyExists',
  'Neo.ClientError.Schema.IndexAlreadyExists',
]);

/**
 * Applies the schema (idempotent: safe on every start and from several replicas at once), then
 * waits for the indexes to come online so the first queries use them.
 */
export async function migrate(connection: Neo4jConnection, options: { awaitIndexesSeconds?: number } = {}): Promise<void> {
  const session = connection.session('WRITE');
  try {
    for (const statement of [...retiredSchemaStatements, ...schemaStatements]) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          // Schema changes run in their own auto-commit transactions: they cannot share one with data.
          await session.run(statement);
          break;
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code === 'string' && benignCodes.has(code)) break;
          const transient = typeof code === 'string' && code.startsWith('Neo.TransientError.');
          if (!transient || attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
    await session.run('CALL db.awaitIndexes($seconds)', { seconds: int(options.awaitIndexesSeconds ?? 120) });
    // Requests stored before the decision sweeper existed: open ones become visible to it (an approved
    // one stranded by an old version is then run or failed, never left as it was).
    await session.run(`
      MATCH (a:ApprovalRequest) WHERE a.sweepAt IS NULL AND a.state IN ['pending', 'approved', 'executing']
      SET a.sweepAt = CASE a.state WHEN 'pending' THEN a.expiresAt ELSE coalesce(a.leaseUntil, '') END`);
  } finally {
    await session.close();
  }
}
