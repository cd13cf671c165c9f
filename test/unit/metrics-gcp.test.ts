import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudMonitoringSource } from '../../src/metrics/providers/cloud-monitoring.ts';
import type { MetricsRequest } from '../../src/metrics/source.ts';
import { summarizeSeries } from '../../src/metrics/summarize.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { accountsOf, demoResource, quickRetry } from '../support/metrics.ts';

// Cloud Monitoring v3 REST, as @google-cloud/monitoring 5 calls it with fallback: true:
// GET https://monitoring.googleapis.com/v3/projects/<p>/timeSeries?filter=…&interval.startTime=…
// answer {"timeSeries": [{metric, resource, metricKind, valueType, points: [newest first]}], "nextPageToken"}.
// Errors are Google's JSON error envelope {"error": {code, message, status}}.
const api = 'https://monitoring.googleapis.com';
const project = 'demo-gcp-prod';
const listPath = `/v3/projects/${project}/timeSeries`;
const now = Date.parse('2026-03-02T12:00:30Z');
const end = Date.parse('2026-03-02T12:00:00Z');

const accounts: CloudAccountConfig[] = [{ provider: 'gcp', accountId: project, name: 'demo-gcp-prod' }];

// A real service-account key: the library signs its own JWT with it, no metadata server, no ADC lookup.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const serviceAccount = { client_email: 'companion@demo-gcp-prod.iam.gserviceaccount.com', private_key: privateKey };

function source(extra: Partial<ConstructorParameters<typeof CloudMonitoringSource>[0]> = {}): CloudMonitoringSource {
  return new CloudMonitoringSource({ accounts: accountsOf(accounts), clientOptions: { credentials: serviceAccount, projectId: project }, retry: quickRetry, now: () => now, timeoutMs: 10_000, ...extra });
}

function request(resources: CloudResource[], accountIds = [project]): MetricsRequest {
  return { orgId: 'demo', accountIds, resources, windowMinutes: 60 };
}

/** One reduced series in the documented shape: `count` one-minute points, newest first. */
function timeSeries(type: string, resourceType: string, resourceLabels: Record<string, string>, metricLabels: Record<string, string>, value: (i: number) => number, count = 120, from = 0) {
  const points = Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const endTime = new Date(end - (119 - i) * 60_000);
    return { interval: { startTime: new Date(endTime.getTime() - 60_000).toISOString(), endTime: endTime.toISOString() }, value: { doubleValue: value(i) } };
  }).reverse();
  return { metric: { type, labels: metricLabels }, resource: { type: resourceType, labels: { project_id: project, ...resourceLabels } }, metricKind: 'GAUGE', valueType: 'DOUBLE', points };
}

interface Call { query: URLSearchParams; auth: string }

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Cloud Monitoring source through the real MetricServiceClient (REST transport)', () => {
  it('asks one metric type per call, for the resource named by its labels, reduced on the server', async () => {
    const calls: Call[] = [];
    nock(api).get(listPath).query(true).times(3).reply(function (uri) {
      const query = new URL(uri, api).searchParams;
      calls.push({ query, auth: String(this.req.headers.authorization) });
      const type = /metric\.type = "([^"]+)"/.exec(query.get('filter') ?? '')?.[1] as string;
      return [200, { timeSeries: [timeSeries(type, 'gce_instance', { zone: 'europe-west1-b' }, { instance_name: 'search-indexer-1' }, (i) => (i >= 105 ? 0.97 : 0.5))], unit: '10^2.%' }];
    });
    const vm = demoResource('search-indexer-1');
    const result = await source().read(request([vm]));
    expect(result.failures).toEqual([]);
    const cpuCall = calls.find((c) => c.query.get('filter')?.includes('cpu/utilization')) as Call;
    expect(cpuCall.query.get('filter')).toBe('metric.type = "compute.googleapis.com/instance/cpu/utilization" AND resource.type = "gce_instance" AND ((resource.labels.zone = "europe-west1-b" AND metric.labels.instance_name = "search-indexer-1"))');
    expect(cpuCall.query.get('interval.startTime')).toBe(new Date(end - 7_200_000).toISOString());
    expect(cpuCall.query.get('interval.endTime')).toBe(new Date(end).toISOString());
    expect(cpuCall.query.get('aggregation.alignmentPeriod')).toBe('60s');
    expect(cpuCall.query.getAll('aggregation.groupByFields')).toEqual(['resource.labels.zone', 'metric.labels.instance_name']);
    expect(cpuCall.auth).toMatch(/^Bearer ey/);
    const cpu = result.series.find((s) => s.metric === 'compute.googleapis.com/instance/cpu/utilization');
    expect(cpu?.points).toHaveLength(120);
    expect((cpu?.points[0]?.t ?? '') < (cpu?.points[119]?.t ?? '')).toBe(true);
    expect(summarizeSeries(cpu as never, 'search-indexer-1', 60, 'cloud-monitoring')).toMatchObject({ last: 0.97, threshold: 0.9, anomaly: 'above threshold 0.9 for the last 15 min' });
    expect(cpu?.citation).toBe('Cloud Monitoring compute.googleapis.com/instance/cpu/utilization {zone=europe-west1-b, instance_name=search-indexer-1} ALIGN_MEAN/60s, project demo-gcp-prod');
  });

  it('names several resources of one project in one filter and splits the series back by label', async () => {
    const filters: string[] = [];
    nock(api).get(listPath).query(true).times(4).reply((uri) => {
      const query = new URL(uri, api).searchParams;
      filters.push(query.get('filter') ?? '');
      const type = /metric\.type = "([^"]+)"/.exec(query.get('filter') ?? '')?.[1] as string;
      return [200, { timeSeries: ['search-api', 'checkout-web'].map((name, n) => timeSeries(type, 'cloud_run_revision', { location: 'europe-west1', service_name: name }, {}, () => n + 1)) }];
    });
    const run = demoResource('search-api');
    const other = { ...run, id: run.id.replace('search-api', 'checkout-web'), name: 'checkout-web' };
    const result = await source().read(request([run, other]));
    expect(filters).toHaveLength(4); // four Cloud Run metrics, each one call for both services
    expect(filters[0]).toContain('(resource.labels.location = "europe-west1" AND resource.labels.service_name = "search-api") OR (resource.labels.location = "europe-west1" AND resource.labels.service_name = "checkout-web")');
    const latency = (id: string) => result.series.find((s) => s.resourceId === id && s.metric === 'run.googleapis.com/request_latencies');
    expect(latency(run.id)?.points.every((p) => p.v === 1)).toBe(true);
    expect(latency(other.id)?.points.every((p) => p.v === 2)).toBe(true);
  });

  it('follows nextPageToken pages', async () => {
    const tokens: (string | null)[] = [];
    const labels = { database_id: `${project}:search-db` };
    nock(api).get(listPath).query(true).times(5).reply((uri) => {
      const query = new URL(uri, api).searchParams;
      if (!query.get('filter')?.includes('database/cpu/utilization')) return [200, {}];
      tokens.push(query.get('pageToken'));
      return query.get('pageToken')
        ? [200, { timeSeries: [timeSeries('cloudsql.googleapis.com/database/cpu/utilization', 'cloudsql_database', labels, {}, (i) => i, 60, 60)] }]
        : [200, { timeSeries: [timeSeries('cloudsql.googleapis.com/database/cpu/utilization', 'cloudsql_database', labels, {}, (i) => i, 60, 0)], nextPageToken: 'next-page' }];
    });
    const gcp = source();
    const result = await gcp.read(request([demoResource('search-db')]));
    expect(tokens).toEqual([null, 'next-page']);
    expect(gcp.calls).toBe(5);
    const cpu = result.series.find((s) => s.metric === 'cloudsql.googleapis.com/database/cpu/utilization');
    expect(cpu?.points.map((p) => p.v)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // An empty answer ({} — the API leaves out empty lists) is an empty series, not a failure.
    expect(result.series.find((s) => s.metric === 'cloudsql.googleapis.com/database/memory/utilization')?.points).toEqual([]);
    expect(result.failures).toEqual([]);
  });

  it('retries RESOURCE_EXHAUSTED (HTTP 429) and then succeeds', async () => {
    nock(api).get(listPath).query(true).reply(429, { error: { code: 429, message: 'Quota exceeded for quota metric \'Time series queries\' and limit \'Time series queries per minute\' of service \'monitoring.googleapis.com\'.', status: 'RESOURCE_EXHAUSTED' } });
    nock(api).get(listPath).query(true).reply(200, { timeSeries: [timeSeries('compute.googleapis.com/instance_group/size', 'instance_group', { location: 'europe-west1-b', instance_group_name: 'search-indexers' }, {}, () => 3)] });
    const retries: string[] = [];
    const gcp = source({ retry: { ...quickRetry, onRetry: (e) => retries.push(e.reason) } });
    const result = await gcp.read(request([demoResource('search-indexers')]));
    expect(retries).toEqual(['throttled']);
    expect(gcp.calls).toBe(2);
    expect(result.failures).toEqual([]);
    expect(result.series[0]?.points).toHaveLength(120);
  });

  it('reports expired user credentials (invalid_grant from the token endpoint)', async () => {
    nock('https://oauth2.googleapis.com').post('/token').reply(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const gcp = source({ clientOptions: { credentials: { type: 'authorized_user', client_id: 'id.apps.googleusercontent.com', client_secret: 'secret', refresh_token: '1//expired' } as never, projectId: project } });
    const result = await gcp.read(request([demoResource('search-indexers')]));
    expect(result.series).toEqual([]);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'credentials', metrics: ['compute.googleapis.com/instance_group/size'] })]);
    expect(result.failures[0]?.message).toMatch(/missing or expired \(invalid_grant\): Token has been expired or revoked/);
  });

  it('reports a rejected token (UNAUTHENTICATED) and a project that does not exist', async () => {
    nock(api).get(listPath).query(true).reply(401, { error: { code: 401, message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', status: 'UNAUTHENTICATED' } });
    const first = await source().read(request([demoResource('search-indexers')]));
    expect(first.failures).toEqual([expect.objectContaining({ reason: 'credentials' })]);

    nock(api).get(listPath).query(true).reply(404, { error: { code: 404, message: `Project ${project} not found or deleted.`, status: 'NOT_FOUND' } });
    const second = await source().read(request([demoResource('search-indexers')]));
    expect(second.failures).toEqual([expect.objectContaining({ reason: 'not_found' })]);
    expect(second.failures[0]?.message).toMatch(/not found or deleted/);
  });

  it('refuses a project the channel may not use, before any call', async () => {
    const gcp = source();
    const result = await gcp.read(request([demoResource('search-indexers')], ['111111111111']));
    expect(gcp.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'out_of_scope' })]);
  });
});
