import { MemoryIdempotencyStore } from '../../src/stores/memory/idempotency.ts';
import { Neo4jIdempotencyStore } from '../../src/stores/neo4j/idempotency.ts';
import { useNeo4jConnection } from '../support/neo4j.ts';
import { idempotencyStoreContract } from './idempotency.contract.ts';

idempotencyStoreContract('memory', async (now) => ({ idempotency: new MemoryIdempotencyStore(now) }));

const connection = useNeo4jConnection();
idempotencyStoreContract('neo4j', async (now) => {
  const idempotency = new Neo4jIdempotencyStore(await connection(), now);
  return { idempotency, cleanup: () => idempotency.close() };
});
