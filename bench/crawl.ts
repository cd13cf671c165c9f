/**
 * Crawl benchmark: how fast a crawl of one large AWS account lands in the resource graph, and how
 * many provider API calls it takes. The real SDK v3 clients talk to a simulated account
 * (test/support/fake-aws.ts: nock answering each service's wire format, 100 items a page, no added
 * latency), so the numbers are about our paging, parallelism, normalising and ingest, not the network.
 *
 *   BENCH_CRAWL_RESOURCES (default 50000) resources across EC2, Auto Scaling, ELBv2, ECS, Lambda,
 *   RDS, DynamoDB, SQS, SNS and S3 in one region; crawled twice (the second after deleting 1 %,
 *   which are marked gone), into the in-process graph and into Neo4j (the servers `npm run bench`
 *   starts, or those NEO4J_URI names).
 *
 * Run alone with `node bin/run-ts.mjs bench/crawl.ts`.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import nock from 'nock';
import { AwsCrawler } from '../src/crawlers/aws/index.ts';
import { CrawlRunner } from '../src/crawlers/runner.ts';
import { createLogger } from '../src/logging.ts';
import { MemoryResourceGraph } from '../src/stores/memory/graph.ts';
import type { ResourceGraph } from '../src/stores/graph.ts';
import { createDriver, migrate, Neo4jConnection, Neo4jResourceGraph, verifyConnectivity } from '../src/stores/neo4j/index.ts';
import type { CloudAccountConfig } from '../src/tenancy/organization.ts';
import { startServices } from '../scripts/services-lib.mjs';
import { fakeAws, type FakeAwsAccount, type FakeRegion } from '../test/support/fake-aws.ts';
import { deleteOrganization } from './neo4j.ts';
import { recordResults, type ResultRow } from './results.ts';

const accountId = '111111111111';

/** A region whose resource count is about `total`, in realistic proportions. */
export function simulatedAccount(total: number): FakeAwsAccount {
  const n = (share: number): number => Math.max(1, Math.round(total * share));
  const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i);
  const subnets = range(n(0.004)).map((i) => ({ id: `subnet-${i}`, vpc: `vpc-${i % n(0.0002)}` }));
  const groups = range(n(0.01)).map((i) => ({ id: `sg-${i}`, name: `sg-${i}`, vpc: `vpc-${i % n(0.0002)}`, ingressFrom: i % 10 === 0 ? [`sg-${i + 1}`] : [] }));
  const clusters = range(n(0.0004)).map((i) => `cluster-${i}`);
  const tgs = range(n(0.02)).map((i) => ({ name: `tg-${i}`, type: 'instance' as const, lbs: [`lb-${i % n(0.004)}`], targets: [`i-${String(i).padStart(17, '0')}`] }));
  const region: FakeRegion = {
    vpcs: range(n(0.0002)).map((i) => ({ id: `vpc-${i}`, name: `vpc-${i}` })),
    subnets,
    groups,
    instances: range(n(0.5)).map((i) => ({ id: `i-${String(i).padStart(17, '0')}`, name: `web-${i}`, subnet: subnets[i % subnets.length]?.id, groups: [`sg-${i % groups.length}`] })),
    autoScalingGroups: range(n(0.01)).map((i) => ({ name: `asg-${i}`, instances: [`i-${String(i * 2).padStart(17, '0')}`], targetGroups: [`tg-${i % tgs.length}`], subnets: [subnets[i % subnets.length]?.id ?? 'subnet-0'] })),
    loadBalancers: range(n(0.004)).map((i) => ({ name: `lb-${i}`, subnets: [subnets[i % subnets.length]?.id ?? 'subnet-0'], groups: [`sg-${i % groups.length}`] })),
    listeners: range(n(0.004)).map((i) => ({ lb: `lb-${i}`, port: 443, targetGroup: `tg-${i % tgs.length}` })),
    targetGroups: tgs,
    clusters,
    services: range(n(0.04)).map((i) => ({ cluster: clusters[i % clusters.length] ?? 'cluster-0', name: `svc-${i}`, subnets: [subnets[i % subnets.length]?.id ?? 'subnet-0'], groups: [`sg-${(i * 7) % groups.length}`], env: { QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${accountId}/queue-${i}` } })),
    functions: range(n(0.1)).map((i) => ({ name: `fn-${i}`, env: { TABLE: `table-${i}` } })),
    dbInstances: range(n(0.02)).map((i) => ({ id: `db-${i}`, groups: [`sg-${(i * 10) % groups.length}`] })),
    tables: range(n(0.1)).map((i) => `table-${i}`),
    queues: range(n(0.1)).map((i) => `queue-${i}`),
    topics: range(n(0.02)).map((i) => ({ name: `topic-${i}`, subscriptions: [{ protocol: 'sqs', endpoint: `arn:aws:sqs:us-east-1:${accountId}:queue-${i}` }] })),
  };
  return { accountId, regions: { 'us-east-1': region }, buckets: range(n(0.02)).map((i) => `bucket-${i}`) };
}

/** Crawls the simulated account twice into `graph` (the second time after deleting 1 % of its instances). */
async function crawlTwice(total: number, graph: ResourceGraph, orgId: string, where: string): Promise<{ rows: ResultRow[]; calls: readonly string[] }> {
  nock.cleanAll();
  const simulated = simulatedAccount(total);
  const fake = fakeAws(simulated, { pageSize: 100 });
  const account: CloudAccountConfig = { provider: 'aws', accountId, name: 'bench', regions: ['us-east-1'] };
  const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
  const runner = new CrawlRunner({ graph, crawlers: { aws: new AwsCrawler({ credentials: () => credentials, pageSize: 100 }) }, logger: createLogger({ level: 'silent' }) });

  const rows: ResultRow[] = [];
  console.log(`\nCrawl → ${where} (simulated AWS account, ${total.toLocaleString('en')} resources requested, real SDK clients against nock, no added latency)`);
  for (const pass of ['first crawl', 'second crawl (1 % deleted)'] as const) {
    if (pass !== 'first crawl') {
      const east = simulated.regions['us-east-1'] as FakeRegion;
      east.instances = east.instances?.filter((_, i) => i % 50 !== 0);
    }
    const callsBefore = fake.calls.length;
    const started = performance.now();
    const [report] = (await runner.crawlOrganization(orgId, [account])).accounts;
    const seconds = (performance.now() - started) / 1000;
    if (!report) throw new Error('no report');
    if (report.failures.length > 0) throw new Error(`The ${pass} into the ${where} failed: ${report.failures.map((f) => f.message).join('; ')}`);
    console.log([
      `  ${pass.padEnd(27)}`,
      `${report.resources.toLocaleString('en')} resources`,
      `${report.relationships.toLocaleString('en')} relationships`,
      `${report.removed.toLocaleString('en')} marked gone`,
      `${report.calls.toLocaleString('en')} API calls (${(fake.calls.length - callsBefore).toLocaleString('en')} answered)`,
      `${seconds.toFixed(1)} s`,
      `${Math.round(report.resources / seconds).toLocaleString('en')} resources/s`,
    ].join(' · '));
    rows.push({
      figure: `Crawl → graph, ${pass} (simulated ${total.toLocaleString('en')}-resource AWS account, ${where})`,
      result: `${Math.round(report.resources / seconds).toLocaleString('en')} resources/s; ${report.calls.toLocaleString('en')} API calls for ${report.resources.toLocaleString('en')} resources`,
    });
  }
  return { rows, calls: [...fake.calls] };
}

export async function runCrawlBench(total = Number(process.env.BENCH_CRAWL_RESOURCES ?? 50_000)): Promise<void> {
  // The servers first: their readiness checks are HTTP, which nock blocks once net connect is off.
  if (!process.env.NEO4J_URI && process.env.SERVICES_NEO4J_JAVA_OPTS === undefined) process.env.SERVICES_NEO4J_JAVA_OPTS = '-XX:TieredStopAtLevel=4';
  const services = await startServices({ log: (line) => console.error(`[crawl] services: ${line}`) });
  const options = { uri: services.env.NEO4J_URI, user: services.env.NEO4J_USER, password: services.env.NEO4J_PASSWORD };
  const driver = createDriver(options);
  const db = new Neo4jConnection(driver, undefined);
  const neo4jGraph = new Neo4jResourceGraph(db);
  const orgId = `bench-crawl-${Date.now()}`;
  nock.disableNetConnect();
  try {
    await verifyConnectivity(driver, options);
    await migrate(db);
    const memory = await crawlTwice(total, new MemoryResourceGraph(), 'bench', 'in-process graph');
    // Bolt is plain TCP: nock leaves it alone.
    const neo4jRun = await crawlTwice(total, neo4jGraph, orgId, 'Neo4j');
    const byService = new Map<string, number>();
    for (const call of memory.calls) {
      const key = call.split(' ').slice(1).join(' ');
      byService.set(key, (byService.get(key) ?? 0) + 1);
    }
    await recordResults('crawl', 60, [...memory.rows, ...neo4jRun.rows]);
    console.log(`  calls by operation (both crawls): ${[...byService].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
    await deleteOrganization(driver, orgId).catch((error: unknown) => console.error(`[crawl] could not delete ${orgId}: ${String(error)}`));
    await neo4jGraph.close();
    await driver.close();
    await services.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runCrawlBench();
