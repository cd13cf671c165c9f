import { MemoryAlertThreadStore } from '../../src/stores/memory/alert-threads.ts';
import { Neo4jAlertThreadStore } from '../../src/stores/neo4j/alert-threads.ts';
import { useNeo4jConnection } from '../support/neo4j.ts';
import { alertThreadStoreContract } from './alert-threads.contract.ts';

alertThreadStoreContract('memory', async () => ({ threads: new MemoryAlertThreadStore() }));

const connection = useNeo4jConnection();
alertThreadStoreContract('neo4j', async () => {
  const threads = new Neo4jAlertThreadStore(await connection());
  return { threads, cleanup: () => threads.close() };
});
