import type { MetricSummary } from '../metrics/source.ts';
import type { CloudResource, GraphScope, Relationship, ResourceGraph } from '../stores/graph.ts';
import { healthOf } from './health.ts';
import type { DiagramModel, Health } from './model.ts';
import { summarise, type SummariseOptions } from './summarise.ts';

/** How far a neighbourhood reaches, and how much of an account is read before summarising. */
export const neighbourhoodDepth = 2;
export const maxScannedResources = 1000;
/** Edge look-ups in flight at once (one `dependencies(id, 1)` read per resource). */
const concurrency = 16;

export interface DiagramHealthInput {
  summaries?: readonly MetricSummary[];
  /** Resources a firing alert names. */
  alerting?: ReadonlySet<string>;
}

/**
 * The neighbourhood of `focus`: what they depend on and what depends on them, `depth` hops each
 * way, with the edges among all of them, summarised to a readable size.
 */
export async function neighbourhoodDiagram(graph: ResourceGraph, scope: GraphScope, focus: readonly CloudResource[], title: string, health: DiagramHealthInput = {}, options: SummariseOptions & { depth?: number } = {}): Promise<DiagramModel> {
  const depth = options.depth ?? neighbourhoodDepth;
  const resources = new Map(focus.map((r) => [r.id, r]));
  const distance = new Map(focus.map((r) => [r.id, 0]));
  const walks = await Promise.all(focus.flatMap((r) => [graph.dependencies(scope, r.id, depth), graph.dependents(scope, r.id, depth)]));
  for (const neighbour of walks.flat()) {
    if (!resources.has(neighbour.resource.id)) resources.set(neighbour.resource.id, neighbour.resource);
    distance.set(neighbour.resource.id, Math.min(distance.get(neighbour.resource.id) ?? Infinity, neighbour.depth));
  }
  const relationships = await edgesAmong(graph, scope, [...resources.values()]);
  return summarise({ title, resources: [...resources.values()], relationships, focus: new Set(focus.map((r) => r.id)), distance, health: healthMap([...resources.values()], health) }, options);
}

/** An account's topology (or every account of the scope): all its resources and their edges, summarised. */
export async function accountDiagram(graph: ResourceGraph, scope: GraphScope, title: string, health: DiagramHealthInput = {}, options: SummariseOptions = {}): Promise<DiagramModel> {
  const resources = await graph.findResources(scope, { limit: maxScannedResources });
  const relationships = await edgesAmong(graph, scope, resources);
  return summarise({ title, resources, relationships, focus: new Set(), health: healthMap(resources, health) }, options);
}

/**
 * The relationships among a set of resources, read through the graph's own scoped traversal (one
 * hop out of each), so a diagram can never show an edge into an account the channel may not see.
 */
export async function edgesAmong(graph: ResourceGraph, scope: GraphScope, resources: readonly CloudResource[]): Promise<Relationship[]> {
  const ids = new Set(resources.map((r) => r.id));
  const edges: Relationship[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < resources.length) {
      const from = resources[next++] as CloudResource;
      for (const n of await graph.dependencies(scope, from.id, 1)) {
        if (ids.has(n.resource.id)) edges.push({ from: from.id, to: n.resource.id, type: n.via });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, resources.length) }, worker));
  return edges;
}

function healthMap(resources: readonly CloudResource[], input: DiagramHealthInput): Map<string, { health: Health; note?: string }> {
  return new Map(resources.map((r) => [r.id, healthOf(r, input.summaries ?? [], input.alerting)]));
}
