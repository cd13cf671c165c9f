import { MemoryApprovalStore } from '../../src/stores/memory/approvals.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { approvalStoreContract } from './approvals.contract.ts';

approvalStoreContract('memory', async () => ({ approvals: new MemoryApprovalStore() }));

const neo4j = useNeo4jStores();
approvalStoreContract('neo4j', async () => ({ approvals: (await neo4j()).approvals }));
