import { MemoryAlertStormStore } from '../../src/stores/memory/alert-storms.ts';
import { Neo4jAlertStormStore } from '../../src/stores/neo4j/alert-storms.ts';
import { useNeo4jConnection } from '../support/neo4j.ts';
import { alertStormStoreContract } from './alert-storms.contract.ts';

alertStormStoreContract('memory', async () => ({ storms: new MemoryAlertStormStore() }));

const connection = useNeo4jConnection();
alertStormStoreContract('neo4j', async () => {
  const storms = new Neo4jAlertStormStore(await connection());
  return { storms, cleanup: () => storms.close() };
});
