import type { AccessToken } from '@azure/identity';
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../src/cli/render-text.ts';
import { parseCommand } from '../../src/commands.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import type { RequestContext } from '../../src/request.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { buildToolset } from '../../tools/index.ts';

// The whole path with every live provider on: runtime → get_metrics tool → routing → CloudWatch,
// Azure Monitor and Cloud Monitoring SDK clients → nock answering in each provider's wire format.
// Recorded resources still come from their recordings; the others go live.
const end = Math.floor(Date.now() / 60_000) * 60_000;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let runtime: Runtime;
let cloudWatchBodies: { MetricDataQueries: { Id: string; MetricStat: { Metric: { MetricName: string; Dimensions: { Value: string }[] } } }[] }[] = [];

beforeAll(async () => {
  runtime = await createRuntime(loadConfig({ METRICS_SOURCES: 'recorded,aws,azure,gcp', METRICS_CACHE_SECONDS: '0' }), silentLogger(), {
    metrics: {
      aws: { base: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }) },
      azure: { credential: { getToken: async (): Promise<AccessToken> => ({ token: 'azure-token', expiresOnTimestamp: Date.now() + 3_600_000 }) } },
      gcp: { credentials: { client_email: 'bot@demo-gcp-prod.iam.gserviceaccount.com', private_key: privateKey }, projectId: 'demo-gcp-prod' },
    },
  });
});
afterAll(async () => {
  await runtime.close();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  cloudWatchBodies = [];
});

function fakeClouds(): void {
  nock.disableNetConnect();
  const ramp = (i: number, base: number, peak: number) => (i >= 108 ? peak : base);
  nock('https://monitoring.eu-west-1.amazonaws.com').post('/').reply((_uri, raw) => {
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as (typeof cloudWatchBodies)[number] & { EndTime: number };
    cloudWatchBodies.push(body);
    return [200, {
      MetricDataResults: body.MetricDataQueries.map((q) => ({
        Id: q.Id, Label: q.Id, StatusCode: 'Complete',
        Timestamps: Array.from({ length: 120 }, (_, i) => body.EndTime - (120 - i) * 60),
        Values: Array.from({ length: 120 }, (_, i) => (q.MetricStat.Metric.MetricName === 'CPUUtilization' ? ramp(i, 30, 93) : 40)),
      })),
    }, { 'content-type': 'application/x-amz-json-1.0' }];
  });
  nock('https://westeurope.metrics.monitor.azure.com').post(/\/subscriptions\/aaaaaaaa-0000-0000-0000-000000000001\/metrics:getBatch/).query(true).reply((uri, raw) => {
    const query = new URL(uri, 'https://x').searchParams;
    const ids = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { resourceids: string[] }).resourceids;
    return [200, {
      values: ids.map((id) => ({
        starttime: new Date(end - 7_200_000).toISOString(), endtime: new Date(end).toISOString(), interval: 'PT1M', namespace: query.get('metricnamespace'), resourceregion: 'westeurope', resourceid: id,
        value: (query.get('metricnames') ?? '').split(',').map((name) => ({
          id: `${id}/providers/Microsoft.Insights/metrics/${name}`, type: 'Microsoft.Insights/metrics', name: { value: name, localizedValue: name }, unit: 'Percent', errorCode: 'Success',
          timeseries: [{ metadatavalues: [], data: Array.from({ length: 120 }, (_, i) => ({ timeStamp: new Date(end - (120 - i) * 60_000).toISOString(), average: ramp(i, 20, 97), maximum: 50, total: 2 })) }],
        })),
      })),
    }];
  });
  nock('https://monitoring.googleapis.com').get('/v3/projects/demo-gcp-prod/timeSeries').query(true).reply(200, {
    timeSeries: [{
      metric: { type: 'compute.googleapis.com/instance_group/size', labels: {} },
      resource: { type: 'instance_group', labels: { project_id: 'demo-gcp-prod', location: 'europe-west1-b', instance_group_name: 'search-indexers' } },
      metricKind: 'GAUGE', valueType: 'DOUBLE',
      points: Array.from({ length: 120 }, (_, i) => ({ interval: { endTime: new Date(end - i * 60_000).toISOString() }, value: { doubleValue: 3 } })),
    }],
  });
}

async function context(orgId = 'demo', channelId = 'C0000OPS'): Promise<RequestContext> {
  const resolved = await runtime.companion.resolveContext({ platform: 'slack', source: 'slash', channelId, userId: 'U0000OPER', workspaceKey: ':T', workspace: { slackTeamId: orgId === 'demo' ? 'T00000001' : 'T00000002' } });
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.context;
}

describe('get_metrics with live providers', () => {
  it('returns compact, cited summaries for a resource of each cloud, read in parallel', async () => {
    fakeClouds();
    const tools = buildToolset(await context(), { graph: runtime.stores.graph, runbooks: runtime.stores.runbooks, metrics: runtime.metrics, approvals: runtime.approvals });
    const view = await tools.metrics.run({ resources: ['catalog-api', 'portal-db', 'search-indexers', 'checkout-api'], windowMinutes: 60 });
    expect(view.failures).toEqual([]);
    expect(new Set(view.summaries.map((s) => s.source))).toEqual(new Set(['cloudwatch', 'azure-monitor', 'cloud-monitoring', 'recorded']));
    const text = tools.metrics.toText(view);
    expect(text).toContain('Metrics of catalog-api, last 60 min:');
    expect(text).toMatch(/CPUUtilization: last 93 Percent, avg 42\.6, p95 93, min 30, max 93, rising, \+42% vs previous 60 min, latest 80\.4 is well above its baseline 30, above threshold 80 for the last 12 min \[cloudwatch: CloudWatch AWS\/ECS CPUUtilization \{ClusterName=eu-cluster, ServiceName=catalog-api\} Average\/60s, eu-west-1, account 111111111111\]/);
    expect(text).toMatch(/cpu_percent: last 97 Percent.*above threshold 90 for the last 12 min \[azure-monitor: Azure Monitor Microsoft\.Sql\/servers\/databases "cpu_percent" Average\/PT1M, westeurope, subscription aaaaaaaa-0000-0000-0000-000000000001\]/);
    expect(text).toMatch(/compute\.googleapis\.com\/instance_group\/size: last 3 Count.*\[cloud-monitoring: Cloud Monitoring .*instance_group_name=search-indexers.* project demo-gcp-prod\]/);
    expect(text).toMatch(/Metrics of checkout-api, last 60 min:\n {2}CPUUtilization: .*\[recorded: recorded series CPUUtilization, 60s interval\]/);
    expect(text.length).toBeLessThan(4000);
  });

  it('the deterministic planner reads an investigation\'s AWS resources in one GetMetricData call and charts a metrics answer', async () => {
    fakeClouds();
    const reply = await runtime.companion.handle({ context: await context(), intent: parseCommand('why is catalog-api slow?') });
    const text = renderText(reply);
    expect(cloudWatchBodies).toHaveLength(1);
    const addressed = new Set(cloudWatchBodies[0]?.MetricDataQueries.map((q) => q.MetricStat.Metric.Dimensions.at(-1)?.Value));
    expect(addressed.has('catalog-api')).toBe(true);
    expect(addressed.size).toBeGreaterThan(1); // its dependencies ride in the same call
    // The fake answers every resource with the same breached series, so the app and its database are equally suspect.
    expect(reply.summary).toBe('Two possible causes: catalog-api CPUUtilization 93% (> 80% for 12 min), or catalog-db CPUUtilization 93% (> 80% for 12 min)');
    expect(text).toContain('CPUUtilization');

    fakeClouds();
    const metrics = await runtime.companion.handle({ context: await context(), intent: parseCommand('metrics portal-db') });
    const part = metrics.parts.find((p) => p.kind === 'metrics');
    expect(part?.kind === 'metrics' && part.summaries.map((s) => s.source)).toEqual(['azure-monitor', 'azure-monitor', 'azure-monitor', 'azure-monitor']);
    const chart = part?.kind === 'metrics' ? part.chart : undefined;
    expect(chart?.alt).toMatch(/^Line chart of cpu_percent for portal-db over the last 60 minutes/);
    expect(Buffer.from(chart?.png ?? []).subarray(1, 4).toString('ascii')).toBe('PNG');
  });

  it('says which metrics could not be read and why, in the answer, instead of failing', async () => {
    nock.disableNetConnect();
    nock('https://westeurope.metrics.monitor.azure.com').post(/metrics:getBatch/).query(true).reply(403, { error: { code: 'AuthorizationFailed', message: "The client 'companion' does not have authorization to perform action 'Microsoft.Insights/metrics/read'." } });
    const reply = await runtime.companion.handle({ context: await context(), intent: parseCommand('metrics portal-db') });
    const status = reply.parts.at(-1);
    expect(status?.kind === 'status' && status.degraded.join('\n')).toMatch(/Metrics unavailable: azure-monitor: portal-db \(cpu_percent, dtu_consumption_percent, storage_percent, connection_failed\): Azure Monitor refused access .*AuthorizationFailed.*Monitoring Reader/);
  });
});
