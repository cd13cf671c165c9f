import { MemoryTenantDirectory } from '../../src/stores/memory/tenants.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { tenantDirectoryContract } from './tenants.contract.ts';

tenantDirectoryContract('memory', async () => ({ tenants: new MemoryTenantDirectory() }));

const neo4j = useNeo4jStores();
tenantDirectoryContract('neo4j', async () => ({ tenants: (await neo4j()).tenants }));
