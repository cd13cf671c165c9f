import { MemoryInstallationStore } from '../../src/stores/memory/installations.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { installationStoreContract } from './installations.contract.ts';

installationStoreContract('memory', async () => ({ installations: new MemoryInstallationStore() }));

const neo4j = useNeo4jStores();
installationStoreContract('neo4j', async () => ({ installations: (await neo4j()).installations }));
