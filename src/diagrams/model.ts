import type { CloudResource, RelationshipType } from '../stores/graph.ts';

/** How a resource is doing, from its state, its latest metrics and any firing alert. */
export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

/** One box in a diagram: a resource, or a collapsed group of resources left out to keep it readable. */
export type DiagramNode =
  | { kind: 'resource'; key: string; resource: CloudResource; health: Health; focus: boolean; /** Why it is unhealthy, for the alt text. */ note?: string }
  | { kind: 'group'; key: string; provider: CloudResource['provider']; accountId: string; region: string; type: string; count: number; health: Health };

export interface DiagramEdge {
  from: string;
  to: string;
  type: RelationshipType;
  /** How many resource-level edges a collapsed edge stands for (1 between two resources). */
  count: number;
  /** A collapsed edge standing for relationships of several types (into or out of a group). */
  mixed?: boolean;
}

/**
 * What a diagram shows, independent of how it is drawn (Graphviz → SVG → PNG, or Mermaid text).
 * Node keys are synthetic (`n0`, `g0`), never resource names, so no name can break the syntax.
 */
export interface DiagramModel {
  title: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  /** Resources the diagram covers, before summarising. */
  totalResources: number;
  /** Resources drawn one by one (the rest are inside groups). */
  shownResources: number;
  /** Edges left out to keep the picture legible (the least relevant, beyond the edge budget). */
  hiddenEdges: number;
}

/** A cluster: one account in one region of one provider. */
export interface Cluster {
  key: string;
  provider: CloudResource['provider'];
  accountId: string;
  region: string;
  nodes: DiagramNode[];
}

export function clusterOf(node: DiagramNode): { provider: CloudResource['provider']; accountId: string; region: string } {
  return node.kind === 'resource'
    ? { provider: node.resource.provider, accountId: node.resource.accountId, region: node.resource.region }
    : { provider: node.provider, accountId: node.accountId, region: node.region };
}

/** Nodes grouped by provider, account and region, in a stable order. */
export function clusters(model: DiagramModel): Cluster[] {
  const byKey = new Map<string, Cluster>();
  for (const node of model.nodes) {
    const { provider, accountId, region } = clusterOf(node);
    const id = `${provider}\u0000${accountId}\u0000${region}`;
    let cluster = byKey.get(id);
    if (!cluster) {
      cluster = { key: '', provider, accountId, region, nodes: [] };
      byKey.set(id, cluster);
    }
    cluster.nodes.push(node);
  }
  const sorted = [...byKey.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region));
  sorted.forEach((c, i) => {
    c.key = `c${i}`;
  });
  return sorted;
}

export function nodeLabel(node: DiagramNode): { title: string; subtitle: string } {
  if (node.kind === 'group') return { title: `${node.count} × ${node.type}`, subtitle: 'collapsed' };
  return { title: node.resource.name, subtitle: `${node.resource.type} · ${node.resource.state}` };
}

export const relationshipLabels: Record<RelationshipType, string> = {
  DEPENDS_ON: 'depends on',
  ROUTES_TO: 'routes to',
  CONTAINS: 'contains',
  ATTACHED_TO: 'attached to',
};
