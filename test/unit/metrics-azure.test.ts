import type { AccessToken, TokenCredential } from '@azure/identity';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzureCredentials } from '../../src/metrics/credentials.ts';
import { AzureMonitorSource } from '../../src/metrics/providers/azure-monitor.ts';
import type { MetricsRequest } from '../../src/metrics/source.ts';
import { summarizeSeries } from '../../src/metrics/summarize.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { accountsOf, demoResource, quickRetry } from '../support/metrics.ts';

// Azure Monitor metrics data plane (metrics:getBatch, api-version 2024-02-01), as
// @azure/monitor-query-metrics 1.0 calls it: POST https://<region>.metrics.monitor.azure.com/
// subscriptions/<sub>/metrics:getBatch?metricnamespace=…&metricnames=…, body {"resourceids": […]},
// answer {"values": [{resourceid, starttime, endtime, interval, namespace, value: [metric…]}]}.
const endpoint = 'https://westeurope.metrics.monitor.azure.com';
const subscription = 'aaaaaaaa-0000-0000-0000-000000000001';
const batchPath = `/subscriptions/${subscription}/metrics:getBatch`;
const now = Date.parse('2026-03-02T12:00:30Z');
const end = Date.parse('2026-03-02T12:00:00Z');

const accounts: CloudAccountConfig[] = [
  { provider: 'azure', accountId: subscription, name: 'demo-azure', tenantId: '00000000-0000-0000-0000-00000000aaaa' },
];

/** A real TokenCredential (the identity library's injection seam), handing out a fixed token. */
class StaticToken implements TokenCredential {
  scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    return { token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

class ExpiredCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    throw Object.assign(new Error('ClientSecretCredential authentication failed: AADSTS7000222: The provided client secret keys for app are expired.'), { name: 'AuthenticationError' });
  }
}

function source(credential: TokenCredential = new StaticToken(), extra: Partial<ConstructorParameters<typeof AzureMonitorSource>[0]> = {}): AzureMonitorSource {
  return new AzureMonitorSource({ accounts: accountsOf(accounts), credentials: new AzureCredentials({ credential }), retry: quickRetry, now: () => now, timeoutMs: 5_000, ...extra });
}

function request(resources: CloudResource[], accountIds = [subscription]): MetricsRequest {
  return { orgId: 'demo', accountIds, resources, windowMinutes: 60 };
}

const localized: Record<string, string> = { Http5xx: 'Http Server Errors', HttpResponseTime: 'Response Time', Requests: 'Requests', MemoryWorkingSet: 'Memory working set' };

/** One resource's answer in the documented shape: 120 one-minute points per metric. */
function resourceValue(resourceId: string, namespace: string, metricNames: string[], value: (metric: string, i: number) => number, options: { errors?: Record<string, string>; empty?: string[] } = {}) {
  return {
    starttime: new Date(end - 7_200_000).toISOString(),
    endtime: new Date(end).toISOString(),
    interval: 'PT1M',
    namespace: namespace.toLowerCase(),
    resourceregion: 'westeurope',
    resourceid: resourceId,
    value: metricNames.map((name) => ({
      id: `${resourceId}/providers/Microsoft.Insights/metrics/${name}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: name, localizedValue: localized[name] ?? name },
      displayDescription: `${name} of the resource`,
      unit: 'Count',
      errorCode: options.errors?.[name] ? 'BadRequest' : 'Success',
      ...(options.errors?.[name] ? { errorMessage: options.errors[name] } : {}),
      timeseries: options.errors?.[name] || options.empty?.includes(name) ? [] : [{
        metadatavalues: [],
        data: Array.from({ length: 120 }, (_, i) => ({
          timeStamp: new Date(end - (120 - i) * 60_000).toISOString(),
          average: value(name, i), total: value(name, i), maximum: value(name, i), minimum: value(name, i),
        })),
      }],
    })),
  };
}

interface Call { query: URLSearchParams; body: { resourceids: string[] }; auth: string }

function answer(calls: Call[], value: (metric: string, i: number) => number = () => 5, options: Parameters<typeof resourceValue>[4] = {}) {
  return function (this: { req: { headers: Record<string, string> } }, uri: string, raw: unknown): [number, unknown] {
    const query = new URL(uri, endpoint).searchParams;
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { resourceids: string[] };
    calls.push({ query, body, auth: String(this.req.headers.authorization) });
    const names = (query.get('metricnames') ?? '').split(',');
    return [200, { values: body.resourceids.map((id) => resourceValue(id, query.get('metricnamespace') ?? '', names, value, options)) }];
  };
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Azure Monitor source through the real MetricsClient', () => {
  it('reads the catalog metrics of each resource type in one getBatch call per type', async () => {
    const calls: Call[] = [];
    nock(endpoint).post(batchPath).query(true).times(3).reply(answer(calls, (metric, i) => (metric === 'Http5xx' && i >= 105 ? 40 : 1)));
    const credential = new StaticToken();
    const web = demoResource('portal-web');
    const vm = demoResource('reporting-vm');
    const db = demoResource('portal-db');
    const result = await source(credential).read(request([web, vm, db]));

    expect(result.failures).toEqual([]);
    const byNamespace = Object.fromEntries(calls.map((c) => [c.query.get('metricnamespace'), c]));
    expect(Object.keys(byNamespace).sort()).toEqual(['Microsoft.Compute/virtualMachines', 'Microsoft.Sql/servers/databases', 'Microsoft.Web/sites']);
    const vmCall = byNamespace['Microsoft.Compute/virtualMachines'] as Call;
    expect(vmCall.body.resourceids).toEqual([vm.id]);
    expect(vmCall.query.get('metricnames')).toBe('Percentage CPU,Available Memory Bytes,Network In Total,Network Out Total,VmAvailabilityMetric');
    expect(vmCall.query.get('interval')).toBe('PT1M');
    expect(vmCall.query.get('starttime')).toBe(new Date(end - 7_200_000).toISOString());
    expect(vmCall.query.get('endtime')).toBe(new Date(end).toISOString());
    expect(vmCall.query.get('api-version')).toBe('2024-02-01');
    expect(vmCall.auth).toBe('Bearer test-token');
    expect(byNamespace['Microsoft.Sql/servers/databases']?.query.get('metricnames')).toContain('dtu_consumption_percent');
    expect(credential.scopes).toContain('https://management.azure.com/.default');

    // Http5xx comes back as "Http Server Errors": matched by the metric id, not the localized name.
    const errors = result.series.find((s) => s.metric === 'Http5xx');
    expect(errors?.points).toHaveLength(120);
    const summary = summarizeSeries(errors as never, 'portal-web', 60, 'azure-monitor');
    expect(summary).toMatchObject({ max: 40, last: 40, threshold: 10, anomaly: 'above threshold 10 for the last 15 min', baseline: { departs: true, direction: 'above' } });
    expect(errors?.citation).toBe(`Azure Monitor Microsoft.Web/sites "Http5xx" Total/PT1M, westeurope, subscription ${subscription}`);
  });

  it('splits more than 50 resources of one type into several calls', async () => {
    const calls: Call[] = [];
    nock(endpoint).post(batchPath).query(true).times(2).reply(answer(calls));
    const vm = demoResource('reporting-vm');
    const vms = Array.from({ length: 60 }, (_, i) => ({ ...vm, id: `${vm.id}-${i}`, name: `vm-${i}` }));
    const azure = source();
    const result = await azure.read(request(vms));
    expect(calls.map((c) => c.body.resourceids.length).sort((a, b) => b - a)).toEqual([50, 10]);
    expect(azure.calls).toBe(2);
    expect(result.series).toHaveLength(60 * 5);
  });

  it('keeps what it could read when one metric fails, and returns an empty series as empty', async () => {
    const calls: Call[] = [];
    nock(endpoint).post(batchPath).query(true).reply(answer(calls, () => 3, { errors: { dtu_consumption_percent: 'Metric dtu_consumption_percent is not supported for vCore databases' }, empty: ['connection_failed'] }));
    const result = await source().read(request([demoResource('portal-db')]));
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'invalid_request', metrics: ['dtu_consumption_percent'], resourceName: 'portal-db' })]);
    expect(result.failures[0]?.message).toMatch(/not supported for vCore/);
    expect(result.series.map((s) => s.metric)).toEqual(['cpu_percent', 'storage_percent', 'connection_failed']);
    expect(result.series.find((s) => s.metric === 'connection_failed')?.points).toEqual([]);
  });

  it('retries HTTP 429 with its Retry-After and then succeeds', async () => {
    const calls: Call[] = [];
    nock(endpoint).post(batchPath).query(true).reply(429, { error: { code: 'TooManyRequests', message: 'The request was throttled.' } }, { 'retry-after': '0' });
    nock(endpoint).post(batchPath).query(true).reply(answer(calls));
    const retries: string[] = [];
    const azure = source(undefined, { retry: { ...quickRetry, onRetry: (e) => retries.push(e.reason) } });
    const result = await azure.read(request([demoResource('reporting-vm')]));
    expect(retries).toEqual(['throttled']);
    expect(azure.calls).toBe(2);
    expect(result.failures).toEqual([]);
    expect(result.series).toHaveLength(5);
  });

  it('answers partially when the credential has expired, naming the reason, without calling Azure', async () => {
    const azure = source(new ExpiredCredential());
    const result = await azure.read(request([demoResource('reporting-vm')]));
    expect(azure.calls).toBe(0);
    expect(result.series).toEqual([]);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'credentials', resourceName: 'reporting-vm', metrics: expect.arrayContaining(['Percentage CPU']) })]);
    expect(result.failures[0]?.message).toMatch(/missing or expired.*client secret keys for app are expired/);
  });

  it('reports a subscription that does not exist', async () => {
    nock(endpoint).post(batchPath).query(true).reply(404, { error: { code: 'SubscriptionNotFound', message: `The subscription '${subscription}' could not be found.` } });
    const result = await source().read(request([demoResource('reporting-vm')]));
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'not_found' })]);
    expect(result.failures[0]?.message).toMatch(/SubscriptionNotFound.*could not be found/);
  });

  it('reports a region with no metrics endpoint', async () => {
    const vm = { ...demoResource('reporting-vm'), region: 'atlantis' };
    nock('https://atlantis.metrics.monitor.azure.com').post(batchPath).query(true).replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND atlantis.metrics.monitor.azure.com'), { code: 'ENOTFOUND' }));
    const result = await source().read(request([vm]));
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'not_found' })]);
    expect(result.failures[0]?.message).toMatch(/region atlantis has no metrics endpoint/);
  });

  it('names the missing environment variable of a per-subscription client credential', async () => {
    const withApp: CloudAccountConfig[] = [{ ...accounts[0] as CloudAccountConfig, clientId: '11111111-2222-3333-4444-555555555555', clientSecretEnv: 'AZURE_CLIENT_SECRET_DEMO' }];
    const azure = new AzureMonitorSource({ accounts: accountsOf(withApp), credentials: new AzureCredentials({ secrets: {} }), retry: quickRetry });
    const result = await azure.read(request([demoResource('reporting-vm')]));
    expect(azure.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'credentials' })]);
    expect(result.failures[0]?.message).toMatch(/AZURE_CLIENT_SECRET_DEMO is not set/);
  });

  it('refuses a subscription the channel may not use, before any call', async () => {
    const azure = source();
    const result = await azure.read(request([demoResource('reporting-vm')], ['111111111111']));
    expect(azure.calls).toBe(0);
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'out_of_scope' })]);
  });
});
