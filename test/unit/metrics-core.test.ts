import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { CachedMetricsSource } from '../../src/metrics/cache.ts';
import { catalogLookup, catalogTypes } from '../../src/metrics/catalog.ts';
import { renderMetricChart } from '../../src/metrics/chart.ts';
import { MetricsError } from '../../src/metrics/failure.ts';
import { readMetrics } from '../../src/metrics/read.ts';
import { RecordedMetricsSource } from '../../src/metrics/recorded.ts';
import { withRetry } from '../../src/metrics/retry.ts';
import type { MetricSeries, MetricsRequest, MetricsResult, MetricsSource } from '../../src/metrics/source.ts';
import { percentile, summarizeSeries } from '../../src/metrics/summarize.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { demoResource, demoResources } from '../support/metrics.ts';

const end = Date.parse('2026-03-02T12:00:00Z');

function series(values: number[], windowPoints: number, threshold?: number): MetricSeries {
  return {
    resourceId: 'r', metric: 'CPUUtilization', unit: 'Percent',
    points: values.map((v, i) => ({ t: new Date(end - (values.length - 1 - i) * 60_000).toISOString(), v })),
    windowStart: new Date(end - (windowPoints - 1) * 60_000).toISOString(),
    ...(threshold === undefined ? {} : { threshold }),
  };
}

describe('metric summaries', () => {
  it('gives min, max, avg, p95, last over the window and the change against the previous window', () => {
    const previous = Array.from({ length: 60 }, () => 20);
    const current = Array.from({ length: 60 }, (_, i) => (i < 45 ? 20 : 90));
    const s = summarizeSeries(series([...previous, ...current], 60, 80), 'checkout-api', 60, 'cloudwatch');
    expect(s).toMatchObject({ min: 20, max: 90, avg: 37.5, p95: 90, last: 90, points: 60, threshold: 80, anomaly: 'above threshold 80 for the last 15 min' });
    expect(s?.change).toEqual({ previousAvg: 20, percent: 87.5 });
    expect(s?.baseline).toEqual({ latest: 90, baseline: 20, departs: true, direction: 'above' });
  });

  it('does not flag ordinary noise or a flat line as a departure', () => {
    const noisy = Array.from({ length: 120 }, (_, i) => 50 + ((i * 7919) % 11) - 5);
    expect(summarizeSeries(series(noisy, 60), 'r', 60, 'x')?.baseline?.departs).toBe(false);
    const flat = Array.from({ length: 120 }, () => 0);
    expect(summarizeSeries(series(flat, 60), 'r', 60, 'x')?.baseline).toMatchObject({ departs: false, direction: 'within' });
    expect(summarizeSeries(series(flat, 60), 'r', 60, 'x')?.change).toEqual({ previousAvg: 0 });
  });

  it('flags a drop below the baseline', () => {
    const values = Array.from({ length: 120 }, (_, i) => (i < 105 ? 1000 + (i % 3) : 100));
    expect(summarizeSeries(series(values, 60), 'r', 60, 'x')?.baseline).toMatchObject({ departs: true, direction: 'below' });
  });

  it('returns nothing for an empty window, and no change without a previous window', () => {
    expect(summarizeSeries(series([], 60), 'r', 60, 'x')).toBeUndefined();
    const s = summarizeSeries({ resourceId: 'r', metric: 'm', unit: '', points: [{ t: new Date(end).toISOString(), v: 3 }] }, 'r', 60, 'x');
    expect(s).toMatchObject({ min: 3, max: 3, p95: 3, last: 3, points: 1 });
    expect(s?.change).toBeUndefined();
    expect(s?.baseline).toBeUndefined();
  });

  it('keeps min ≤ p95 ≤ max and min ≤ avg ≤ max for any series', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
      const s = summarizeSeries(series(values, values.length), 'r', 60, 'x');
      expect(s).toBeDefined();
      if (!s) return;
      expect(s.min).toBeLessThanOrEqual(s.p95);
      expect(s.p95).toBeLessThanOrEqual(s.max);
      expect(s.min).toBeLessThanOrEqual(s.avg + 0.01);
      expect(s.avg).toBeLessThanOrEqual(s.max + 0.01);
    }));
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 0.95)).toBe(19);
  });
});

describe('metric chart', () => {
  it('renders a PNG of the requested size with the anomaly described in its alt text', async () => {
    const values = [...Array.from({ length: 60 }, () => 34), ...Array.from({ length: 60 }, (_, i) => (i < 48 ? 35 : 92))];
    const s = series(values, 60, 80);
    const summary = summarizeSeries(s, 'checkout-api', 60, 'cloudwatch');
    if (!summary) throw new Error('no summary');
    const chart = await renderMetricChart(s, summary, { width: 640, height: 280 });
    const png = Buffer.from(chart.png);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(640);
    expect(png.readUInt32BE(20)).toBe(280);
    expect(chart).toMatchObject({ width: 640, height: 280, mimeType: 'image/png', fileName: 'checkout-api-cpuutilization.png' });
    expect(chart.alt).toContain('Line chart of CPUUtilization for checkout-api over the last 60 minutes');
    expect(chart.alt).toContain('The dashed red line is the threshold 80.');
    expect(chart.alt).toContain('Shaded: above threshold 80 for the last 12 min.');
    if (process.env.CHART_OUT) writeFileSync(process.env.CHART_OUT, png);
  });
});

describe('metric catalog', () => {
  it('addresses every demo resource of a catalogued type from its provider id', () => {
    const resources = demoResources();
    const typed = resources.filter((r) => [...catalogTypes.aws, ...catalogTypes.azure, ...catalogTypes.gcp].includes(r.type));
    expect(typed.length).toBeGreaterThan(20);
    for (const resource of typed) expect(catalogLookup(resource), resource.id).toMatchObject({ ok: true });
    expect(catalogLookup(demoResource('portal-db'))).toMatchObject({ ok: true, address: { provider: 'azure', subscriptionId: 'aaaaaaaa-0000-0000-0000-000000000001', region: 'westeurope', namespace: 'Microsoft.Sql/servers/databases' } });
    expect(catalogLookup(demoResource('search-db'))).toMatchObject({ ok: true, address: { provider: 'gcp', project: 'demo-gcp-prod', resourceType: 'cloudsql_database', labels: { 'resource.labels.database_id': 'demo-gcp-prod:search-db' } } });
    expect(catalogLookup(demoResource('image-resizer'))).toMatchObject({ ok: true, address: { region: 'eu-west-1', dimensions: [{ Name: 'FunctionName', Value: 'image-resizer' }] } });
  });

  it('says why an id cannot be addressed, and that some types have no live metrics', () => {
    const api = demoResource('checkout-api', '111111111111');
    expect(catalogLookup({ ...api, id: 'arn:aws:ecs:us-east-1:111111111111:service/checkout-api' })).toMatchObject({ ok: false, reason: 'bad_id' });
    expect(catalogLookup(demoResource('search-vpc'))).toMatchObject({ ok: false, reason: 'no_metrics' });
    const qualified = { ...demoResource('order-worker'), id: 'arn:aws:lambda:us-east-1:111111111111:function:order-worker:live' };
    expect(catalogLookup(qualified)).toMatchObject({ ok: true, address: { dimensions: [{ Name: 'FunctionName', Value: 'order-worker' }, { Name: 'Resource', Value: 'order-worker:live' }] } });
  });
});

/** A source that counts its reads and answers one flat series per resource. */
class CountingSource implements MetricsSource {
  readonly name = 'counting';
  reads: string[][] = [];
  failFor = new Set<string>();
  supports(): boolean {
    return true;
  }
  async read(request: MetricsRequest): Promise<MetricsResult> {
    this.reads.push(request.resources.map((r) => r.name));
    await new Promise((resolve) => setTimeout(resolve, 5));
    return {
      series: request.resources.filter((r) => !this.failFor.has(r.name)).map((r) => ({ resourceId: r.id, metric: 'm', unit: '', points: [{ t: new Date(end).toISOString(), v: 1 }] })),
      failures: request.resources.filter((r) => this.failFor.has(r.name)).map((r) => ({ resourceId: r.id, resourceName: r.name, metrics: [], source: this.name, reason: 'throttled' as const, message: 'slow down' })),
    };
  }
}

describe('metrics cache', () => {
  const a = demoResource('checkout-api', '111111111111');
  const b = demoResource('checkout-db', '111111111111');
  const request = (resources: CloudResource[]): MetricsRequest => ({ orgId: 'demo', accountIds: ['111111111111'], resources, windowMinutes: 60 });

  it('serves identical queries within the TTL from memory and coalesces concurrent ones', async () => {
    let clock = 0;
    const inner = new CountingSource();
    const cached = new CachedMetricsSource(inner, { ttlMs: 60_000, now: () => clock });
    await Promise.all([cached.read(request([a, b])), cached.read(request([a]))]);
    expect(inner.reads).toEqual([['checkout-api', 'checkout-db']]);
    const again = await cached.read(request([a, b]));
    expect(again.series).toHaveLength(2);
    expect(inner.reads).toHaveLength(1);
    expect(cached.stats).toEqual({ hits: 3, misses: 2 });
    clock = 60_001;
    await cached.read(request([b]));
    expect(inner.reads).toEqual([['checkout-api', 'checkout-db'], ['checkout-db']]);
  });

  it('keeps organizations and windows apart, and does not keep failures', async () => {
    const inner = new CountingSource();
    inner.failFor.add('checkout-db');
    const cached = new CachedMetricsSource(inner, { ttlMs: 60_000 });
    await cached.read(request([a, b]));
    await cached.read({ ...request([a]), orgId: 'globex' });
    await cached.read({ ...request([a]), windowMinutes: 30 });
    const third = await cached.read(request([a, b]));
    expect(third.failures).toHaveLength(1);
    expect(inner.reads).toEqual([['checkout-api', 'checkout-db'], ['checkout-api'], ['checkout-api'], ['checkout-db']]);
  });
});

describe('retry with backoff', () => {
  it('retries retryable failures within the attempts and the deadline, then gives up with the last error', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const value = await withRetry(async () => {
      attempts += 1;
      if (attempts < 3) throw new MetricsError('throttled', 'slow down', { retryable: true });
      return 'ok';
    }, { deadline: Date.now() + 10_000, baseDelayMs: 1, maxDelayMs: 4, random: () => 1, onRetry: (_e, _n, d) => delays.push(d) });
    expect(value).toBe('ok');
    expect(delays).toEqual([1, 2]);

    await expect(withRetry(async () => { throw new MetricsError('credentials', 'expired'); }, { deadline: Date.now() + 10_000 })).rejects.toThrow('expired');
    let tries = 0;
    await expect(withRetry(async () => {
      tries += 1;
      throw new MetricsError('throttled', 'still throttled', { retryable: true, retryAfterMs: 60_000 });
    }, { deadline: Date.now() + 1_000, baseDelayMs: 1 })).rejects.toThrow('still throttled');
    expect(tries).toBe(1); // a Retry-After past the deadline is not waited for
  });
});

describe('routing metrics to sources', () => {
  it('serves recorded resources from the recording and the rest from their live provider, and refuses out-of-scope ones first', async () => {
    const recorded = new RecordedMetricsSource(() => end);
    const api = demoResource('checkout-api', '111111111111');
    recorded.add('demo', { version: 1, series: [{ resourceId: api.id, metric: 'CPUUtilization', unit: 'Percent', intervalSeconds: 60, values: Array.from({ length: 120 }, (_, i) => i) }] });
    const live = new CountingSource();
    const db = demoResource('checkout-db', '111111111111');
    const staging = demoResource('checkout-api-staging');
    const reading = await readMetrics([recorded, live], { orgId: 'demo', accountIds: ['111111111111'], resources: [api, db, staging], windowMinutes: 60 });
    expect(reading.series.map((s) => [s.source, s.series.resourceId])).toEqual([['recorded', api.id], ['counting', db.id]]);
    expect(live.reads).toEqual([['checkout-db']]);
    expect(reading.failures).toEqual([expect.objectContaining({ resourceName: 'checkout-api-staging', reason: 'out_of_scope' })]);
    const cpu = reading.series[0]?.series;
    expect(summarizeSeries(cpu as MetricSeries, 'checkout-api', 60, 'recorded')).toMatchObject({ points: 60, min: 60, max: 119, change: { previousAvg: 29.5 } });
  });

  it('turns a source that hangs or throws into failures instead of an exception', async () => {
    const hanging: MetricsSource = { name: 'hanging', supports: () => true, read: () => new Promise(() => undefined) };
    const throwing: MetricsSource = { name: 'throwing', supports: (_o, r) => r.provider === 'azure', read: async () => { throw new Error('socket hang up'); } };
    const reading = await readMetrics([throwing, hanging], { orgId: 'demo', accountIds: ['111111111111', 'aaaaaaaa-0000-0000-0000-000000000001'], resources: [demoResource('checkout-db', '111111111111'), demoResource('portal-web')], windowMinutes: 60 }, 50);
    expect(reading.failures).toEqual(expect.arrayContaining([
      expect.objectContaining({ source: 'hanging', reason: 'timeout', resourceName: 'checkout-db' }),
      expect.objectContaining({ source: 'throwing', reason: 'unavailable', resourceName: 'portal-web', message: 'socket hang up' }),
    ]));
  });
});

describe('metrics settings and account configuration', () => {
  it('turns live providers on by METRICS_SOURCES and rejects unknown ones, with the reason', () => {
    expect(loadConfig({}).metrics).toMatchObject({ sources: ['recorded'], timeoutMs: 15_000, cacheTtlMs: 60_000, concurrency: 8 });
    expect(loadConfig({ METRICS_SOURCES: 'recorded, AWS,gcp', AZURE_CLIENT_SECRET_PORTAL: 's3cret' }).metrics).toMatchObject({ sources: ['recorded', 'aws', 'gcp'], azureClientSecrets: { AZURE_CLIENT_SECRET_PORTAL: 's3cret' } });
    expect(() => loadConfig({ METRICS_SOURCES: 'aws,oracle' })).toThrow(/METRICS_SOURCES.*recorded, aws, azure, gcp/);
  });

  it('checks the credential fields of each cloud account', () => {
    expect(CloudAccountConfig.safeParse({ provider: 'aws', accountId: '1', name: 'a', roleArn: 'arn:aws:iam::111111111111:role/Read', externalId: 'x-1' }).success).toBe(true);
    expect(CloudAccountConfig.safeParse({ provider: 'aws', accountId: '1', name: 'a', roleArn: 'Read' }).success).toBe(false);
    expect(CloudAccountConfig.safeParse({ provider: 'azure', accountId: 's', name: 'a', roleArn: 'arn:aws:iam::111111111111:role/Read' }).success).toBe(false);
    expect(CloudAccountConfig.safeParse({ provider: 'azure', accountId: 's', name: 'a', tenantId: 't', clientId: 'c', clientSecretEnv: 'AZURE_CLIENT_SECRET_A' }).success).toBe(true);
    expect(CloudAccountConfig.safeParse({ provider: 'azure', accountId: 's', name: 'a', tenantId: 't', clientId: 'c' }).success).toBe(false);
    expect(CloudAccountConfig.safeParse({ provider: 'azure', accountId: 's', name: 'a', clientId: 'c', clientSecretEnv: 'MY_SECRET' }).success).toBe(false);
  });
});
