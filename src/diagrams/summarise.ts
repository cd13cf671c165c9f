import type { CloudResource, Relationship } from '../stores/graph.ts';
import type { DiagramEdge, DiagramModel, DiagramNode, Health } from './model.ts';

/** What a diagram is built from: resources, the edges among them, what is known about their health. */
export interface DiagramInput {
  title: string;
  resources: readonly CloudResource[];
  relationships: readonly Relationship[];
  /** The resources the diagram is about: highlighted and always drawn. */
  focus: ReadonlySet<string>;
  /** Hops from the nearest focus resource, where known (neighbourhoods). */
  distance?: ReadonlyMap<string, number>;
  health: ReadonlyMap<string, { health: Health; note?: string }>;
}

export interface SummariseOptions {
  /** Resources drawn one by one; the rest collapse into groups. */
  maxNodes?: number;
  /** Collapsed groups at most; beyond that, groups merge per account and region. */
  maxGroups?: number;
  /** Edges drawn at most; the least relevant beyond this are counted, not drawn. */
  maxEdges?: number;
}

/** About what stays legible in a chat-sized PNG. */
export const defaultMaxNodes = 40;
export const defaultMaxGroups = 12;
export const defaultMaxEdges = 80;

const healthRank: Record<Health, number> = { critical: 3, warning: 2, unknown: 1, ok: 0 };

/**
 * Keeps the `maxNodes` most relevant resources (focus first, then the unhealthy, the near, the
 * well connected) and collapses the rest into one group per account, region and type, with their
 * edges merged and counted, so a 1,000-resource account is still a readable picture.
 */
export function summarise(input: DiagramInput, options: SummariseOptions = {}): DiagramModel {
  const maxNodes = Math.max(1, options.maxNodes ?? defaultMaxNodes);
  const maxGroups = Math.max(1, options.maxGroups ?? defaultMaxGroups);
  const maxEdges = Math.max(0, options.maxEdges ?? defaultMaxEdges);
  const byId = new Map(input.resources.map((r) => [r.id, r]));
  const relationships = dedupe(input.relationships.filter((r) => byId.has(r.from) && byId.has(r.to) && r.from !== r.to));
  const degree = new Map<string, number>();
  for (const rel of relationships) {
    degree.set(rel.from, (degree.get(rel.from) ?? 0) + 1);
    degree.set(rel.to, (degree.get(rel.to) ?? 0) + 1);
  }
  const healthOf = (id: string): Health => input.health.get(id)?.health ?? 'unknown';
  const score = (r: CloudResource): number => {
    const focus = input.focus.has(r.id) ? 1e6 : 0;
    const distance = input.distance?.get(r.id);
    const near = distance === undefined ? 0 : Math.max(0, 10 - distance) * 100;
    return focus + near + healthRank[healthOf(r.id)] * 40 + Math.min(degree.get(r.id) ?? 0, 50);
  };
  const ranked = [...byId.values()].sort((a, b) => score(b) - score(a) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const kept = ranked.slice(0, maxNodes);
  const dropped = ranked.slice(maxNodes);

  // Stable keys in a stable order: drawn resources by name, so the same graph always gives the same text.
  kept.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const keyOf = new Map<string, string>();
  const nodes: DiagramNode[] = kept.map((resource, i) => {
    keyOf.set(resource.id, `n${i}`);
    const known = input.health.get(resource.id);
    return { kind: 'resource', key: `n${i}`, resource, health: known?.health ?? 'unknown', focus: input.focus.has(resource.id), ...(known?.note ? { note: known.note } : {}) };
  });

  const groups = groupDropped(dropped, maxGroups, healthOf);
  groups.forEach((group, i) => {
    const key = `g${i}`;
    for (const id of group.ids) keyOf.set(id, key);
    nodes.push({ kind: 'group', key, provider: group.provider, accountId: group.accountId, region: group.region, type: group.type, count: group.ids.length, health: group.health });
  });

  // Edges into or out of a group merge across types: one counted line per pair, not one per type.
  const isGroup = (key: string): boolean => key.startsWith('g');
  const edges = new Map<string, DiagramEdge>();
  for (const rel of relationships) {
    const from = keyOf.get(rel.from);
    const to = keyOf.get(rel.to);
    if (!from || !to || from === to) continue;
    const grouped = isGroup(from) || isGroup(to);
    const id = grouped ? `${from}\u0000${to}` : `${from}\u0000${to}\u0000${rel.type}`;
    const edge = edges.get(id);
    if (!edge) edges.set(id, { from, to, type: rel.type, count: 1 });
    else {
      edge.count += 1;
      if (edge.type !== rel.type) edge.mixed = true;
    }
  }
  // Past the budget, keep the edges that explain the focus, then those between drawn resources, then the heaviest.
  const focusKeys = new Set(nodes.filter((n) => n.kind === 'resource' && n.focus).map((n) => n.key));
  const weight = (e: DiagramEdge): number => (focusKeys.has(e.from) || focusKeys.has(e.to) ? 1e6 : 0) + (isGroup(e.from) || isGroup(e.to) ? 0 : 1e3) + e.count;
  const all = [...edges.values()];
  const kept2 = all.length <= maxEdges ? all : [...all].sort((a, b) => weight(b) - weight(a)).slice(0, maxEdges);
  const order = new Map(nodes.map((n, i) => [n.key, i]));
  const sortedEdges = kept2.sort((a, b) => (order.get(a.from) ?? 0) - (order.get(b.from) ?? 0) || (order.get(a.to) ?? 0) - (order.get(b.to) ?? 0) || a.type.localeCompare(b.type));
  return { title: input.title, nodes, edges: sortedEdges, totalResources: byId.size, shownResources: kept.length, hiddenEdges: all.length - kept2.length };
}

interface Group {
  provider: CloudResource['provider'];
  accountId: string;
  region: string;
  type: string;
  ids: string[];
  health: Health;
}

/** One group per account, region and type; when there are too many, one per account and region. */
function groupDropped(dropped: readonly CloudResource[], maxGroups: number, healthOf: (id: string) => Health): Group[] {
  const group = (keyOf: (r: CloudResource) => string, typeOf: (r: CloudResource) => string): Group[] => {
    const byKey = new Map<string, Group>();
    for (const r of dropped) {
      const key = keyOf(r);
      const found = byKey.get(key);
      const health = healthOf(r.id);
      if (found) {
        found.ids.push(r.id);
        if (healthRank[health] > healthRank[found.health]) found.health = health;
      } else byKey.set(key, { provider: r.provider, accountId: r.accountId, region: r.region, type: typeOf(r), ids: [r.id], health });
    }
    return [...byKey.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region) || a.type.localeCompare(b.type));
  };
  const byType = group((r) => [r.provider, r.accountId, r.region, r.type].join('\u0000'), (r) => r.type);
  if (byType.length <= maxGroups) return byType;
  const byPlace = group((r) => [r.provider, r.accountId, r.region].join('\u0000'), () => 'resources');
  if (byPlace.length <= maxGroups) return byPlace;
  // Still too many places: the largest stay, the rest become one group per provider.
  byPlace.sort((a, b) => b.ids.length - a.ids.length);
  const head = byPlace.slice(0, maxGroups - 1);
  const tail = byPlace.slice(maxGroups - 1);
  const rest: Group = { provider: tail[0]?.provider ?? 'aws', accountId: 'other accounts', region: 'other regions', type: 'resources', ids: tail.flatMap((g) => g.ids), health: tail.reduce<Health>((h, g) => (healthRank[g.health] > healthRank[h] ? g.health : h), 'ok') };
  return [...head, ...(rest.ids.length ? [rest] : [])];
}

function dedupe(relationships: readonly Relationship[]): Relationship[] {
  return [...new Map(relationships.map((r) => [`${r.from}\u0000${r.type}\u0000${r.to}`, r])).values()];
}
