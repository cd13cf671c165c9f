import type { CloudResource, Neighbour } from '../stores/graph.ts';
import { isQueueType } from './symptoms.ts';
import type { PathRole, Symptom } from './types.ts';

/**
 * The evidence walk: which resources to read for a symptom, and where each sits on the path. Pure:
 * it plans over dependency views the caller fetched (each subject's neighbourhood, and for a backlog
 * the neighbourhood of the queues on the path).
 *
 * - latency, errors, availability (and unknown): the entry points in front (load balancers, target
 *   groups, API gateways, Application Gateway / Front Door, Cloud Load Balancing), the subject, what
 *   it runs on, then its dependencies (databases, caches, queues, downstream services);
 * - backlog: the queue, its consumers and producers (and the consumers' own dependencies);
 * - saturation, throttling, capacity: the subject, what it runs on, and what it calls.
 */
export interface NeighbourhoodView {
  resource?: CloudResource;
  dependencies: readonly Neighbour[];
  dependents: readonly Neighbour[];
}

export interface WalkNode {
  resource: CloudResource;
  role: PathRole;
  /** Hops from the nearest subject (0 for a subject). */
  depth: number;
  /** How it relates, for people: "in front of checkout-api", "consumer of orders-queue". */
  relation: string;
}

export interface WalkInput {
  subjects: readonly CloudResource[];
  symptoms: readonly Symptom[];
  /** Neighbourhoods by resource id: every subject's, and any queue's on the path. */
  views: ReadonlyMap<string, NeighbourhoodView>;
  /** At most this many nodes (metrics are read for all of them at once). */
  limit?: number;
}

const entryTypes = /^aws\.elbv2\.(loadbalancer|targetgroup)$|^aws\.elb\.|^aws\.apigateway|^aws\.cloudfront|applicationgateway|frontdoor|^azure\.cdn\.|^azure\.apimanagement|^azure\.network\.loadbalancer|^gcp\.compute\.(urlmap|backendservice|forwardingrule|targethttps?proxy|globalforwardingrule)|^gcp\.loadbalanc|^gcp\.apigateway/i;
const hostTypes = /^azure\.web\.serverfarm$|^aws\.ecs\.cluster$|^aws\.autoscaling\.group$|^gcp\.compute\.instancegroupmanager$|^azure\.compute\.vmss$|^azure\.compute\.virtualmachinescalesets$/i;
const groupTypes = hostTypes;
/** Placement, not behaviour: networks and subnets say where a resource lives, not why it is slow. */
const placementTypes = /vpc|subnet|securitygroup|\.network$|\.networks?$|virtualnetwork|vnet|\.nsg$|listener|routetable|\.s3\.bucket$|storage\.bucket$/i;
const consumerNames = /worker|consumer|processor|handler|renderer|indexer|subscriber|listener|poller|ingest|sink|drain/i;
const functionTypes = /^aws\.lambda\.|cloudfunctions|^azure\.web\.functionapp|^azure\.functions/i;

export function isEntryType(type: string): boolean {
  return entryTypes.test(type);
}

export function planWalk(input: WalkInput): WalkNode[] {
  const limit = input.limit ?? 10;
  const nodes = new Map<string, WalkNode>();
  const add = (resource: CloudResource, role: PathRole, depth: number, relation: string): void => {
    if (!nodes.has(resource.id)) nodes.set(resource.id, { resource, role, depth, relation });
  };
  const symptoms = new Set(input.symptoms);
  const wantsEntries = ['latency', 'errors', 'availability', 'unknown'].some((s) => symptoms.has(s as Symptom));
  const wantsBacklog = symptoms.has('backlog');

  for (const subject of input.subjects) add(subject, 'subject', 0, 'named');

  for (const subject of input.subjects) {
    const view = input.views.get(subject.id);
    if (!view) continue;
    const subjectIsQueue = isQueueType(subject.type);
    if (wantsEntries && !subjectIsQueue) {
      // Farthest entry first: users meet the load balancer before its target group.
      const entries = view.dependents.filter((n) => n.via === 'ROUTES_TO' && isEntryType(n.resource.type)).sort((a, b) => b.depth - a.depth);
      for (const n of entries) add(n.resource, 'entry', n.depth, `in front of ${subject.name}`);
    }
    for (const n of view.dependents.filter((d) => d.depth === 1 && d.via === 'CONTAINS' && hostTypes.test(d.resource.type))) add(n.resource, 'dependency', 1, `${subject.name} runs on it`);
    if (groupTypes.test(subject.type)) for (const n of view.dependencies.filter((d) => d.depth === 1 && d.via === 'CONTAINS')) add(n.resource, 'dependency', 1, `member of ${subject.name}`);
    if (subjectIsQueue) addQueueNeighbours(subject, view, 1, add);
  }

  for (const subject of input.subjects) {
    const view = input.views.get(subject.id);
    if (!view) continue;
    const calls = view.dependencies
      .filter((n) => (n.via === 'DEPENDS_ON' || n.via === 'ROUTES_TO') && !placementTypes.test(n.resource.type))
      .sort((a, b) => a.depth - b.depth);
    for (const n of calls) {
      add(n.resource, 'dependency', n.depth, n.depth === 1 ? `${subject.name} depends on it` : `${subject.name} depends on it (${n.depth} hops)`);
      // A backlog on the path: its consumers are where the work stalls.
      if (wantsBacklog && isQueueType(n.resource.type)) {
        const queueView = input.views.get(n.resource.id);
        if (queueView) addQueueNeighbours(n.resource, queueView, n.depth + 1, add, subject.id);
      }
    }
  }
  return orderNodes([...nodes.values()]).slice(0, limit);
}

function addQueueNeighbours(queue: CloudResource, view: NeighbourhoodView, depth: number, add: (r: CloudResource, role: PathRole, depth: number, relation: string) => void, skip?: string): void {
  for (const n of view.dependents.filter((d) => d.depth === 1 && d.via === 'DEPENDS_ON' && d.resource.id !== skip)) {
    add(n.resource, isConsumer(n.resource) ? 'consumer' : 'producer', depth, `${isConsumer(n.resource) ? 'consumer' : 'producer'} of ${queue.name}`);
  }
  for (const n of view.dependencies.filter((d) => d.depth === 1 && d.via === 'ROUTES_TO')) add(n.resource, 'dependency', depth, `dead-letter or onward queue of ${queue.name}`);
}

/**
 * Whether a resource reads a queue rather than writes it. The graph says only "depends on": a
 * function (Lambda, Cloud Functions) is triggered by its queue, and a role tag or a worker-like name
 * says the same of a service.
 */
export function isConsumer(resource: CloudResource): boolean {
  const role = (resource.tags.role ?? resource.tags.queueRole ?? '').toLowerCase();
  if (role === 'consumer' || role === 'worker') return true;
  if (role === 'producer' || role === 'publisher') return false;
  return functionTypes.test(resource.type) || consumerNames.test(resource.name);
}

const roleOrder: Record<PathRole, number> = { entry: 0, subject: 1, consumer: 2, producer: 3, dependency: 4, dependent: 5, 'off-path': 6 };

function orderNodes(nodes: WalkNode[]): WalkNode[] {
  return nodes
    .map((node, index) => ({ node, index }))
    .sort((a, b) => roleOrder[a.node.role] - roleOrder[b.node.role] || (a.node.role === 'entry' ? b.node.depth - a.node.depth : a.node.depth - b.node.depth) || a.index - b.index)
    .map(({ node }) => node);
}
