import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountDiagram, neighbourhoodDiagram } from '../../src/diagrams/build.ts';
import { toMermaid } from '../../src/diagrams/mermaid.ts';
import { loadEstateFile } from '../../src/seed/estate-file.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import type { CloudResource, ResourceGraph } from '../../src/stores/graph.ts';
import { useNeo4jStores } from '../support/neo4j.ts';

const neo4j = useNeo4jStores();

/** The demo estate in a fresh organization of both stores. */
async function seeded(): Promise<{ orgId: string; graphs: [string, ResourceGraph][]; accounts: string[] }> {
  const estate = await loadEstateFile(new URL('../../src/demo/estate/demo.yaml', import.meta.url).pathname);
  const orgId = `diagrams-${randomUUID()}`;
  const memory = new MemoryResourceGraph();
  const { graph } = await neo4j();
  await Promise.all([memory.ingest(orgId, estate), graph.ingest(orgId, estate)]);
  return { orgId, graphs: [['memory', memory], ['neo4j', graph]], accounts: estate.accounts.map((a) => a.accountId) };
}

describe('diagrams on Neo4j draw what the in-memory graph draws', () => {
  it('the same neighbourhood and account topology, and nothing outside the channel\'s accounts', async () => {
    const { orgId, graphs, accounts } = await seeded();
    const texts: Record<string, string[]> = {};
    for (const [name, graph] of graphs) {
      const scope = { orgId, accountIds: accounts };
      const [focus] = await graph.findResources(scope, { text: 'checkout-api', limit: 1 });
      expect(focus?.name).toBe('checkout-api');
      const around = await neighbourhoodDiagram(graph, scope, [focus as CloudResource], 'checkout-api');
      // One account only: the diagram stays inside it.
      const prod = await accountDiagram(graph, { orgId, accountIds: ['111111111111'] }, 'account 111111111111');
      expect(prod.nodes.every((n) => (n.kind === 'resource' ? n.resource.accountId : n.accountId) === '111111111111')).toBe(true);
      texts[name] = [toMermaid(around, 'alt'), toMermaid(prod, 'alt')];
      expect(around.edges.length).toBeGreaterThan(5);
    }
    expect(texts.neo4j).toEqual(texts.memory);
  });
});
