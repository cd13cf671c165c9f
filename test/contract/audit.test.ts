import { MemoryAuditLog } from '../../src/stores/memory/audit.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { auditLogContract } from './audit.contract.ts';

auditLogContract('memory', async () => ({ audit: new MemoryAuditLog() }));

const neo4j = useNeo4jStores();
auditLogContract('neo4j', async () => ({ audit: (await neo4j()).audit }));
