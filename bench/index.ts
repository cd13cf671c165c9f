/**
 * Cloud Companion benchmark suite (`npm run bench`): estate ingestion, graph traversals and
 * runbook hybrid search on real Neo4j and Weaviate servers, against the targets of the project
 * issue, each beside the same work done the naive way. See docs/benchmarks.md.
 *
 * Reuses the servers named by NEO4J_URI / WEAVIATE_URL when set, starts (and afterwards stops)
 * local ones otherwise. Everything is written under a fresh organization id and deleted at the end.
 * Exits 0 whether or not the targets are met: the output is a report, misses are marked MISS.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import weaviate from 'weaviate-client';
import { startServices } from '../scripts/services-lib.mjs';
import { silentLogger } from '../src/logging.ts';
import { chunkRunbook } from '../src/runbooks/parse.ts';
import type { GraphScope, Neighbour } from '../src/stores/graph.ts';
import { createDriver, migrate, Neo4jResourceGraph, verifyConnectivity } from '../src/stores/neo4j/index.ts';
import {
  createWeaviateRunbookIndex, defaultChunkCollection, defaultDocumentCollection, parseEndpoints, tenantName,
} from '../src/stores/weaviate/runbooks.ts';
import { createBenchEmbedder } from './embedder.ts';
import { generateEstate, typeMix } from './estate.ts';
import {
  countOrganization, deleteOrganization, floorIngest, naiveIngest, naiveTraversal, neo4jCpuMs, neo4jJvm, neo4jVersion, TimedConnection,
} from './neo4j.ts';
import { seededRandom } from './random.ts';
import { megabytes, ms, markdownTable, perSecond, ratio, seconds, summarize, type Latencies } from './report.ts';
import { recordResults } from './results.ts';
import { generateQueries, generateRunbooks, sectionsPerRunbook } from './runbooks.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}").`);
  return value;
}

const resourceCount = envInt('BENCH_RESOURCES', 100_000);
const config = {
  resources: resourceCount,
  relationships: envInt('BENCH_RELATIONSHIPS', 2 * resourceCount),
  chunks: envInt('BENCH_CHUNKS', 10_000),
  queries: envInt('BENCH_QUERIES', 300),
  warmup: envInt('BENCH_WARMUP', 300),
  naiveResources: Math.min(resourceCount, envInt('BENCH_NAIVE_RESOURCES', 2_000)),
  naiveQueries: envInt('BENCH_NAIVE_QUERIES', 50),
  warmupResources: envInt('BENCH_WARMUP_RESOURCES', Math.min(resourceCount, 10_000)),
  seed: envInt('BENCH_SEED', 20_260_101),
  reingest: process.env.BENCH_REINGEST !== '0',
};
const targets = { ingestPerSecond: 20_000, twoHopP95: 20, searchP95: 50 };

const benchStarted = performance.now();
const stamp = (): string => `${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)}s`;
const log = (message: string): void => {
  process.stderr.write(`[bench ${stamp()}] ${message}\n`);
};

const loadAtStart = os.loadavg();
const orgId = `bench-${Date.now()}`;
const naiveOrgId = `${orgId}-naive`;
const warmupOrgIds = [`${orgId}-warmup`, `${orgId}-warmup-naive`] as const;
const floorOrgId = `${orgId}-floor`;

log(`organization ${orgId}; ${config.resources.toLocaleString('en-US')} resources, ${config.relationships.toLocaleString('en-US')} relationships, ${config.chunks.toLocaleString('en-US')} runbook chunks, ${config.queries} queries per measurement`);
// A Neo4j the bench starts itself runs with the JVM's full tiered JIT (C1 + C2), as a production
// server does; the services script limits it to C1 for faster test start-up. SERVICES_NEO4J_JAVA_OPTS,
// when set, is left as it is. (A fresh JVM spends part of the C2 gain compiling during the run,
// hence also the warm-up ingest below.)
const ownNeo4j = !process.env.NEO4J_URI;
const ownWeaviate = !process.env.WEAVIATE_URL;
if (ownNeo4j && process.env.SERVICES_NEO4J_JAVA_OPTS === undefined) process.env.SERVICES_NEO4J_JAVA_OPTS = '-XX:TieredStopAtLevel=4';
const services = await startServices({ log: (line) => log(`services: ${line}`) });
const { env } = services;

// Everything to undo, newest first; run once, on success, failure or Ctrl-C.
const cleanups: { what: string; run: () => Promise<void> }[] = [];
let finished: Promise<void> | undefined;
function finish(): Promise<void> {
  finished ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        log(`cleanup "${cleanup.what}" failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await services.stop();
  })();
  return finished;
}
process.once('SIGINT', () => {
  log('interrupted: cleaning up');
  void finish().finally(() => process.exit(130));
});

try {
  await run();
} finally {
  await finish();
}

async function run(): Promise<void> {
  // ---- Neo4j: the store's graph over an instrumented connection -----------------------------
  const neo4jOptions = { uri: env.NEO4J_URI, user: env.NEO4J_USER, password: env.NEO4J_PASSWORD };
  const driver = createDriver(neo4jOptions);
  await verifyConnectivity(driver, neo4jOptions);
  const db = new TimedConnection(driver, undefined);
  const releaseDriver = db.acquire();
  cleanups.push({ what: 'close Neo4j driver', run: releaseDriver });
  await migrate(db);
  const graph = new Neo4jResourceGraph(db);
  cleanups.push({ what: 'close graph', run: () => graph.close() });
  cleanups.push({
    what: 'delete bench graph data',
    run: async () => {
      const started = performance.now();
      let deleted = 0;
      for (const id of [orgId, naiveOrgId, floorOrgId, ...warmupOrgIds]) deleted += await deleteOrganization(driver, id);
      log(`deleted ${deleted.toLocaleString('en-US')} bench resources from Neo4j in ${seconds(performance.now() - started)}`);
    },
  });
  const neo4jServer = await neo4jVersion(driver);
  const neo4jJvmFacts = await neo4jJvm(driver);

  // ---- Weaviate: index the runbooks first, so the index has settled when it is searched -------
  const embedder = createBenchEmbedder();
  const index = await createWeaviateRunbookIndex({ url: env.WEAVIATE_URL, grpcUrl: env.WEAVIATE_GRPC_URL, embedder, logger: silentLogger() });
  cleanups.push({ what: 'close runbook index', run: () => index.close() });
  cleanups.push({ what: 'delete bench Weaviate tenant', run: () => deleteTenant(env.WEAVIATE_URL, env.WEAVIATE_GRPC_URL, orgId) });
  const weaviateServer = await weaviateVersion(env.WEAVIATE_URL);

  const runbooks = generateRunbooks({ chunks: config.chunks, seed: config.seed + 3 });
  const chunkTotal = runbooks.reduce((sum, runbook) => sum + chunkRunbook(runbook).length, 0);
  if (chunkTotal !== config.chunks) throw new Error(`The runbook corpus chunks into ${chunkTotal} sections; expected ${config.chunks}.`);
  log(`indexing ${runbooks.length} runbooks (${chunkTotal} chunks) in Weaviate …`);
  const group = 50;
  const load: Record<string, number> = { indexing: os.loadavg()[0] ?? 0 };
  const indexStarted = performance.now();
  for (let at = 0; at < runbooks.length; at += group) {
    await index.upsert(orgId, runbooks.slice(at, at + group));
    log(`  indexed ${Math.min(at + group, runbooks.length)}/${runbooks.length} runbooks`);
  }
  const indexMs = performance.now() - indexStarted;

  let started = performance.now();
  const estate = generateEstate({ resources: config.resources, relationships: config.relationships, seed: config.seed });
  log(`generated estate in ${seconds(performance.now() - started)}: ${estate.resources.length} resources, ${estate.relationships.length} relationships, ${estate.accounts.length} accounts`);
  const scope: GraphScope = { orgId, accountIds: estate.accounts.map((a) => a.accountId) };

  // Warm the server up (JIT, caches, plans) on a throw-away organization, as a long-running server would be.
  started = performance.now();
  const warmup = generateEstate({ resources: config.warmupResources, relationships: 2 * config.warmupResources, seed: config.seed + 5 });
  await graph.ingest(warmupOrgIds[0], warmup);
  await naiveIngest(driver, warmupOrgIds[1], { ...warmup, resources: warmup.resources.slice(0, 200), relationships: [] });
  for (const id of warmupOrgIds) await deleteOrganization(driver, id);
  db.phases.clear();
  log(`warmed Neo4j up with a ${warmup.resources.length}-resource ingest in ${seconds(performance.now() - started)}`);

  log('ingesting the estate through graph.ingest (batched) …');
  load.ingest = os.loadavg()[0] ?? 0;
  let cpu0 = await neo4jCpuMs(driver);
  started = performance.now();
  const ingested = await graph.ingest(orgId, estate);
  const ingestMs = performance.now() - started;
  const ingestCpuMs = await neo4jCpuMs(driver) - cpu0;
  const ingestPhases = new Map(db.phases);
  log(`ingested in ${seconds(ingestMs)} (${perSecond(estate.resources.length / (ingestMs / 1000), 'resources')}); store reports ${ingested.resources} resources, ${ingested.relationships} relationships`);
  const stored = await countOrganization(driver, orgId);
  if (stored.resources !== estate.resources.length || stored.relationships !== estate.relationships.length) {
    throw new Error(`Neo4j holds ${stored.resources} resources and ${stored.relationships} relationships for ${orgId}; expected ${estate.resources.length} and ${estate.relationships.length}.`);
  }

  let reingestMs = Number.NaN;
  let reingestCpuMs = Number.NaN;
  let reingestPhases = new Map<string, { transactions: number; ms: number }>();
  if (config.reingest) {
    db.phases.clear();
    log('re-ingesting the unchanged estate (the periodic crawl case) …');
    cpu0 = await neo4jCpuMs(driver);
    started = performance.now();
    await graph.ingest(orgId, estate);
    reingestMs = performance.now() - started;
    reingestCpuMs = await neo4jCpuMs(driver) - cpu0;
    reingestPhases = new Map(db.phases);
    log(`re-ingested in ${seconds(reingestMs)}`);
  }

  // ---- The floor: the least any Cypher loader can write this estate with, on this machine ----
  log('floor ingestion: ids only, CREATE, two transactions in flight …');
  cpu0 = await neo4jCpuMs(driver);
  const floor = await floorIngest(driver, floorOrgId, estate);
  const floorCpuMs = await neo4jCpuMs(driver) - cpu0;
  const floorStored = await countOrganization(driver, floorOrgId);
  if (floorStored.resources !== estate.resources.length || floorStored.relationships !== estate.relationships.length) {
    throw new Error(`The floor ingest stored ${floorStored.resources} resources and ${floorStored.relationships} relationships; expected ${estate.resources.length} and ${estate.relationships.length}.`);
  }
  log(`floor ingestion took ${seconds(floor.ms)} (nodes ${seconds(floor.nodesMs)})`);
  await deleteOrganization(driver, floorOrgId);

  // ---- Traversals ----------------------------------------------------------------------------
  const random = seededRandom(config.seed + 1);
  const pickIds = (n: number): string[] => Array.from({ length: n }, () => random.pick(estate.resources).id);
  const measure = async (name: string, ids: readonly string[], work: (id: string) => Promise<number>): Promise<{ latency: Latencies; sizes: number[] }> => {
    const durations: number[] = [];
    const sizes: number[] = [];
    for (const id of ids) {
      const t0 = performance.now();
      sizes.push(await work(id));
      durations.push(performance.now() - t0);
    }
    const latency = summarize(durations);
    log(`${name}: p50 ${ms(latency.p50)}, p95 ${ms(latency.p95)} over ${latency.samples} queries`);
    return { latency, sizes };
  };
  const size = (neighbours: Neighbour[]): number => neighbours.length;

  for (const id of pickIds(config.warmup)) {
    await graph.dependencies(scope, id, 2);
    await graph.dependents(scope, id, 3);
  }
  load.traversals = os.loadavg()[0] ?? 0;
  const twoHop = await measure('2-hop dependencies', pickIds(config.queries), async (id) => size(await graph.dependencies(scope, id, 2)));
  const blast = await measure('blast radius (dependents, depth 3)', pickIds(config.queries), async (id) => size(await graph.dependents(scope, id, 3)));

  const naiveCount = Math.min(config.naiveQueries, config.queries);
  log(`naive traversals (unlabelled start node, one variable-length MATCH) over ${naiveCount} queries …`);
  await naiveTraversal(driver, orgId, scope.accountIds, pickIds(1)[0] ?? '', 2, 'out');
  const naiveTwoHop = await measure('naive 2-hop', pickIds(naiveCount), (id) => naiveTraversal(driver, orgId, scope.accountIds, id, 2, 'out'));
  const naiveBlast = await measure('naive blast radius', pickIds(naiveCount), (id) => naiveTraversal(driver, orgId, scope.accountIds, id, 3, 'in'));

  // ---- Naive ingestion -----------------------------------------------------------------------
  const sample = generateEstate({ resources: config.naiveResources, relationships: 2 * config.naiveResources, seed: config.seed + 2 });
  log(`naive ingestion: ${sample.resources.length} resources + ${sample.relationships.length} relationships, one MERGE per transaction …`);
  load.naive = os.loadavg()[0] ?? 0;
  cpu0 = await neo4jCpuMs(driver);
  const naive = await naiveIngest(driver, naiveOrgId, sample, (done) => log(`  naive: ${done} transactions`));
  const naiveStored = await countOrganization(driver, naiveOrgId);
  if (naiveStored.resources !== sample.resources.length || naiveStored.relationships !== sample.relationships.length) {
    throw new Error(`The naive ingest stored ${naiveStored.resources} resources and ${naiveStored.relationships} relationships; expected ${sample.resources.length} and ${sample.relationships.length}.`);
  }
  const naiveCpuMs = await neo4jCpuMs(driver) - cpu0;
  log(`naive ingestion took ${seconds(naive.ms)} for ${naive.transactions} transactions`);

  // ---- Runbook search ------------------------------------------------------------------------

  const queries = generateQueries({ count: config.queries + config.warmup, seed: config.seed + 4 });
  for (const query of queries.slice(0, config.warmup)) await index.search(orgId, query);
  load.search = os.loadavg()[0] ?? 0;
  let answered = 0;
  const searchDurations: number[] = [];
  for (const query of queries.slice(config.warmup)) {
    const t0 = performance.now();
    const hits = await index.search(orgId, query);
    searchDurations.push(performance.now() - t0);
    if (hits.length > 0) answered += 1;
  }
  const search = summarize(searchDurations);
  log(`runbook hybrid search: p50 ${ms(search.p50)}, p95 ${ms(search.p95)} over ${search.samples} queries (${answered} with hits)`);

  // ---- Report --------------------------------------------------------------------------------
  const ingestRate = estate.resources.length / (ingestMs / 1000);
  const ingestRelRate = estate.relationships.length / (ingestMs / 1000);
  const naiveRate = sample.resources.length / (naive.ms / 1000);
  const floorRate = estate.resources.length / (floor.ms / 1000);
  const naiveRelRate = sample.relationships.length / (naive.ms / 1000);
  const naiveProjectedMs = (estate.resources.length / naiveRate) * 1000;
  const verdict = (ok: boolean): string => (ok ? 'PASS' : '**MISS**');
  const k = (n: number): string => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n));
  const estateLabel = `${k(estate.resources.length)} resources + ${k(estate.relationships.length)} relationships`;

  const rows: string[][] = [
    [`Estate ingestion (${estateLabel}), resources/s`, perSecond(ingestRate, 'res'), `≥ ${perSecond(targets.ingestPerSecond, 'res')}`, perSecond(naiveRate, 'res'), ratio(ingestRate / naiveRate), verdict(ingestRate >= targets.ingestPerSecond)],
    ['Estate ingestion, relationships/s (same run)', perSecond(ingestRelRate, 'rel'), '—', perSecond(naiveRelRate, 'rel'), ratio(ingestRelRate / naiveRelRate), '—'],
    ['Estate ingestion, wall time', seconds(ingestMs), `≤ ${seconds((estate.resources.length / targets.ingestPerSecond) * 1000)}`, `${seconds(naiveProjectedMs)} (projected)`, ratio(naiveProjectedMs / ingestMs), '(as above)'],
    ['Estate ingestion, resources per Neo4j CPU-second', perSecond(estate.resources.length / (ingestCpuMs / 1000), 'res/CPU'), '—', perSecond(sample.resources.length / (naiveCpuMs / 1000), 'res/CPU'), ratio((estate.resources.length / ingestCpuMs) / (sample.resources.length / naiveCpuMs)), '—'],
    [`Ingestion floor on this machine: ids only, bare CREATE (${estateLabel}), resources/s`, `${perSecond(floorRate, 'res')} (the store reaches ${((ingestRate / floorRate) * 100).toFixed(0)}% of it)`, '—', '—', '—', '—'],
    ...(config.reingest ? [['Re-ingest of the unchanged estate, resources/s', perSecond(estate.resources.length / (reingestMs / 1000), 'res'), '—', '—', '—', '—']] : []),
    ['2-hop dependencies, p50', ms(twoHop.latency.p50), '—', ms(naiveTwoHop.latency.p50), ratio(naiveTwoHop.latency.p50 / twoHop.latency.p50), '—'],
    ['2-hop dependencies, p95', ms(twoHop.latency.p95), `≤ ${ms(targets.twoHopP95)}`, ms(naiveTwoHop.latency.p95), ratio(naiveTwoHop.latency.p95 / twoHop.latency.p95), verdict(twoHop.latency.p95 <= targets.twoHopP95)],
    ['Blast radius (dependents, depth 3), p50', ms(blast.latency.p50), '—', ms(naiveBlast.latency.p50), ratio(naiveBlast.latency.p50 / blast.latency.p50), '—'],
    ['Blast radius (dependents, depth 3), p95', ms(blast.latency.p95), '—', ms(naiveBlast.latency.p95), ratio(naiveBlast.latency.p95 / blast.latency.p95), '—'],
    [`Runbook hybrid search (${k(chunkTotal)} chunks), p50`, ms(search.p50), '—', '—', '—', '—'],
    [`Runbook hybrid search (${k(chunkTotal)} chunks), p95`, ms(search.p95), `≤ ${ms(targets.searchP95)}`, '—', '—', verdict(search.p95 <= targets.searchP95)],
    ['Runbook indexing (upsert, 20 sections per runbook)', `${perSecond(chunkTotal / (indexMs / 1000), 'chunks')} (${seconds(indexMs)})`, '—', '—', '—', '—'],
  ];

  const phaseRows = (phases: Map<string, { transactions: number; ms: number }>, total: number): string[][] => [...phases].map(([name, t]) => [
    name, String(t.transactions), ms(t.ms), `${((t.ms / total) * 100).toFixed(0)}%`,
  ]);
  const meanMax = (sizes: number[]): string => `mean ${(sizes.reduce((s, n) => s + n, 0) / Math.max(1, sizes.length)).toFixed(1)}, max ${Math.max(0, ...sizes)}`;
  const loadAtEnd = os.loadavg();
  const cpus = os.cpus();
  const peakRss = process.resourceUsage().maxRSS * 1024;

  const out: string[] = [];
  out.push('', `## Cloud Companion benchmarks — ${new Date().toISOString()}`, '');
  out.push(markdownTable(['Metric', 'Measured', 'Target', 'Naive', 'Ratio', 'Result'], rows));
  out.push('', 'Naive = the same work done the obvious way. Ingestion: one `MERGE` per resource (and per relationship) in its own');
  out.push(`transaction, measured on a ${k(sample.resources.length)} + ${k(sample.relationships.length)} sample of the same shape; the wall time is projected to the full estate.`);
  out.push('Traversals: one variable-length `MATCH` from a start node matched without a label (no index), over');
  out.push(`${naiveCount} random resources. Ratio = how many times better the store's way is. Latencies are sequential, after ${config.warmup} warm-up calls.`);
  out.push('Runbook vectors are a hashed bag-of-words (768 dimensions) standing in for an Ollama embedding model (none runs here):');
  out.push('Weaviate does the same HNSW + BM25 work as with real vectors, but the query-embedding time of a real model is not included.');
  out.push('', '### Ingestion by phase (write transactions of graph.ingest)', '');
  out.push(markdownTable(['Phase', 'Transactions', 'Time', 'Share'], phaseRows(ingestPhases, ingestMs)));
  if (config.reingest) {
    out.push('', '### Re-ingest of the unchanged estate, by phase', '');
    out.push(markdownTable(['Phase', 'Transactions', 'Time', 'Share'], phaseRows(reingestPhases, reingestMs)));
  }
  out.push('', '### Details', '');
  out.push(markdownTable(['Item', 'Value'], [
    ['Estate', `${estate.accounts.length} AWS accounts, 3 regions, ${typeMix(estate).size} resource types, seed ${config.seed}`],
    ['2-hop dependencies: result size', meanMax(twoHop.sizes)],
    ['2-hop dependencies: p99 / max', `${ms(twoHop.latency.p99)} / ${ms(twoHop.latency.max)}`],
    ['Blast radius: result size', meanMax(blast.sizes)],
    ['Blast radius: p99 / max', `${ms(blast.latency.p99)} / ${ms(blast.latency.max)}`],
    ['Runbook corpus', `${runbooks.length} runbooks × ${sectionsPerRunbook} sections = ${chunkTotal} chunks; ${answered}/${search.samples} queries answered`],
    ['Runbook search: p99 / max', `${ms(search.p99)} / ${ms(search.max)}`],
    ['Machine', `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${megabytes(os.totalmem())} RAM, ${os.type()} ${os.release()}`],
    ['Load average (1/5/15 min)', `start ${loadAtStart.map((l) => l.toFixed(2)).join(' / ')}, end ${loadAtEnd.map((l) => l.toFixed(2)).join(' / ')}`],
    ['1-min load at the start of', Object.entries(load).map(([phase, l]) => `${phase} ${l.toFixed(2)}`).join(', ')],
    ['Ingestion floor', `nodes ${seconds(floor.nodesMs)}, relationships ${seconds(floor.ms - floor.nodesMs)}; Neo4j CPU ${seconds(floorCpuMs)} (${perSecond(estate.resources.length / (floorCpuMs / 1000), 'res/CPU')})`],
    ['Neo4j server CPU', `ingest ${seconds(ingestCpuMs)} (${((ingestCpuMs / ingestMs) * 100).toFixed(0)}% of one core over the wall time)${config.reingest ? `, re-ingest ${seconds(reingestCpuMs)}` : ''}, naive ingest ${seconds(naiveCpuMs)}`],
    ['Node.js', process.version],
    ['Neo4j', `${neo4jJvmFacts ? `${neo4jServer}; ${neo4jJvmFacts}` : neo4jServer}; ${ownNeo4j ? 'started by the bench' : 'reused from NEO4J_URI'}`],
    ['Weaviate', `${weaviateServer}; ${ownWeaviate ? 'started by the bench' : 'reused from WEAVIATE_URL'}`],
    ['Peak RSS of the bench process', megabytes(peakRss)],
    ['Total bench time', seconds(performance.now() - benchStarted)],
  ]));
  const misses = rows.filter((row) => row[5] === '**MISS**').length;
  await recordResults('stores', 10, rows.map(([figure = '', result = '', target = '—', baseline = '—', ratioText = '—', result5 = '—']) => ({
    figure, result,
    ...(target !== '—' ? { target } : {}), ...(baseline !== '—' ? { baseline } : {}), ...(ratioText !== '—' ? { ratio: ratioText } : {}),
    ...(result5 === 'PASS' ? { verdict: 'PASS' as const } : result5 === '**MISS**' ? { verdict: 'MISS' as const } : {}),
  })));
  out.push('', misses === 0 ? 'All targets met.' : `${misses} row(s) MISS their target (the bench still exits 0: it is a report).`, '');
  process.stdout.write(`${out.join('\n')}\n`);
}

async function weaviateVersion(url: string): Promise<string> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/v1/meta`);
    const meta = await response.json() as { version?: string };
    return `Weaviate ${meta.version ?? 'unknown'}`;
  } catch {
    return 'unknown';
  }
}

async function deleteTenant(url: string, grpcUrl: string, org: string): Promise<void> {
  const endpoints = parseEndpoints(url, grpcUrl);
  const client = await weaviate.connectToCustom({
    httpHost: endpoints.http.host, httpPort: endpoints.http.port, httpSecure: endpoints.http.secure,
    grpcHost: endpoints.grpc.host, grpcPort: endpoints.grpc.port, grpcSecure: endpoints.grpc.secure,
  });
  try {
    const tenant = tenantName(org);
    for (const name of [defaultChunkCollection, defaultDocumentCollection]) {
      const collection = client.collections.get(name);
      if (await collection.tenants.getByName(tenant)) await collection.tenants.remove(tenant);
    }
    log(`deleted Weaviate tenant ${tenant}`);
  } finally {
    await client.close();
  }
}
