import { healthOf } from '../diagrams/health.ts';
import type { Health } from '../diagrams/model.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { CloudResource, Neighbour, RelationshipType } from '../stores/graph.ts';

/**
 * Impact analysis: what would break if one resource went down. Failure travels against the
 * direction of need: whoever DEPENDS_ON, ROUTES_TO or is ATTACHED_TO the failed resource breaks,
 * and whatever it CONTAINS goes down with it. A container is not broken by one of its members (a
 * cluster does not fail because one service does), so an incoming CONTAINS edge carries nothing.
 */

/** One relationship as the graph stores it: `from` needs, routes to, is attached to, or contains `to`. */
export interface ImpactEdge {
  from: string;
  to: string;
  type: RelationshipType;
}

export interface ImpactedResource {
  resource: CloudResource;
  /** Hops from the failed resource. */
  hops: number;
  /** The chain the failure travels, from this resource to the failed one. */
  path: CloudResource[];
  /** The relationship that carries the failure to this resource (from it to the next on the path). */
  via: RelationshipType;
  /** A user-facing entry point: load balancer, API gateway, front door, CDN. */
  entryPoint: boolean;
  /** What this resource (and its users) would see. */
  sees: string;
  /** Its health now, from state and metrics: impact on top of a resource already unhealthy is worse. */
  health: Health;
  healthNote?: string;
}

export interface ImpactAnalysis {
  target: CloudResource;
  /** Ranked: user-facing entry points first, then by distance; already-unhealthy first within a rank. */
  impacted: ImpactedResource[];
  /** The walk stopped at its bounds: more may be affected. */
  truncated: boolean;
}

export interface ImpactBounds {
  maxHops: number;
  maxResources: number;
}

export const defaultImpactBounds: ImpactBounds = { maxHops: 6, maxResources: 40 };

/** Where a resource of this type sits: the front door users reach first. */
const entryPointType = /(?:elbv2\.loadbalancer|\.elb\.|elb\.loadbalancer|apigateway|cloudfront|frontdoor|applicationgateway|application-gateway|network\.lb|loadbalancer|compute\.urlmap|compute\.forwardingrule|compute\.targethttpsproxy|compute\.backendservice|apim|api-management|cdn)/i;

export function isEntryPoint(resource: Pick<CloudResource, 'type'>): boolean {
  return entryPointType.test(resource.type);
}

/** The resource a failure of `downId` reaches over this edge, if any. */
export function carriesFailure(edge: ImpactEdge, downId: string): string | undefined {
  if (edge.to === downId && edge.type !== 'CONTAINS') return edge.from;
  if (edge.from === downId && edge.type === 'CONTAINS') return edge.to;
  return undefined;
}

/**
 * The failure's reach over a known neighbourhood (pure): breadth first from the target, so each
 * resource gets its shortest failure path; ranked for a responder.
 */
export function analyseImpact(target: CloudResource, resources: readonly CloudResource[], edges: readonly ImpactEdge[], summaries: readonly MetricSummary[] = [], bounds: ImpactBounds = defaultImpactBounds): ImpactAnalysis {
  const byId = new Map(resources.map((r) => [r.id, r]));
  byId.set(target.id, target);
  const reached = new Map<string, { from: string; via: RelationshipType; hops: number }>();
  let frontier = [target.id];
  let truncated = false;
  for (let hop = 1; hop <= bounds.maxHops && frontier.length > 0; hop += 1) {
    const next: string[] = [];
    for (const down of frontier) {
      for (const edge of [...edges].sort(edgeOrder)) {
        const hit = carriesFailure(edge, down);
        if (!hit || hit === target.id || reached.has(hit) || !byId.has(hit)) continue;
        if (reached.size >= bounds.maxResources) {
          truncated = true;
          break;
        }
        reached.set(hit, { from: down, via: edge.type, hops: hop });
        next.push(hit);
      }
    }
    frontier = next;
  }
  if (frontier.length > 0 && edges.some((e) => frontier.some((id) => carriesFailure(e, id) && !reached.has(carriesFailure(e, id) as string)))) truncated = true;
  const impacted = [...reached].map(([id, step]): ImpactedResource => {
    const resource = byId.get(id) as CloudResource;
    const path: CloudResource[] = [resource];
    for (let at = step.from; at !== target.id; at = (reached.get(at) as { from: string }).from) path.push(byId.get(at) as CloudResource);
    path.push(target);
    const next = path[1] as CloudResource;
    const health = healthOf(resource, summaries);
    return {
      resource, hops: step.hops, path, via: step.via, entryPoint: isEntryPoint(resource),
      sees: whatItSees(resource, next, target, step.via, step.hops),
      health: health.health, ...(health.note ? { healthNote: health.note } : {}),
    };
  });
  return { target, impacted: impacted.sort(rank), truncated };
}

/** Entry points first (that is what users see), then nearer first, unhealthy first, then by name. */
function rank(a: ImpactedResource, b: ImpactedResource): number {
  return Number(b.entryPoint) - Number(a.entryPoint)
    || a.hops - b.hops
    || Number(isBad(b.health)) - Number(isBad(a.health))
    || a.resource.name.localeCompare(b.resource.name);
}

function isBad(health: Health): boolean {
  return health === 'critical' || health === 'warning';
}

// Stable traversal whatever order the store returned the edges in.
function edgeOrder(a: ImpactEdge, b: ImpactEdge): number {
  return a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.type.localeCompare(b.type);
}

/** The kinds of resource a failure looks different from, by normalised type. */
type Role = 'queue' | 'topic' | 'database' | 'cache' | 'table' | 'bucket' | 'network' | 'compute' | 'function' | 'entry' | 'router' | 'other';

function roleOf(resource: Pick<CloudResource, 'type'>): Role {
  const t = resource.type.toLowerCase();
  if (isEntryPoint(resource)) return 'entry';
  if (/targetgroup|backendpool|backend/.test(t)) return 'router';
  if (/queue|servicebus|eventhub|kinesis|pubsub\.subscription/.test(t)) return 'queue';
  if (/sns|pubsub\.topic|eventgrid|topic/.test(t)) return 'topic';
  if (/elasticache|redis|memcache|cache/.test(t)) return 'cache';
  if (/dynamodb|table|firestore|bigtable|cosmos/.test(t)) return 'table';
  if (/rds|sql|database|db|spanner|aurora/.test(t)) return 'database';
  if (/s3|bucket|storage/.test(t)) return 'bucket';
  if (/vpc|subnet|vnet|network|securitygroup|nat|gateway/.test(t)) return 'network';
  if (/lambda|function/.test(t)) return 'function';
  if (/ecs|eks|ec2|instance|vm|run\.service|web\.site|appservice|container|gke|compute/.test(t)) return 'compute';
  return 'other';
}

/** A short label for what a service is about: its `service` tag, else its name. */
function subject(resource: CloudResource): string {
  return resource.tags.service ?? resource.tags.app ?? resource.name;
}

/**
 * What a resource would see, from its role and the role of the next resource on the failure path.
 * Heuristic by design (the graph records that X needs Y, not how); worded so a responder can check it.
 */
export function whatItSees(resource: CloudResource, next: CloudResource, target: CloudResource, via: RelationshipType, hops: number): string {
  const mine = roleOf(resource);
  if (via === 'CONTAINS') return `goes down with ${next.name}, which contains it`;
  if (via === 'ATTACHED_TO') return `loses its network (attached to ${next.name})`;
  if (mine === 'entry') return `5xx for ${subject(resource)} requests`;
  if (mine === 'router') return `no healthy targets: requests routed to ${next.name} fail`;
  if (hops > 1) return `errors or timeouts from ${next.name}`;
  switch (roleOf(target)) {
    case 'queue':
      return mine === 'function' ? `receives no messages from ${target.name}: processing stops` : `cannot send messages to ${target.name}: requests that enqueue work fail`;
    case 'topic':
      return mine === 'function' ? `receives no events from ${target.name}` : `cannot publish to ${target.name}`;
    case 'database':
      return `queries to ${target.name} fail: errors or timeouts on requests that read or write it`;
    case 'table':
      return `reads and writes to ${target.name} fail`;
    case 'cache':
      return `cache misses: slower responses and more load on what ${target.name} fronts`;
    case 'bucket':
      return `cannot read or write objects in ${target.name}`;
    case 'network':
      return `loses connectivity through ${target.name}`;
    default:
      return `calls to ${target.name} fail`;
  }
}

/** What the walk needs from the graph: a resource's direct neighbours both ways (tenant-scoped by the caller). */
export interface ImpactGraph {
  neighbours(id: string): Promise<{ incoming: readonly Neighbour[]; outgoing: readonly Neighbour[] } | undefined>;
}

/**
 * Reads the part of the graph a failure can reach, hop by hop (one neighbour read per reached
 * resource, within the bounds), as edges for `analyseImpact`.
 */
export async function collectImpactGraph(target: CloudResource, graph: ImpactGraph, bounds: ImpactBounds = defaultImpactBounds): Promise<{ resources: CloudResource[]; edges: ImpactEdge[] }> {
  const resources = new Map<string, CloudResource>([[target.id, target]]);
  const edges = new Map<string, ImpactEdge>();
  const expanded = new Set<string>();
  let frontier = [target.id];
  for (let hop = 1; hop <= bounds.maxHops && frontier.length > 0 && expanded.size <= bounds.maxResources; hop += 1) {
    const views = await Promise.all(frontier.map(async (id) => ({ id, view: await graph.neighbours(id) })));
    const next: string[] = [];
    for (const { id, view } of views) {
      expanded.add(id);
      for (const n of view?.incoming ?? []) {
        if (n.depth !== 1) continue;
        resources.set(n.resource.id, n.resource);
        edges.set(`${n.resource.id}\u0000${id}\u0000${n.via}`, { from: n.resource.id, to: id, type: n.via });
      }
      for (const n of view?.outgoing ?? []) {
        if (n.depth !== 1 || n.via !== 'CONTAINS') continue;
        resources.set(n.resource.id, n.resource);
        edges.set(`${id}\u0000${n.resource.id}\u0000${n.via}`, { from: id, to: n.resource.id, type: n.via });
      }
      const list = [...edges.values()];
      for (const edge of list) {
        const hit = carriesFailure(edge, id);
        if (hit && !expanded.has(hit) && !next.includes(hit) && !frontier.includes(hit)) next.push(hit);
      }
    }
    frontier = next.slice(0, Math.max(0, bounds.maxResources - expanded.size));
  }
  return { resources: [...resources.values()], edges: [...edges.values()] };
}
