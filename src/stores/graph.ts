import type { CloudAccountRecord, CloudResource, Relationship, RelationshipType } from './estate.ts';

export type { CloudResource, Relationship, RelationshipType } from './estate.ts';

/** Every read is bounded by the tenant and the accounts the channel may see. */
export interface GraphScope {
  orgId: string;
  accountIds: readonly string[];
}

export interface ResourceQuery {
  /** Free text: matched against names, ids and tag values. */
  text?: string;
  type?: string;
  tag?: { key: string; value?: string };
  limit?: number;
}

export interface Neighbour {
  resource: CloudResource;
  /** Hops from the start resource (1 = direct). */
  depth: number;
  /** Type of the relationship that reached this resource. */
  via: RelationshipType;
}

export interface ResourceCounts {
  byType: Record<string, number>;
  byState: Record<string, number>;
  byRegion: Record<string, number>;
}

export interface IngestProgress {
  phase: 'resources' | 'relationships';
  done: number;
  total: number;
}

export interface IngestOptions {
  /** Called as batches land, for progress bars on long ingests. */
  onProgress?: (progress: IngestProgress) => void;
  /**
   * The estate comes from a crawl rather than a file: resources it lists are stamped `lastSeenAt`,
   * and resources it no longer lists are kept, marked gone, instead of deleted.
   */
  crawl?: CrawlIngest;
}

/** What a crawl saw, and what it saw completely. */
export interface CrawlIngest {
  /** When the crawl observed the estate (every listed resource's `lastSeenAt`). */
  observedAt: Date;
  /**
   * The (region, types) the crawl listed in full. Only unlisted resources inside them are marked
   * gone, and only relationships from resources inside them are replaced: a region or service that
   * failed keeps what the graph knew.
   */
  covered: readonly CrawlCoverage[];
}

export interface CrawlCoverage {
  /** `*`: every region (a query that lists the whole subscription or project). */
  region: string;
  /** `*` among them: every type. */
  types: readonly string[];
}

/** The state of a resource a crawl no longer found. */
export const goneState = 'gone';

/** When a crawl last saw a resource and, once it disappeared, when it was found gone (ISO 8601). */
export interface Freshness {
  lastSeenAt?: string;
  goneAt?: string;
}

/** A resource as the graph returns it: freshness is set for crawled resources only. */
export type GraphResource = CloudResource & Freshness;

/**
 * Whether a resource matches a search: the one definition every graph store applies (Neo4j narrows
 * the candidates with indexed properties first, then decides with this). `text` is matched
 * case-insensitively against the name, the id and tag values; a tag filter is exact.
 */
export function matchesResourceQuery(resource: Pick<CloudResource, 'id' | 'name' | 'type' | 'tags'>, query: ResourceQuery): boolean {
  const text = query.text?.trim().toLowerCase();
  return (!text || resource.name.toLowerCase().includes(text) || resource.id.toLowerCase().includes(text)
      || Object.values(resource.tags).some((value) => value.toLowerCase().includes(text)))
    && (!query.type || resource.type === query.type)
    && (!query.tag || (Object.hasOwn(resource.tags, query.tag.key) && (query.tag.value === undefined || resource.tags[query.tag.key] === query.tag.value)));
}

/** Whether a crawl's coverage includes this resource. */
export function covers(covered: readonly CrawlCoverage[], resource: { region: string; type: string }): boolean {
  return covered.some((c) => (c.region === '*' || c.region === resource.region) && (c.types.includes('*') || c.types.includes(resource.type)));
}

export interface IngestResult {
  resources: number;
  relationships: number;
  /** Deleted (file ingest) or newly marked gone (crawl). */
  removed: number;
}

/**
 * The resource graph (Neo4j in production, in-process by default). Resources outside the scope's
 * accounts are invisible: a caller cannot reach them by id, name or traversal.
 */
export interface ResourceGraph {
  /**
   * Replaces an organization's estate for the given accounts; idempotent. From a file, resources
   * no longer listed are deleted; from a crawl (`options.crawl`), they are marked gone.
   */
  ingest(orgId: string, estate: { accounts: readonly CloudAccountRecord[]; resources: readonly CloudResource[]; relationships: readonly Relationship[] }, options?: IngestOptions): Promise<IngestResult>;
  getResource(scope: GraphScope, id: string): Promise<GraphResource | undefined>;
  findResources(scope: GraphScope, query: ResourceQuery): Promise<GraphResource[]>;
  /** Resources whose name or id is mentioned in free text, best match first. */
  resolveMentions(scope: GraphScope, text: string, limit?: number): Promise<CloudResource[]>;
  /** What this resource needs (outgoing edges), to `depth` hops. */
  dependencies(scope: GraphScope, id: string, depth: number): Promise<Neighbour[]>;
  /** What needs this resource (incoming edges), to `depth` hops: the blast radius. */
  dependents(scope: GraphScope, id: string, depth: number): Promise<Neighbour[]>;
  /** Shortest path between two resources, as resources from `fromId` to `toId`; empty when none. */
  path(scope: GraphScope, fromId: string, toId: string, maxDepth?: number): Promise<CloudResource[]>;
  counts(scope: GraphScope): Promise<ResourceCounts>;
  close(): Promise<void>;
}
