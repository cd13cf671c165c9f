import type { CloudAccountRecord } from '../estate.ts';
import {
  covers, goneState, matchesResourceQuery,
  type CloudResource, type GraphResource, type GraphScope, type IngestOptions, type IngestResult, type Neighbour, type Relationship, type RelationshipType,
  type ResourceCounts, type ResourceGraph, type ResourceQuery,
} from '../graph.ts';
import { mentionScore } from '../mentions.ts';

interface OrgGraph {
  resources: Map<string, GraphResource>;
  outgoing: Map<string, Relationship[]>;
  incoming: Map<string, Relationship[]>;
}

const defaultLimit = 25;

/** The embedded resource graph: same contract as the Neo4j store, held in process memory. */
export class MemoryResourceGraph implements ResourceGraph {
  private readonly orgs = new Map<string, OrgGraph>();

  async ingest(orgId: string, estate: { accounts: readonly CloudAccountRecord[]; resources: readonly CloudResource[]; relationships: readonly Relationship[] }, options: IngestOptions = {}): Promise<IngestResult> {
    const graph = this.orgGraph(orgId);
    const accounts = new Set([...estate.accounts.map((a) => a.accountId), ...estate.resources.map((r) => r.accountId)]);
    const incomingIds = new Set(estate.resources.map((r) => r.id));
    const crawl = options.crawl;
    // From a crawl, only what it covered is replaced; a file replaces its accounts whole.
    const replaced = (r: CloudResource): boolean => accounts.has(r.accountId) && (!crawl || covers(crawl.covered, r));
    let removed = 0;
    for (const [id, resource] of graph.resources) {
      if (!replaced(resource) || incomingIds.has(id)) continue;
      if (!crawl) graph.resources.delete(id);
      else if (resource.goneAt !== undefined) continue;
      else graph.resources.set(id, { ...resource, state: goneState, goneAt: crawl.observedAt.toISOString() });
      removed += 1;
    }
    for (const resource of estate.resources) {
      const { lastSeenAt: _seen, goneAt: _gone, ...plain } = structuredClone(resource as GraphResource);
      graph.resources.set(resource.id, crawl ? { ...plain, lastSeenAt: crawl.observedAt.toISOString() } : plain);
    }
    // Relationships of the re-ingested accounts are replaced as a whole, so removed edges disappear.
    // A crawl replaces an edge only when it covered both ends: an edge into a service that failed stays.
    const touches = (rel: Relationship): boolean => {
      const from = graph.resources.get(rel.from);
      if (from === undefined) return true;
      const to = graph.resources.get(rel.to);
      return replaced(from) && (!crawl || to === undefined || !accounts.has(to.accountId) || covers(crawl.covered, to));
    };
    const kept = [...graph.outgoing.values()].flat().filter((rel) => !touches(rel) && graph.resources.has(rel.to));
    const added = estate.relationships.filter((rel) => graph.resources.has(rel.from) && graph.resources.has(rel.to));
    graph.outgoing.clear();
    graph.incoming.clear();
    const unique = new Map<string, Relationship>();
    for (const rel of [...kept, ...added]) unique.set(`${rel.from}\u0000${rel.type}\u0000${rel.to}`, rel);
    for (const rel of unique.values()) {
      push(graph.outgoing, rel.from, rel);
      push(graph.incoming, rel.to, rel);
    }
    options.onProgress?.({ phase: 'resources', done: estate.resources.length, total: estate.resources.length });
    options.onProgress?.({ phase: 'relationships', done: estate.relationships.length, total: estate.relationships.length });
    return { resources: estate.resources.length, relationships: added.length, removed };
  }

  async getResource(scope: GraphScope, id: string): Promise<GraphResource | undefined> {
    const resource = this.visible(scope).get(id);
    return resource && structuredClone(resource);
  }

  async findResources(scope: GraphScope, query: ResourceQuery): Promise<GraphResource[]> {
    const matches = [...this.visible(scope).values()].filter((r) => matchesResourceQuery(r, query));
    return sortByName(matches).slice(0, query.limit ?? defaultLimit).map((r) => structuredClone(r));
  }

  async resolveMentions(scope: GraphScope, text: string, limit = 5): Promise<CloudResource[]> {
    return [...this.visible(scope).values()]
      .map((resource) => ({ resource, score: mentionScore(text, resource) }))
      .filter((m) => m.score > 0)
      .sort((a, b) => b.score - a.score || a.resource.name.localeCompare(b.resource.name))
      .slice(0, limit)
      .map((m) => structuredClone(m.resource));
  }

  async dependencies(scope: GraphScope, id: string, depth: number): Promise<Neighbour[]> {
    return this.walk(scope, id, depth, 'out');
  }

  async dependents(scope: GraphScope, id: string, depth: number): Promise<Neighbour[]> {
    return this.walk(scope, id, depth, 'in');
  }

  async path(scope: GraphScope, fromId: string, toId: string, maxDepth = 6): Promise<CloudResource[]> {
    const visible = this.visible(scope);
    const graph = this.orgGraph(scope.orgId);
    if (!visible.has(fromId) || !visible.has(toId)) return [];
    const previous = new Map<string, string | null>([[fromId, null]]);
    let frontier = [fromId];
    for (let hop = 0; hop < maxDepth && frontier.length > 0 && !previous.has(toId); hop += 1) {
      const next: string[] = [];
      for (const id of frontier) {
        const neighbours = [...(graph.outgoing.get(id) ?? []).map((r) => r.to), ...(graph.incoming.get(id) ?? []).map((r) => r.from)];
        for (const n of neighbours.sort()) {
          if (visible.has(n) && !previous.has(n)) {
            previous.set(n, id);
            next.push(n);
          }
        }
      }
      frontier = next;
    }
    if (!previous.has(toId)) return [];
    const ids: string[] = [];
    for (let at: string | null | undefined = toId; at; at = previous.get(at)) ids.unshift(at);
    return ids.map((i) => structuredClone(visible.get(i) as CloudResource));
  }

  async counts(scope: GraphScope): Promise<ResourceCounts> {
    const counts: ResourceCounts = { byType: {}, byState: {}, byRegion: {} };
    for (const r of this.visible(scope).values()) {
      counts.byType[r.type] = (counts.byType[r.type] ?? 0) + 1;
      counts.byState[r.state] = (counts.byState[r.state] ?? 0) + 1;
      counts.byRegion[r.region] = (counts.byRegion[r.region] ?? 0) + 1;
    }
    return counts;
  }

  async close(): Promise<void> {}

  private orgGraph(orgId: string): OrgGraph {
    let graph = this.orgs.get(orgId);
    if (!graph) {
      graph = { resources: new Map(), outgoing: new Map(), incoming: new Map() };
      this.orgs.set(orgId, graph);
    }
    return graph;
  }

  private visible(scope: GraphScope): Map<string, GraphResource> {
    const accounts = new Set(scope.accountIds);
    const graph = this.orgs.get(scope.orgId);
    if (!graph) return new Map();
    return new Map([...graph.resources].filter(([, r]) => accounts.has(r.accountId)));
  }

  private walk(scope: GraphScope, id: string, depth: number, direction: 'out' | 'in'): Neighbour[] {
    const visible = this.visible(scope);
    const graph = this.orgGraph(scope.orgId);
    if (!visible.has(id)) return [];
    const edges = direction === 'out' ? graph.outgoing : graph.incoming;
    const seen = new Map<string, { depth: number; via: RelationshipType }>();
    let frontier = [id];
    for (let hop = 1; hop <= depth && frontier.length > 0; hop += 1) {
      const next: string[] = [];
      for (const current of frontier) {
        for (const rel of edges.get(current) ?? []) {
          const other = direction === 'out' ? rel.to : rel.from;
          if (other === id || seen.has(other) || !visible.has(other)) continue;
          seen.set(other, { depth: hop, via: rel.type });
          next.push(other);
        }
      }
      frontier = next;
    }
    return [...seen]
      .map(([otherId, { depth: d, via }]) => ({ resource: structuredClone(visible.get(otherId) as CloudResource), depth: d, via }))
      .sort((a, b) => a.depth - b.depth || a.resource.name.localeCompare(b.resource.name) || a.resource.id.localeCompare(b.resource.id));
  }
}

function push(map: Map<string, Relationship[]>, key: string, rel: Relationship): void {
  const list = map.get(key);
  if (list) list.push(rel);
  else map.set(key, [rel]);
}

function sortByName(resources: GraphResource[]): GraphResource[] {
  return resources.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
