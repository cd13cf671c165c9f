/**
 * Metrics benchmark: what live metrics cost in provider calls and time, against simulated clouds.
 * The real SDK clients (CloudWatch, Azure Monitor, Cloud Monitoring) talk to nock interceptors that
 * answer in each provider's wire format after a fixed latency, so the numbers are about our
 * batching, parallelism and cache, not about the network.
 *
 *   1. Calls: 50 metrics for 10 resources (and 1,100 for 220) → GetMetricData calls, counted.
 *   2. Parallelism: one resource per cloud with latencies 200 / 400 / 600 ms, read one after the
 *      other and then together: together should take about as long as the slowest provider.
 *   3. Cache: the same investigation asked twice (and a third time after the TTL) → hit rate.
 *
 * Run alone with `node bin/run-ts.mjs bench/metrics.ts`; bench/index.ts calls runMetricsBench().
 */
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import nock from 'nock';
import { CachedMetricsSource } from '../src/metrics/cache.ts';
import { AwsCredentials, AzureCredentials, type AccountLookup } from '../src/metrics/credentials.ts';
import { AzureMonitorSource } from '../src/metrics/providers/azure-monitor.ts';
import { CloudMonitoringSource } from '../src/metrics/providers/cloud-monitoring.ts';
import { CloudWatchSource, maxQueriesPerCall } from '../src/metrics/providers/cloudwatch.ts';
import { readMetrics } from '../src/metrics/read.ts';
import type { MetricsRequest, MetricsSource } from '../src/metrics/source.ts';
import type { CloudResource } from '../src/stores/graph.ts';
import type { CloudAccountConfig } from '../src/tenancy/organization.ts';
import { recordResults, verdict } from './results.ts';

const latency = { aws: 200, azure: 400, gcp: 600 };
const accounts: CloudAccountConfig[] = [
  { provider: 'aws', accountId: '111111111111', name: 'bench-aws' },
  { provider: 'azure', accountId: 'aaaaaaaa-0000-0000-0000-000000000001', name: 'bench-azure' },
  { provider: 'gcp', accountId: 'bench-project', name: 'bench-gcp' },
];
const lookup: AccountLookup = async (_orgId, accountId) => accounts.find((a) => a.accountId === accountId);
const accountIds = accounts.map((a) => a.accountId);

function rds(i: number): CloudResource {
  return { id: `arn:aws:rds:us-east-1:111111111111:db:bench-db-${i}`, provider: 'aws', accountId: '111111111111', type: 'aws.rds.instance', name: `bench-db-${i}`, region: 'us-east-1', state: 'available', tags: {} };
}
const ecs: CloudResource = { id: 'arn:aws:ecs:us-east-1:111111111111:service/bench-cluster/bench-api', provider: 'aws', accountId: '111111111111', type: 'aws.ecs.service', name: 'bench-api', region: 'us-east-1', state: 'running', tags: {} };
const vm: CloudResource = { id: '/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/bench-rg/providers/Microsoft.Compute/virtualMachines/bench-vm', provider: 'azure', accountId: 'aaaaaaaa-0000-0000-0000-000000000001', type: 'azure.compute.vm', name: 'bench-vm', region: 'westeurope', state: 'running', tags: {} };
const mig: CloudResource = { id: '//compute.googleapis.com/projects/bench-project/zones/europe-west1-b/instanceGroupManagers/bench-mig', provider: 'gcp', accountId: 'bench-project', type: 'gcp.compute.instanceGroupManager', name: 'bench-mig', region: 'europe-west1', state: 'running', tags: {} };

const body = (raw: unknown): Record<string, unknown> => (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;

/** Simulated providers: each answers every request in its documented format after its latency. */
function simulateClouds(): void {
  nock.disableNetConnect();
  nock('https://monitoring.us-east-1.amazonaws.com').persist().post('/').delay(latency.aws).reply((_uri, raw) => {
    const request = body(raw) as { MetricDataQueries: { Id: string }[]; EndTime: number };
    return [200, { MetricDataResults: request.MetricDataQueries.map((q) => ({ Id: q.Id, StatusCode: 'Complete', Timestamps: Array.from({ length: 120 }, (_, i) => request.EndTime - (120 - i) * 60), Values: Array.from({ length: 120 }, (_, i) => 40 + (i % 7)) })) }, { 'content-type': 'application/x-amz-json-1.0' }];
  });
  nock('https://westeurope.metrics.monitor.azure.com').persist().post(/metrics:getBatch/).query(true).delay(latency.azure).reply((uri, raw) => {
    const query = new URL(uri, 'https://x').searchParams;
    const ids = (body(raw) as { resourceids: string[] }).resourceids;
    const end = Date.parse(query.get('endtime') ?? new Date().toISOString());
    return [200, { values: ids.map((id) => ({ starttime: query.get('starttime'), endtime: query.get('endtime'), interval: 'PT1M', namespace: query.get('metricnamespace'), resourceregion: 'westeurope', resourceid: id,
      value: (query.get('metricnames') ?? '').split(',').map((name) => ({ id: `${id}/providers/Microsoft.Insights/metrics/${name}`, type: 'Microsoft.Insights/metrics', name: { value: name }, unit: 'Percent', errorCode: 'Success',
        timeseries: [{ data: Array.from({ length: 120 }, (_, i) => ({ timeStamp: new Date(end - (120 - i) * 60_000).toISOString(), average: 20 + (i % 5), total: 3 })) }] })) })) }];
  });
  nock('https://monitoring.googleapis.com').persist().get(/\/v3\/projects\/bench-project\/timeSeries/).delay(latency.gcp).reply((uri) => {
    const end = Date.parse(new URL(uri, 'https://x').searchParams.get('interval.endTime') ?? new Date().toISOString());
    return [200, { timeSeries: [{ metric: { type: 'compute.googleapis.com/instance_group/size' }, resource: { type: 'instance_group', labels: { location: 'europe-west1-b', instance_group_name: 'bench-mig' } }, points: Array.from({ length: 120 }, (_, i) => ({ interval: { endTime: new Date(end - i * 60_000).toISOString() }, value: { doubleValue: 3 } })) }] }];
  });
}

function sources() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return {
    aws: new CloudWatchSource({ accounts: lookup, credentials: new AwsCredentials({ base: async () => ({ accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' }) }) }),
    azure: new AzureMonitorSource({ accounts: lookup, credentials: new AzureCredentials({ credential: { getToken: async () => ({ token: 'bench', expiresOnTimestamp: Date.now() + 3_600_000 }) } }) }),
    gcp: new CloudMonitoringSource({ accounts: lookup, clientOptions: { credentials: { client_email: 'bench@bench-project.iam.gserviceaccount.com', private_key: privateKey }, projectId: 'bench-project' } }),
  };
}

function request(resources: CloudResource[]): MetricsRequest {
  return { orgId: 'bench', accountIds, resources, windowMinutes: 60 };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

export async function runMetricsBench(): Promise<void> {
  simulateClouds();
  try {
    const s = sources();
    // Warm each client once (credential set-up, proto loading) so timings are about the calls.
    await readMetrics([s.aws, s.azure, s.gcp], request([ecs, vm, mig]));

    // 1. GetMetricData calls per query count.
    const callRows: (string | number)[][] = [];
    for (const count of [10, 220]) {
      const cw = sources().aws;
      const resources = Array.from({ length: count }, (_, i) => rds(i));
      const { value } = await timed(() => cw.read(request(resources)));
      const queries = value.series.length + value.failures.reduce((n, f) => n + f.metrics.length, 0);
      const expected = Math.ceil(queries / maxQueriesPerCall);
      callRows.push([count, queries, cw.calls, expected, cw.calls === expected ? 'OK' : 'MISS']);
    }
    console.log('\nMetrics 1 · CloudWatch GetMetricData calls (5 RDS metrics per resource; at most 500 queries a call)\n');
    console.log(table(['resources', 'metric queries', 'GetMetricData calls', 'target (⌈queries/500⌉)', 'result'], callRows));

    // 2. Three providers in parallel vs one after the other.
    const sequential = await timed(async () => {
      for (const [source, resource] of [[s.aws, ecs], [s.azure, vm], [s.gcp, mig]] as [MetricsSource, CloudResource][]) await source.read(request([resource]));
    });
    const parallel = await timed(() => readMetrics([s.aws, s.azure, s.gcp], request([ecs, vm, mig])));
    const slowest = Math.max(latency.aws, latency.azure, latency.gcp);
    const ratio = parallel.ms / slowest;
    console.log(`\nMetrics 2 · one resource per cloud, simulated latencies CloudWatch ${latency.aws} ms, Azure Monitor ${latency.azure} ms, Cloud Monitoring ${latency.gcp} ms\n`);
    console.log(table(['fetch', 'elapsed', 'series', 'failures'], [
      ['one provider after the other', `${sequential.ms.toFixed(0)} ms`, '', ''],
      ['all three in parallel', `${parallel.ms.toFixed(0)} ms`, parallel.value.series.length, parallel.value.failures.length],
    ]));
    console.log(`\nparallel / slowest provider = ${ratio.toFixed(2)}× (target ≤ 1.25×: ${ratio <= 1.25 ? 'OK' : 'MISS'}); sequential / parallel = ${(sequential.ms / parallel.ms).toFixed(2)}×`);

    // 3. Cache hit rate over a repeated investigation.
    let clock = Date.now();
    const fresh = sources();
    const cached = [fresh.aws, fresh.azure, fresh.gcp].map((source) => new CachedMetricsSource(source, { ttlMs: 60_000, now: () => clock }));
    const investigation = [ecs, rds(1), rds(2), vm, mig];
    const rows: (string | number)[][] = [];
    const step = async (label: string): Promise<void> => {
      const before = cached.reduce((n, c) => n + c.stats.hits, 0);
      const calls = fresh.aws.calls + fresh.azure.calls + fresh.gcp.calls;
      const run = await timed(() => readMetrics(cached, request(investigation)));
      const hits = cached.reduce((n, c) => n + c.stats.hits, 0) - before;
      rows.push([label, `${hits}/${investigation.length}`, fresh.aws.calls + fresh.azure.calls + fresh.gcp.calls - calls, `${run.ms.toFixed(0)} ms`]);
    };
    await step('first ask');
    await step('same question again (within 60 s)');
    clock += 61_000;
    await step('again after the TTL');
    const hits = cached.reduce((n, c) => n + c.stats.hits, 0);
    const lookups = hits + cached.reduce((n, c) => n + c.stats.misses, 0);
    console.log('\nMetrics 3 · cache over a repeated investigation (5 resources in three clouds, TTL 60 s)\n');
    console.log(table(['run', 'cache hits', 'provider calls', 'elapsed'], rows));
    console.log(`\ncache hit rate over the three runs: ${((100 * hits) / lookups).toFixed(0)}% (${hits}/${lookups}); the repeated run made no provider call.`);
    const big = callRows.at(-1) ?? [];
    await recordResults('metrics', 20, [
      { figure: `CloudWatch GetMetricData calls for ${String(big[1])} metric queries`, result: String(big[2]), target: `≤ ${String(big[3])}`, baseline: `${String(big[1])} (one GetMetricStatistics per metric)`, ratio: `${(Number(big[1]) / Number(big[2])).toFixed(0)}×`, verdict: verdict(big[4] === 'OK') },
      { figure: 'Three clouds read in parallel, elapsed (simulated provider latency)', result: `${parallel.ms.toFixed(0)} ms`, target: `≤ 1.25 × slowest (${(slowest * 1.25).toFixed(0)} ms)`, baseline: `${sequential.ms.toFixed(0)} ms (one after the other)`, ratio: `${(sequential.ms / parallel.ms).toFixed(1)}×`, verdict: verdict(ratio <= 1.25) },
      { figure: 'Metrics cache hit rate, repeated investigation', result: `${((100 * hits) / lookups).toFixed(0)}%` },
    ]);
    s.aws.close();
    await s.gcp.close();
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runMetricsBench();
