import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closeStores } from '../../src/stores/index.ts';
import { createNeo4jStores, displayUri, migrate, schemaStatements } from '../../src/stores/neo4j/index.ts';
import { Neo4jResourceGraph, mentionCandidates, mentionKey } from '../../src/stores/neo4j/graph.ts';
import { MemoryRunbookIndex } from '../../src/stores/memory/runbooks.ts';
import { isCompanionError } from '../../src/errors.ts';
import { neo4jOptions, useNeo4jConnection } from '../support/neo4j.ts';

/** What is particular to the Neo4j stores, beyond the contracts they share with the in-process ones. */
describe('Neo4j stores', () => {
  const connection = useNeo4jConnection();

  it('fails with store_unavailable naming the server, never the password', async () => {
    const error: unknown = await createNeo4jStores({ uri: 'bolt://127.0.0.1:1', user: 'neo4j', password: 's3cret-pw' }).then(() => undefined, (e: unknown) => e);
    expect(isCompanionError(error) && error.code).toBe('store_unavailable');
    expect(isCompanionError(error) && error.toUserText()).toMatch(/^Cannot reach Neo4j at bolt:\/\/127\.0\.0\.1:1: .+ Check that the server is running/);
    expect(String(isCompanionError(error) && error.toUserText())).not.toContain('s3cret-pw');
  });

  it('names Neo4j and the URI without credentials', async () => {
    expect(displayUri('neo4j+s://alice:pw@db.example.com:7687')).toBe('neo4j+s://db.example.com:7687');
    expect(displayUri('bolt://127.0.0.1:7687')).toBe('bolt://127.0.0.1:7687');
    const stores = await createNeo4jStores(neo4jOptions());
    try {
      expect(stores.describe.graph).toBe(`Neo4j at ${displayUri(neo4jOptions().uri)}`);
      expect(stores.describe.state).toBe(stores.describe.graph);
    } finally {
      // The composition root closes every store of a Stores object; the shared driver closes once.
      await closeStores({ ...stores, runbooks: new MemoryRunbookIndex(), describe: { ...stores.describe, runbooks: 'memory' } });
    }
  });

  it('migrates idempotently, with the uniqueness constraints and indexes of the data model', async () => {
    const db = await connection();
    // An index of an earlier version is dropped by the migration.
    await db.write((tx) => tx.run('CREATE FULLTEXT INDEX cloud_resource_text IF NOT EXISTS FOR (r:CloudResource) ON EACH [r.name, r.tagText]'));
    await migrate(db);
    await migrate(db);
    const session = db.session('READ');
    try {
      const constraints = await session.run<{ name: string; labels: string[]; properties: string[] }>('SHOW CONSTRAINTS YIELD name, labelsOrTypes AS labels, properties');
      const byName = new Map(constraints.records.map((r) => [r.get('name'), `${r.get('labels').join()}(${r.get('properties').join(', ')})`]));
      expect(byName.get('cloud_resource_key')).toBe('CloudResource(orgId, id)');
      expect(byName.get('cloud_account_key')).toBe('CloudAccount(orgId, accountId)');
      expect(byName.get('approval_request_key')).toBe('ApprovalRequest(orgId, id)');
      expect(byName.get('organization_id')).toBe('Organization(id)');
      const indexes = await session.run<{ name: string; type: string; state: string }>('SHOW INDEXES YIELD name, type, state');
      const index = new Map(indexes.records.map((r) => [r.get('name'), `${r.get('type')} ${r.get('state')}`]));
      expect(index.get('cloud_resource_search')).toBe('FULLTEXT ONLINE');
      expect(index.has('cloud_resource_text')).toBe(false);
      expect(index.get('cloud_resource_name')).toBe('RANGE ONLINE');
      expect(index.get('cloud_resource_mention_key')).toBe('RANGE ONLINE');
      expect(schemaStatements.every((s) => s.includes('IF NOT EXISTS'))).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('full-text searches resource names and tag words, one organization at a time', async () => {
    const db = await connection();
    await migrate(db);
    const graph = new Neo4jResourceGraph(db);
    const orgA = `fulltext-a-${randomUUID()}`;
    const orgB = `fulltext-b-${randomUUID()}`;
    const resource = (id: string, name: string, tags: Record<string, string>) => ({ id, provider: 'aws' as const, accountId: '111', type: 'aws.sqs.queue', name, region: 'eu-west-1', state: 'active', tags });
    try {
      await graph.ingest(orgA, { accounts: [], relationships: [], resources: [resource('q1', 'orders-queue', { team: 'Payments "core"', env: 'prod' }), resource('q2', 'audit-queue', { team: 'security' })] });
      await graph.ingest(orgB, { accounts: [], relationships: [], resources: [resource('q1', 'orders-queue', { team: 'payments' })] });
      const search = async (orgId: string, words: string): Promise<string[]> => {
        const result = await db.read((tx) => tx.run<{ id: string }>(`
          CALL db.index.fulltext.queryNodes('cloud_resource_search', $words) YIELD node
          WHERE node.orgId = $orgId
          RETURN node.id AS id ORDER BY id`, { words, orgId }));
        return result.records.map((record) => record.get('id'));
      };
      await db.write((tx) => tx.run('CALL db.awaitIndexes(60)'));
      expect(await search(orgA, 'payments')).toEqual(['q1']);
      expect(await search(orgA, 'core')).toEqual(['q1']);
      expect(await search(orgA, 'audit')).toEqual(['q2']);
      expect(await search(orgA, 'security OR prod')).toEqual(['q1', 'q2']);
      expect(await search(orgB, 'security')).toEqual([]);
    } finally {
      await db.write((tx) => tx.run('MATCH (n) WHERE n.orgId IN $orgs DETACH DELETE n', { orgs: [orgA, orgB] }));
      await graph.close();
    }
  });

  it('looks mentions up by whole words and tokens', () => {
    expect(mentionKey('checkout-api (prod)')).toBe('checkout-api');
    expect(mentionKey('(legacy) Billing')).toBe('legacy');
    expect(mentionKey('日本語サービス')).toBe('');
    const { words, tokens } = mentionCandidates('Is "arn:aws:rds:us-east-1:1:db:orders-db" down? See orders-db.');
    expect(words).toEqual(expect.arrayContaining(['orders-db', 'orders-db.', 'is', 'down']));
    expect(tokens).toContain('arn:aws:rds:us-east-1:1:db:orders-db');
  });
});
