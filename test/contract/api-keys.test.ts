import { MemoryApiKeyStore } from '../../src/stores/memory/api-keys.ts';
import { Neo4jApiKeyStore } from '../../src/stores/neo4j/api-keys.ts';
import { useNeo4jConnection } from '../support/neo4j.ts';
import { apiKeyStoreContract } from './api-keys.contract.ts';

apiKeyStoreContract('memory', async () => ({ apiKeys: new MemoryApiKeyStore() }));

const connection = useNeo4jConnection();
apiKeyStoreContract('neo4j', async () => {
  const apiKeys = new Neo4jApiKeyStore(await connection());
  return { apiKeys, cleanup: () => apiKeys.close() };
});
