import { createHash } from 'node:crypto';
import type { ManagedTransaction, Record as Neo4jRecord, RecordShape, Result } from 'neo4j-driver';
import pLimit from 'p-limit';
import { chunked } from '../../batches.ts';
import { CompanionError } from '../../errors.ts';
import { RelationshipType as RelationshipTypeSchema, type CloudAccountRecord } from '../estate.ts';
import {
  goneState, matchesResourceQuery,
  type CloudResource, type GraphResource, type GraphScope, type IngestOptions, type IngestResult, type Neighbour, type Relationship, type RelationshipType,
  type ResourceCounts, type ResourceGraph, type ResourceQuery,
} from '../graph.ts';
import { mentionScore } from '../mentions.ts';
import type { Neo4jConnection } from './driver.ts';

const defaultLimit = 25;
/** Traversals deeper than this are cut: path enumeration through hubs grows with every hop. */
const maxTraversalDepth = 6;
const batchSize = 5_000;
/** Node batches in flight at once during an ingest (the server's write throughput scales with its cores). */
const nodeBatchConcurrency = 2;
/** Bounds the id candidates taken from one message (a pasted alert is a few kB at most). */
const maxMentionCandidates = 20_000;

/**
 * Relationship types cannot be query parameters, so each validated type maps to a fixed Cypher
 * fragment: no text from the estate ever reaches a query string.
 */
const mergeEdgeQuery: Record<RelationshipType, string> = {
  DEPENDS_ON: mergeEdges('DEPENDS_ON'),
  CONTAINS: mergeEdges('CONTAINS'),
  ROUTES_TO: mergeEdges('ROUTES_TO'),
  ATTACHED_TO: mergeEdges('ATTACHED_TO'),
};

function mergeEdges(type: 'DEPENDS_ON' | 'CONTAINS' | 'ROUTES_TO' | 'ATTACHED_TO'): string {
  return `
    UNWIND $rows AS row
    MATCH (a:CloudResource {orgId: $orgId, id: row.from})
    MATCH (b:CloudResource {orgId: $orgId, id: row.to})
    MERGE (a)-[:${type}]->(b)
    RETURN count(*) AS n`;
}

/**
 * The four resource relationship types. They only ever join CloudResource nodes, so traversals leave
 * the far end unlabelled: that keeps the planner expanding from the (index-seeked) near end instead
 * of scanning the organization's resources through an index on the far end.
 */
const edgeTypes = 'DEPENDS_ON|CONTAINS|ROUTES_TO|ATTACHED_TO';
const relationshipOrder: readonly RelationshipType[] = RelationshipTypeSchema.options;

/** The properties a CloudResource node is read back from (tags round-trip through JSON). */
const resourceProjection = 'r { .id, .provider, .accountId, .type, .name, .region, .state, .tags, .desiredCount, .runningCount, .changedAt, .lastSeenAt, .goneAt } AS r';

/**
 * What an ingest replaces: a file, everything of its accounts; a crawl, only the (region, types) it
 * covered (`$covered`, null for a file).
 */
const coveredBy = (r: string): string => `any(c IN $covered WHERE (c.region = '*' OR c.region = ${r}.region) AND ('*' IN c.types OR ${r}.type IN c.types))`;
const replacedBy = (r: string): string => `${r}.accountId IN $accountIds AND ($covered IS NULL OR ${coveredBy(r)})`;

/** What the graph holds for a resource an ingest may replace. */
interface StoredResource {
  hash: string | null;
  seen: boolean;
  gone: boolean;
}

const edgeKey = (from: string, type: string, to: string): string => `${from}\u0000${type}\u0000${to}`;

/** Streams a result's records to `onRecord` as they arrive, without holding them all at once. */
async function eachRecord<R extends RecordShape>(result: Result<R>, onRecord: (record: Neo4jRecord<R>) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    result.subscribe({ onNext: onRecord, onCompleted: () => resolve(), onError: reject });
  });
}

interface ResourceRow {
  id: string;
  provider: CloudResource['provider'];
  accountId: string;
  type: string;
  name: string;
  region: string;
  state: string;
  tags: string | null;
  desiredCount?: number | null;
  runningCount?: number | null;
  changedAt?: string | null;
  lastSeenAt?: string | null;
  goneAt?: string | null;
}

/**
 * The resource graph in Neo4j. Every query is parameterised and bounded by `orgId` and the scope's
 * account ids; traversals expand hop by hop through visible resources only, so they can never pass
 * through an account the channel may not see, and order their results exactly like the in-process
 * graph.
 */
export class Neo4jResourceGraph implements ResourceGraph {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async ingest(orgId: string, estate: { accounts: readonly CloudAccountRecord[]; resources: readonly CloudResource[]; relationships: readonly Relationship[] }, options: IngestOptions = {}): Promise<IngestResult> {
    // Ingest chunks may write thousands of nodes: bounded by the bulk timeout, not the interactive one.
    const bulk = this.db.bulk();
    const crawl = options.crawl;
    const covered = crawl ? crawl.covered.map((c) => ({ region: c.region, types: [...c.types] })) : null;
    // Null removes the property: a file ingest clears what an earlier crawl stamped.
    const freshness = { lastSeenAt: crawl ? crawl.observedAt.toISOString() : null, goneAt: null };
    // The last occurrence of an id wins, as in the in-process graph.
    const resources = [...new Map(estate.resources.map((r) => [r.id, r])).values()];
    const accountIds = [...new Set([...estate.accounts.map((a) => a.accountId), ...estate.resources.map((r) => r.accountId)])];
    const listed = new Set(estate.accounts.map((a) => a.accountId));
    const implicitAccounts = [...new Map(estate.resources.filter((r) => !listed.has(r.accountId)).map((r) => [r.accountId, r.provider])).entries()]
      .map(([accountId, provider]) => ({ accountId, provider }));
    const edges = estate.relationships.map((rel) => {
      const type = RelationshipTypeSchema.safeParse(rel.type);
      if (!type.success) throw new CompanionError('input_invalid', `Relationship ${rel.from} → ${rel.to} has unknown type "${String(rel.type)}".`, { hint: `Use one of ${relationshipOrder.join(', ')}.` });
      return { type: type.data, from: rel.from, to: rel.to };
    });
    const replaced = { orgId, accountIds, covered };

    await bulk.write(async (tx) => {
      await tx.run(`
        MERGE (o:Organization {id: $orgId})
        WITH o
        UNWIND $accounts AS acc
        MERGE (a:CloudAccount {orgId: $orgId, accountId: acc.accountId})
        SET a.provider = acc.provider, a.name = acc.name
        MERGE (o)-[:HAS_ACCOUNT]->(a)`, { orgId, accounts: estate.accounts.map((a) => ({ accountId: a.accountId, provider: a.provider, name: a.name })) });
      await tx.run(`
        MERGE (o:Organization {id: $orgId})
        WITH o
        UNWIND $accounts AS acc
        MERGE (a:CloudAccount {orgId: $orgId, accountId: acc.accountId})
        ON CREATE SET a.provider = acc.provider, a.name = acc.accountId
        MERGE (o)-[:HAS_ACCOUNT]->(a)`, { orgId, accounts: implicitAccounts });
    });

    // Writes are what an ingest costs, so it first reads what this ingest replaces and then writes
    // only the difference: a first import creates everything, a periodic re-crawl of an unchanged
    // estate writes (almost) nothing.
    const stored = new Map<string, StoredResource>();
    await bulk.read(async (tx) => {
      stored.clear();
      await eachRecord(tx.run<StoredResource & { id: string }>(`
        MATCH (r:CloudResource {orgId: $orgId})
        WHERE ${replacedBy('r')}
        RETURN r.id AS id, r.contentHash AS hash, r.lastSeenAt IS NOT NULL AS seen, r.goneAt IS NOT NULL AS gone`, replaced),
      (record) => stored.set(record.get('id'), { hash: record.get('hash'), seen: record.get('seen'), gone: record.get('gone') }));
    });

    const rows = resources.map((r) => ({ id: r.id, props: resourceProperties(r) }));
    // Unchanged: same content, not gone, and (from a file) no crawl stamp to clear.
    const unchanged = (row: (typeof rows)[number]): boolean => {
      const before = stored.get(row.id);
      return before !== undefined && before.hash === row.props.contentHash && !before.gone && (crawl !== undefined || !before.seen);
    };
    const changed = rows.filter((row) => !unchanged(row));
    // From a crawl, an unchanged resource still gets its new `lastSeenAt`.
    const seenOnly = crawl ? rows.filter(unchanged).map((row) => row.id) : [];
    let resourcesDone = rows.length - changed.length - seenOnly.length;
    const progress = (n: number): void => {
      resourcesDone += n;
      options.onProgress?.({ phase: 'resources', done: resourcesDone, total: resources.length });
    };
    // Node batches are independent of each other (each resource is in exactly one), so they run
    // side by side; relationship batches stay sequential, as two of them may share both ends.
    const limit = pLimit(nodeBatchConcurrency);
    await Promise.all([
      ...chunked(changed, batchSize).map((chunk) => limit(async () => {
        await bulk.write((tx) => tx.run(`
          UNWIND $rows AS row
          MERGE (r:CloudResource {orgId: $orgId, id: row.id})
          SET r += row.props, r += $freshness
          WITH r, row
          MATCH (a:CloudAccount {orgId: $orgId, accountId: row.props.accountId})
          MERGE (a)-[:HAS_RESOURCE]->(r)
          WITH r, row
          MATCH (old:CloudAccount {orgId: $orgId})-[h:HAS_RESOURCE]->(r)
          WHERE old.accountId <> row.props.accountId
          DELETE h`, { orgId, freshness, rows: chunk }));
        progress(chunk.length);
      })),
      ...chunked(seenOnly, batchSize).map((ids) => limit(async () => {
        await bulk.write((tx) => tx.run(`
          UNWIND $ids AS id
          MATCH (r:CloudResource {orgId: $orgId, id: id})
          SET r.lastSeenAt = $seenAt`, { orgId, ids, seenAt: freshness.lastSeenAt }));
        progress(ids.length);
      })),
    ]);

    // Resources of the ingested accounts that the estate no longer lists: deleted, or from a crawl
    // marked gone (once: one already gone stays as it was).
    const listedIds = new Set(rows.map((row) => row.id));
    const stale = [...stored].filter(([id, before]) => !listedIds.has(id) && !(crawl && before.gone)).map(([id]) => id);
    let removed = 0;
    for (const ids of chunked(stale, batchSize)) {
      removed += await bulk.write(async (tx) => {
        const result = await tx.run<{ n: number }>(crawl
          ? `UNWIND $ids AS id
             MATCH (r:CloudResource {orgId: $orgId, id: id})
             SET r.goneAt = $goneAt, r.state = $gone, r.contentHash = null
             RETURN count(*) AS n`
          : `UNWIND $ids AS id
             MATCH (r:CloudResource {orgId: $orgId, id: id})
             DETACH DELETE r
             RETURN count(*) AS n`, { orgId, ids, goneAt: freshness.lastSeenAt, gone: goneState });
        return result.records[0]?.get('n') ?? 0;
      });
    }

    // Relationships from the ingested accounts' resources are replaced as a whole (from a crawl: those
    // whose both ends it covered, so an edge into a service that failed stays). Read after the
    // resources are written, so deleted resources' edges are already gone.
    const storedEdges = new Map<string, string>();
    await bulk.read(async (tx) => {
      storedEdges.clear();
      await eachRecord(tx.run<{ from: string; type: string; to: string; rel: string }>(`
        MATCH (a:CloudResource {orgId: $orgId})-[rel:${edgeTypes}]->(b)
        WHERE ${replacedBy('a')} AND b.orgId = $orgId
          AND ($covered IS NULL OR NOT b.accountId IN $accountIds OR ${coveredBy('b')})
        RETURN a.id AS from, type(rel) AS type, b.id AS to, elementId(rel) AS rel`, replaced),
      (record) => storedEdges.set(edgeKey(record.get('from'), record.get('type'), record.get('to')), record.get('rel')));
    });
    const listedEdges = new Set<string>();
    const byType = new Map<RelationshipType, { from: string; to: string }[]>();
    // An edge the graph holds already counts as ingested (both its ends exist); the others are merged.
    let relationships = 0;
    for (const edge of edges) {
      const key = edgeKey(edge.from, edge.type, edge.to);
      listedEdges.add(key);
      if (storedEdges.has(key)) {
        relationships += 1;
        continue;
      }
      const rows = byType.get(edge.type) ?? [];
      rows.push({ from: edge.from, to: edge.to });
      byType.set(edge.type, rows);
    }
    let relationshipsDone = relationships;
    for (const type of relationshipOrder) {
      for (const chunk of chunked(byType.get(type) ?? [], batchSize)) {
        relationships += await bulk.write(async (tx) => {
          const result = await tx.run<{ n: number }>(mergeEdgeQuery[type], { orgId, rows: chunk });
          return result.records[0]?.get('n') ?? 0;
        });
        relationshipsDone += chunk.length;
        options.onProgress?.({ phase: 'relationships', done: relationshipsDone, total: estate.relationships.length });
      }
    }
    const staleEdges = [...storedEdges].filter(([key]) => !listedEdges.has(key)).map(([, id]) => id);
    for (const ids of chunked(staleEdges, batchSize)) {
      await bulk.write((tx) => tx.run(`
        UNWIND $ids AS id
        MATCH ()-[rel]->()
        WHERE elementId(rel) = id AND startNode(rel).orgId = $orgId
        DELETE rel`, { orgId, ids }));
    }

    return { resources: estate.resources.length, relationships, removed };
  }

  async getResource(scope: GraphScope, id: string): Promise<GraphResource | undefined> {
    const [resource] = await this.db.read((tx) => fetchResources(tx, scope, [id]));
    return resource;
  }

  async findResources(scope: GraphScope, query: ResourceQuery): Promise<GraphResource[]> {
    const text = query.text?.trim().toLowerCase();
    const limit = query.limit ?? defaultLimit;
    // Text and tag filters are narrowed here on stored strings and decided in JavaScript by the
    // shared predicate, so both stores match exactly alike.
    const recheck = Boolean(text) || query.tag !== undefined;
    return this.db.read(async (tx) => {
      // Names and ids first, sorted here with the same collation as the in-process graph, then the
      // full records of the page only.
      const keys = await tx.run<{ name: string; id: string; type: string; tags: string | null }>(`
        MATCH (r:CloudResource {orgId: $orgId})
        WHERE r.accountId IN $accountIds
          AND ($text IS NULL OR r.nameLower CONTAINS $text OR r.idLower CONTAINS $text OR r.tagValuesText CONTAINS $text)
          AND ($type IS NULL OR r.type = $type)
          AND ($tagNeedle IS NULL OR r.tags CONTAINS $tagNeedle)
        RETURN r.name AS name, r.id AS id, r.type AS type, CASE WHEN $recheck THEN r.tags END AS tags`, {
        ...params(scope),
        text: text ? text : null,
        type: query.type ? query.type : null,
        tagNeedle: query.tag ? tagNeedle(query.tag) : null,
        recheck,
      });
      const page = keys.records
        .map((record) => ({ name: record.get('name'), id: record.get('id'), type: record.get('type'), tags: record.get('tags') }))
        .filter((row) => !recheck || matchesResourceQuery({ ...row, tags: parseTags(row.tags) }, query))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
        .slice(0, limit);
      const resources = new Map((await fetchResources(tx, scope, page.map((p) => p.id))).map((r) => [r.id, r]));
      return page.flatMap((p) => resources.get(p.id) ?? []);
    });
  }

  /**
   * Index lookups only, never a scan: a name that `mentionScore` finds in the text starts with a
   * whole word of the text (its `mentionKey`), and an id mentioned verbatim is one of the text's
   * tokens. The candidates are then ranked with the shared `mentionScore`.
   */
  async resolveMentions(scope: GraphScope, text: string, limit = 5): Promise<CloudResource[]> {
    const { words, tokens } = mentionCandidates(text);
    const candidates = await this.db.read(async (tx) => {
      const result = await tx.run<{ r: ResourceRow }>(`
        UNWIND $words AS word
        MATCH (r:CloudResource {orgId: $orgId, mentionKey: word})
        USING INDEX r:CloudResource(orgId, mentionKey)
        WHERE r.accountId IN $accountIds
        RETURN ${resourceProjection}
        UNION
        UNWIND $tokens AS token
        MATCH (r:CloudResource {orgId: $orgId, idLower: token})
        USING INDEX r:CloudResource(orgId, idLower)
        WHERE r.accountId IN $accountIds
        RETURN ${resourceProjection}`, { ...params(scope), words: [...words, ''], tokens });
      return result.records.map((record) => toResource(record.get('r')));
    });
    return candidates
      .map((resource) => ({ resource, score: mentionScore(text, resource) }))
      .filter((m) => m.score > 0)
      .sort((a, b) => b.score - a.score || a.resource.name.localeCompare(b.resource.name) || a.resource.id.localeCompare(b.resource.id))
      .slice(0, limit)
      .map((m) => m.resource);
  }

  async dependencies(scope: GraphScope, id: string, depth: number): Promise<Neighbour[]> {
    return this.walk(scope, id, depth, 'out');
  }

  async dependents(scope: GraphScope, id: string, depth: number): Promise<Neighbour[]> {
    return this.walk(scope, id, depth, 'in');
  }

  async path(scope: GraphScope, fromId: string, toId: string, maxDepth = 6): Promise<CloudResource[]> {
    return this.db.read(async (tx) => {
      const ends = await fetchResources(tx, scope, fromId === toId ? [fromId] : [fromId, toId]);
      if (ends.length !== (fromId === toId ? 1 : 2)) return [];
      // Breadth-first, one query per hop, neighbours in id order: the same path as the in-process graph.
      const previous = new Map<string, string | null>([[fromId, null]]);
      let frontier = [fromId];
      for (let hop = 0; hop < maxDepth && frontier.length > 0 && !previous.has(toId); hop += 1) {
        const result = await tx.run<{ from: string; neighbours: string[] }>(`
          UNWIND $frontier AS fromId
          MATCH (a:CloudResource {orgId: $orgId, id: fromId})-[:${edgeTypes}]-(b)
          USING INDEX a:CloudResource(orgId, id)
          WHERE b.orgId = $orgId AND b.accountId IN $accountIds
          RETURN fromId AS from, collect(b.id) AS neighbours`, { ...params(scope), frontier });
        const neighbours = new Map(result.records.map((record) => [record.get('from'), record.get('neighbours')]));
        const next: string[] = [];
        for (const current of frontier) {
          for (const n of [...(neighbours.get(current) ?? [])].sort()) {
            if (!previous.has(n)) {
              previous.set(n, current);
              next.push(n);
            }
          }
        }
        frontier = next;
      }
      if (!previous.has(toId)) return [];
      const ids: string[] = [];
      for (let at: string | null | undefined = toId; at; at = previous.get(at)) ids.unshift(at);
      const resources = new Map((await fetchResources(tx, scope, ids)).map((r) => [r.id, r]));
      return ids.flatMap((i) => resources.get(i) ?? []);
    });
  }

  async counts(scope: GraphScope): Promise<ResourceCounts> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ type: string; state: string; region: string; n: number }>(`
        MATCH (r:CloudResource {orgId: $orgId})
        WHERE r.accountId IN $accountIds
        RETURN r.type AS type, r.state AS state, r.region AS region, count(*) AS n`, params(scope));
      return result.records.map((record) => record.toObject());
    });
    const counts: ResourceCounts = { byType: {}, byState: {}, byRegion: {} };
    for (const row of rows) {
      counts.byType[row.type] = (counts.byType[row.type] ?? 0) + row.n;
      counts.byState[row.state] = (counts.byState[row.state] ?? 0) + row.n;
      counts.byRegion[row.region] = (counts.byRegion[row.region] ?? 0) + row.n;
    }
    return counts;
  }

  async close(): Promise<void> {
    await this.release();
  }

  /**
   * One statement per traversal: every path of up to `depth` hops from the start through visible
   * resources only (so a walk never passes through an account the channel may not see), returned as
   * its distinct edges and resources; the breadth-first order that picks each resource's depth and
   * `via` is replayed here. One round trip instead of one per hop keeps the latency flat on a busy
   * server (docs/benchmarks.md).
   */
  private async walk(scope: GraphScope, id: string, depth: number, direction: 'out' | 'in'): Promise<Neighbour[]> {
    const hops = Math.min(Math.max(Math.trunc(depth), 0), maxTraversalDepth);
    if (hops === 0) return [];
    // `hops` is a validated integer: variable-length bounds cannot be parameters.
    const pattern = direction === 'out' ? `(a)-[:${edgeTypes}*1..${hops}]->(b)` : `(a)<-[:${edgeTypes}*1..${hops}]-(b)`;
    const { edges, resources } = await this.db.read(async (tx) => {
      const result = await tx.run<{ edges: [string, RelationshipType, string][]; resources: ResourceRow[] }>(`
        MATCH (a:CloudResource {orgId: $orgId, id: $id})
        WHERE a.accountId IN $accountIds
        MATCH p = ${pattern}
        WHERE all(n IN nodes(p) WHERE n.orgId = $orgId AND n.accountId IN $accountIds)
        UNWIND relationships(p) AS rel
        WITH collect(DISTINCT rel) AS rels, collect(DISTINCT b) AS ends
        RETURN [rel IN rels | [startNode(rel).id, type(rel), endNode(rel).id]] AS edges,
               [r IN ends | r { .id, .provider, .accountId, .type, .name, .region, .state, .tags, .desiredCount, .runningCount, .changedAt }] AS resources`, { ...params(scope), id });
      const record = result.records[0];
      return { edges: record?.get('edges') ?? [], resources: record?.get('resources') ?? [] };
    });
    const near = direction === 'out' ? 0 : 2;
    const far = direction === 'out' ? 2 : 0;
    const adjacent = new Map<string, { via: RelationshipType; id: string }[]>();
    for (const edge of edges) {
      const list = adjacent.get(edge[near]) ?? [];
      list.push({ via: edge[1], id: edge[far] });
      adjacent.set(edge[near], list);
    }
    // Breadth-first: the edge that reaches a resource first comes from the earliest resource of the
    // frontier, then by relationship type, then by id.
    for (const list of adjacent.values()) list.sort((x, y) => relationshipOrder.indexOf(x.via) - relationshipOrder.indexOf(y.via) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const seen = new Map<string, { depth: number; via: RelationshipType }>();
    let frontier = [id];
    for (let hop = 1; hop <= hops && frontier.length > 0; hop += 1) {
      const next: string[] = [];
      for (const current of frontier) {
        for (const edge of adjacent.get(current) ?? []) {
          if (edge.id === id || seen.has(edge.id)) continue;
          seen.set(edge.id, { depth: hop, via: edge.via });
          next.push(edge.id);
        }
      }
      frontier = next;
    }
    const byId = new Map(resources.map((row) => [row.id, toResource(row)]));
    return [...seen]
      .flatMap(([otherId, { depth: d, via }]) => {
        const resource = byId.get(otherId);
        return resource ? [{ resource, depth: d, via }] : [];
      })
      .sort((a, b) => a.depth - b.depth || a.resource.name.localeCompare(b.resource.name) || a.resource.id.localeCompare(b.resource.id));
  }
}

function params(scope: GraphScope): { orgId: string; accountIds: string[] } {
  return { orgId: scope.orgId, accountIds: [...scope.accountIds] };
}

async function fetchResources(tx: ManagedTransaction, scope: GraphScope, ids: readonly string[]): Promise<GraphResource[]> {
  if (ids.length === 0) return [];
  const result = await tx.run<{ r: ResourceRow }>(`
    UNWIND $ids AS id
    MATCH (r:CloudResource {orgId: $orgId, id: id})
    USING INDEX r:CloudResource(orgId, id)
    WHERE r.accountId IN $accountIds
    RETURN ${resourceProjection}`, { ...params(scope), ids: [...ids] });
  return result.records.map((record) => toResource(record.get('r')));
}

function toResource(row: ResourceRow): GraphResource {
  return {
    ...(row.lastSeenAt ? { lastSeenAt: row.lastSeenAt } : {}),
    ...(row.goneAt ? { goneAt: row.goneAt } : {}),
    id: row.id,
    provider: row.provider,
    accountId: row.accountId,
    type: row.type,
    name: row.name,
    region: row.region,
    state: row.state,
    tags: parseTags(row.tags),
    ...(typeof row.desiredCount === 'number' ? { desiredCount: row.desiredCount } : {}),
    ...(typeof row.runningCount === 'number' ? { runningCount: row.runningCount } : {}),
    ...(row.changedAt ? { changedAt: row.changedAt } : {}),
  };
}

function parseTags(json: string | null): Record<string, string> {
  return json ? JSON.parse(json) as Record<string, string> : {};
}

/**
 * The text a tag filter's key (and value) leaves in the stored tags JSON: quotes inside keys and
 * values are escaped there, so `"key":` only ever matches a key.
 */
function tagNeedle(tag: { key: string; value?: string }): string {
  return `${JSON.stringify(tag.key)}:${tag.value === undefined ? '' : JSON.stringify(tag.value)}`;
}

/**
 * Node properties for a resource. Neo4j cannot store maps, so tags are kept as JSON (exact round
 * trip, full-text indexed, and searched as text for tag filters). Every property is paid for on each
 * write (ingestion cost is mostly the node's content), so only what a query reads is derived:
 * lower-cased name, id and tag values for case-insensitive search, the indexed `idLower` and
 * `mentionKey` for mention lookups; `contentHash` lets a re-ingest skip unchanged resources.
 */
export function resourceProperties(resource: CloudResource): Record<string, unknown> {
  const tags = resource.tags ?? {};
  const props = {
    provider: resource.provider,
    accountId: resource.accountId,
    type: resource.type,
    name: resource.name,
    region: resource.region ?? 'global',
    state: resource.state ?? 'unknown',
    tags: JSON.stringify(tags),
    // Null removes what an earlier ingest set (`SET r += props`).
    desiredCount: resource.desiredCount ?? null,
    runningCount: resource.runningCount ?? null,
    changedAt: resource.changedAt ?? null,
    // One string, not a list: list properties cost several times more to write.
    tagValuesText: Object.values(tags).map((value) => value.toLowerCase()).join('\n'),
    nameLower: resource.name.toLowerCase(),
    idLower: resource.id.toLowerCase(),
    mentionKey: mentionKey(resource.name),
  };
  return { ...props, contentHash: createHash('sha1').update(JSON.stringify(props)).digest('base64') };
}

/** Characters that `mentionScore` treats as part of a name's word. */
const wordRun = /[a-z0-9_.-]+/g;

/** The first run of word characters of a lower-cased name: '' when it has none. */
export function mentionKey(name: string): string {
  return /[a-z0-9_.-]+/.exec(name.toLowerCase())?.[0] ?? '';
}

const leadingPunctuation = /^["'`([{<]+/;
const trailingPunctuation = /["'`)\]}>,.;:!?]+$/;

/**
 * What to look up for a free-text message: its whole words (a name's `mentionKey` is always one of
 * them, or one without a sentence's final dot), and its tokens (an id mentioned verbatim is one,
 * once quotes, brackets and punctuation around it are stripped).
 */
export function mentionCandidates(text: string): { words: string[]; tokens: string[] } {
  const haystack = text.toLowerCase();
  const words = new Set<string>();
  for (const match of haystack.matchAll(wordRun)) {
    words.add(match[0]);
    if (match[0].endsWith('.')) words.add(match[0].slice(0, -1));
  }
  const tokens = new Set<string>(words);
  const chunks = new Set([...haystack.split(/\s+/), ...haystack.split(/[\s,;|"'`<>()[\]{}]+/)]);
  for (const chunk of chunks) {
    if (!chunk) continue;
    tokens.add(chunk);
    const lead = leadingPunctuation.exec(chunk)?.[0].length ?? 0;
    const trail = trailingPunctuation.exec(chunk.slice(lead))?.[0].length ?? 0;
    // Every way of stripping the punctuation around the token: an id may itself end in a dot or bracket.
    for (let i = 0; i <= Math.min(lead, 4); i += 1) {
      for (let j = 0; j <= Math.min(trail, 4); j += 1) {
        const token = chunk.slice(i, chunk.length - j);
        if (token) tokens.add(token);
      }
    }
    if (tokens.size > maxMentionCandidates) break;
  }
  return { words: [...words], tokens: [...tokens].slice(0, maxMentionCandidates) };
}
