import { describe, expect, it } from 'vitest';
import { closeStores } from '../../src/stores/index.ts';
import { createNeo4jStores, displayUri, migrate, schemaStatements } from '../../src/stores/neo4j/index.ts';
import { mentionCandidates, mentionKey } from '../../src/stores/neo4j/graph.ts';
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
      expect(index.get('cloud_resource_text')).toBe('FULLTEXT ONLINE');
      expect(index.get('cloud_resource_name')).toBe('RANGE ONLINE');
      expect(index.get('cloud_resource_mention_key')).toBe('RANGE ONLINE');
      expect(schemaStatements.every((s) => s.includes('IF NOT EXISTS'))).toBe(true);
    } finally {
      await session.close();
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
