import { MemoryAlertInbox } from '../../src/stores/memory/alert-inbox.ts';
import { Neo4jAlertInbox } from '../../src/stores/neo4j/alert-inbox.ts';
import { useNeo4jConnection } from '../support/neo4j.ts';
import { alertInboxContract } from './alert-inbox.contract.ts';

alertInboxContract('memory', async () => ({ inbox: new MemoryAlertInbox() }));

const connection = useNeo4jConnection();
alertInboxContract('neo4j', async () => {
  const inbox = new Neo4jAlertInbox(await connection());
  return { inbox, cleanup: () => inbox.close() };
});
