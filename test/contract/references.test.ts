import { MemoryConversationReferenceStore } from '../../src/stores/memory/references.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { referenceStoreContract } from './references.contract.ts';

referenceStoreContract('memory', async () => ({ references: new MemoryConversationReferenceStore() }));

const neo4j = useNeo4jStores();
referenceStoreContract('neo4j', async () => ({ references: (await neo4j()).references }));
