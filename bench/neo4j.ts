import { performance } from 'node:perf_hooks';
import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import { chunked } from '../src/batches.ts';
import type { RelationshipType } from '../src/stores/estate.ts';
import { resourceProperties } from '../src/stores/neo4j/graph.ts';
import { Neo4jConnection } from '../src/stores/neo4j/index.ts';
import type { SyntheticEstate } from './estate.ts';

export interface PhaseTiming {
  transactions: number;
  ms: number;
}

/** The phases of `Neo4jResourceGraph.ingest`, told apart by the first statement of each transaction. */
function classify(query: string): string {
  if (query.includes('MERGE (o:Organization')) return 'accounts';
  if (query.includes('r.contentHash AS hash')) return 'read: stored resources';
  if (query.includes('MERGE (r:CloudResource')) return 'resources, new or changed (UNWIND MERGE, 5k/tx)';
  if (query.includes('SET r.lastSeenAt = $seenAt')) return 'resources, unchanged: lastSeenAt only';
  if (query.includes('DETACH DELETE r') || query.includes('SET r.goneAt')) return 'stale resources';
  if (query.includes('elementId(rel) AS rel')) return 'read: stored relationships';
  if (/MERGE \(a\)-\[:/.test(query)) return 'relationships, new (UNWIND MERGE, 5k/tx)';
  if (query.includes('DELETE rel')) return 'stale relationships';
  return 'other';
}

/**
 * The store's own connection class, recording how long each transaction of the graph takes (from
 * session open to commit) by phase. The graph under test is the unmodified `Neo4jResourceGraph` on
 * top of it.
 */
export class TimedConnection extends Neo4jConnection {
  readonly phases = new Map<string, PhaseTiming>();

  override async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return this.timed(work, (timedWork) => super.read(timedWork));
  }

  override async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return this.timed(work, (timedWork) => super.write(timedWork));
  }

  private async timed<T>(work: (tx: ManagedTransaction) => Promise<T>, run: (work: (tx: ManagedTransaction) => Promise<T>) => Promise<T>): Promise<T> {
    let phase: string | undefined;
    const started = performance.now();
    try {
      return await run((tx) => work(new Proxy(tx, {
        get(target, property) {
          if (property === 'run') {
            return (query: string, parameters?: Record<string, unknown>) => {
              phase ??= classify(query);
              return target.run(query, parameters);
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      })));
    } finally {
      // Reads other than the ingest's own (traversals, counts) are not phases of an ingest.
      const name = phase ?? 'other';
      if (name !== 'other') {
        const timing = this.phases.get(name) ?? { transactions: 0, ms: 0 };
        timing.transactions += 1;
        timing.ms += performance.now() - started;
        this.phases.set(name, timing);
      }
    }
  }
}

const naiveEdgeQuery: Record<RelationshipType, string> = {
  DEPENDS_ON: edgeQuery('DEPENDS_ON'),
  CONTAINS: edgeQuery('CONTAINS'),
  ROUTES_TO: edgeQuery('ROUTES_TO'),
  ATTACHED_TO: edgeQuery('ATTACHED_TO'),
};

function edgeQuery(type: RelationshipType): string {
  return `
    MATCH (a:CloudResource {orgId: $orgId, id: $from})
    MATCH (b:CloudResource {orgId: $orgId, id: $to})
    MERGE (a)-[:${type}]->(b)`;
}

/**
 * The naive ingest: the same nodes, properties and edges as the store, but one `MERGE` per
 * resource (and per relationship) in its own transaction, as a straightforward loader would.
 */
export async function naiveIngest(driver: Driver, orgId: string, estate: SyntheticEstate, onProgress?: (done: number) => void): Promise<{ ms: number; transactions: number }> {
  const session = driver.session({ defaultAccessMode: neo4j.session.WRITE });
  let transactions = 0;
  const started = performance.now();
  try {
    for (const account of estate.accounts) {
      await session.executeWrite((tx) => tx.run(`
        MERGE (o:Organization {id: $orgId})
        MERGE (a:CloudAccount {orgId: $orgId, accountId: $accountId})
        SET a.provider = $provider, a.name = $name
        MERGE (o)-[:HAS_ACCOUNT]->(a)`, { orgId, ...account }));
      transactions += 1;
    }
    for (const resource of estate.resources) {
      await session.executeWrite((tx) => tx.run(`
        MERGE (r:CloudResource {orgId: $orgId, id: $id})
        SET r += $props
        WITH r
        MATCH (a:CloudAccount {orgId: $orgId, accountId: $props.accountId})
        MERGE (a)-[:HAS_RESOURCE]->(r)`, { orgId, id: resource.id, props: resourceProperties(resource) }));
      transactions += 1;
      if (transactions % 500 === 0) onProgress?.(transactions);
    }
    for (const rel of estate.relationships) {
      await session.executeWrite((tx) => tx.run(naiveEdgeQuery[rel.type], { orgId, from: rel.from, to: rel.to }));
      transactions += 1;
      if (transactions % 500 === 0) onProgress?.(transactions);
    }
  } finally {
    await session.close();
  }
  return { ms: performance.now() - started, transactions };
}

/**
 * The floor: the least work any Cypher loader can do for this estate on this server — each node
 * created with its key alone (the uniqueness constraint still checked), each relationship created
 * bare, 5,000 rows per transaction, two transactions in flight. No loader that stores what the
 * tools need can beat it, so it tells whether a target is reachable on this machine at all.
 */
export async function floorIngest(driver: Driver, orgId: string, estate: SyntheticEstate): Promise<{ ms: number; nodesMs: number }> {
  const started = performance.now();
  await inParallel(driver, chunked(estate.resources.map((r) => r.id), 5_000), (tx, ids) => tx.run(`
    UNWIND $ids AS id CREATE (:CloudResource {orgId: $orgId, id: id})`, { orgId, ids }));
  const nodesMs = performance.now() - started;
  await inParallel(driver, chunked(estate.relationships.map((r) => ({ from: r.from, to: r.to })), 5_000), (tx, rows) => tx.run(`
    UNWIND $rows AS row
    MATCH (a:CloudResource {orgId: $orgId, id: row.from})
    MATCH (b:CloudResource {orgId: $orgId, id: row.to})
    CREATE (a)-[:DEPENDS_ON]->(b)`, { orgId, rows }));
  return { ms: performance.now() - started, nodesMs };
}

/** Runs one write transaction per chunk, two at a time. */
async function inParallel<T>(driver: Driver, chunks: readonly T[], work: (tx: ManagedTransaction, chunk: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    const session = driver.session({ defaultAccessMode: neo4j.session.WRITE });
    try {
      for (let at = next++; at < chunks.length; at = next++) {
        const chunk = chunks[at] as T;
        await session.executeWrite((tx) => work(tx, chunk));
      }
    } finally {
      await session.close();
    }
  }));
}

/**
 * The naive traversal: one variable-length pattern from a start node matched by property alone
 * (no label, so no index), as a first Cypher draft would read.
 */
export async function naiveTraversal(driver: Driver, orgId: string, accountIds: readonly string[], id: string, depth: number, direction: 'out' | 'in'): Promise<number> {
  const pattern = direction === 'out'
    ? `(a)-[:DEPENDS_ON|CONTAINS|ROUTES_TO|ATTACHED_TO*1..${depth}]->(b)`
    : `(a)<-[:DEPENDS_ON|CONTAINS|ROUTES_TO|ATTACHED_TO*1..${depth}]-(b)`;
  const result = await driver.executeQuery(`
    MATCH (a {orgId: $orgId, id: $id})
    MATCH ${pattern}
    WHERE b.orgId = $orgId AND b.accountId IN $accountIds AND b <> a
    RETURN DISTINCT b { .id, .provider, .accountId, .type, .name, .region, .state, .tags } AS r`,
  { orgId, id, accountIds: [...accountIds] }, { routing: neo4j.routing.READ });
  return result.records.length;
}

/** Deletes everything an organization owns in the graph, in batches. */
export async function deleteOrganization(driver: Driver, orgId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { records } = await driver.executeQuery(`
      MATCH (r:CloudResource {orgId: $orgId})
      WITH r LIMIT 10000
      DETACH DELETE r
      RETURN count(*) AS n`, { orgId });
    const n = Number(records[0]?.get('n') ?? 0);
    deleted += n;
    if (n < 10_000) break;
  }
  await driver.executeQuery(`
    MATCH (a:CloudAccount {orgId: $orgId}) DETACH DELETE a
    WITH count(*) AS ignored
    MATCH (o:Organization {id: $orgId}) DETACH DELETE o`, { orgId });
  return deleted;
}

export async function countOrganization(driver: Driver, orgId: string): Promise<{ resources: number; relationships: number }> {
  const { records } = await driver.executeQuery(`
    MATCH (r:CloudResource {orgId: $orgId})
    WITH count(r) AS resources
    OPTIONAL MATCH (:CloudResource {orgId: $orgId})-[rel:DEPENDS_ON|CONTAINS|ROUTES_TO|ATTACHED_TO]->()
    RETURN resources, count(rel) AS relationships`, { orgId });
  return { resources: Number(records[0]?.get('resources') ?? 0), relationships: Number(records[0]?.get('relationships') ?? 0) };
}

export async function neo4jVersion(driver: Driver): Promise<string> {
  const { records } = await driver.executeQuery('CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition');
  const record = records[0];
  if (!record) return 'unknown';
  return `${String(record.get('name'))} ${(record.get('versions') as string[]).join(', ')} ${String(record.get('edition'))}`;
}

/** CPU time the Neo4j server process has used so far (JMX), in ms; NaN when the server does not expose it. */
export async function neo4jCpuMs(driver: Driver): Promise<number> {
  try {
    const { records } = await driver.executeQuery("CALL dbms.queryJmx('java.lang:type=OperatingSystem') YIELD attributes RETURN attributes.ProcessCpuTime.value AS cpu");
    return Number(records[0]?.get('cpu')) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** The server JVM's heap limit and JIT mode, from its command line (JMX); undefined when not exposed. */
export async function neo4jJvm(driver: Driver): Promise<string | undefined> {
  try {
    const { records } = await driver.executeQuery("CALL dbms.queryJmx('java.lang:type=Runtime') YIELD attributes RETURN attributes.InputArguments.value AS args, attributes.VmVersion.value AS vm");
    const args = (records[0]?.get('args') ?? []) as string[];
    const heap = args.filter((a) => a.startsWith('-Xmx')).at(-1)?.slice(4) ?? 'default';
    const tier = args.filter((a) => a.startsWith('-XX:TieredStopAtLevel=')).at(-1)?.split('=')[1];
    const jit = tier === undefined || tier === '4' ? 'C1+C2 JIT' : `JIT stops at tier ${tier} (C1 only: lower peak speed)`;
    return `JVM ${String(records[0]?.get('vm') ?? '')}, heap ${heap}, ${jit}`;
  } catch {
    return undefined;
  }
}
