import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import { useNeo4jStores } from '../support/neo4j.ts';
import { resourceGraphContract } from './graph.contract.ts';

resourceGraphContract('memory', async () => ({ graph: new MemoryResourceGraph() }));

const neo4j = useNeo4jStores();
resourceGraphContract('neo4j', async () => ({ graph: (await neo4j()).graph }));
