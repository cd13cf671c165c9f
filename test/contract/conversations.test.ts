import { MemoryConversationStore } from '../../src/stores/memory/conversations.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { conversationStoreContract } from './conversations.contract.ts';

conversationStoreContract('memory', async () => ({ conversations: new MemoryConversationStore() }));

const neo4j = useNeo4jStores();
conversationStoreContract('neo4j', async () => ({ conversations: (await neo4j()).conversations }));
