import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GcpCrawler } from '../../src/crawlers/gcp.ts';
import { CrawlRunner } from '../../src/crawlers/runner.ts';
import { createLogger } from '../../src/logging.ts';
import type { GraphScope } from '../../src/stores/graph.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { staticCredentials } from '../support/cloud.ts';
import { neighbourNames, refuseUnmockedHttp } from '../support/crawl.ts';

/**
 * The GCP crawler through the real @google-cloud/asset client over its REST transport, answered by
 * nock in Cloud Asset's format: GET /v1/projects/{p}:searchAllResources?pageSize&pageToken&readMask
 * → `{ results: ResourceSearchResult[], nextPageToken }`; errors are Google's JSON error body.
 */

const project = 'shop-prod';
const denied = 'shop-locked';
const accounts: CloudAccountConfig[] = [{ provider: 'gcp', accountId: denied, name: 'locked' }, { provider: 'gcp', accountId: project, name: 'shop' }];
const scope: GraphScope = { orgId: 'demo', accountIds: [project] };
const compute = `//compute.googleapis.com/projects/${project}`;
const ids = {
  network: `${compute}/global/networks/prod`,
  subnet: `${compute}/regions/us-central1/subnetworks/app`,
  mig: `${compute}/zones/us-central1-a/instanceGroupManagers/web-mig`,
  vm1: `${compute}/zones/us-central1-a/instances/web-1`,
  vm2: `${compute}/zones/us-central1-a/instances/web-2`,
  run: `//run.googleapis.com/projects/${project}/locations/us-central1/services/checkout`,
  sql: `//cloudsql.googleapis.com/projects/${project}/instances/orders`,
};

function instance(name: string): Record<string, unknown> {
  return {
    name: `${compute}/zones/us-central1-a/instances/${name}`, assetType: 'compute.googleapis.com/Instance', project: 'projects/123456789', displayName: name,
    location: 'us-central1-a', state: 'RUNNING', labels: { team: 'web' },
    versionedResources: [{ version: 'v1', resource: {
      networkInterfaces: [{ network: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/prod`, subnetwork: `https://www.googleapis.com/compute/v1/projects/${project}/regions/us-central1/subnetworks/app` }],
      metadata: { items: [{ key: 'created-by', value: `projects/123456789/zones/us-central1-a/instanceGroupManagers/web-mig` }] },
    } }],
  };
}

function results(withVm2 = true): Record<string, unknown>[] {
  return [
    { name: ids.network, assetType: 'compute.googleapis.com/Network', displayName: 'prod', location: 'global' },
    { name: ids.subnet, assetType: 'compute.googleapis.com/Subnetwork', displayName: 'app', location: 'us-central1', versionedResources: [{ version: 'v1', resource: { network: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/prod` } }] },
    { name: ids.mig, assetType: 'compute.googleapis.com/InstanceGroupManager', displayName: 'web-mig', location: 'us-central1-a' },
    instance('web-1'),
    ...(withVm2 ? [instance('web-2')] : []),
    { name: ids.run, assetType: 'run.googleapis.com/Service', displayName: 'checkout', location: 'us-central1', state: 'ACTIVE', versionedResources: [{ version: 'v1', resource: { spec: { template: { metadata: { annotations: { 'run.googleapis.com/cloudsql-instances': `${project}:us-central1:orders` } } } } } }] },
    { name: ids.sql, assetType: 'sqladmin.googleapis.com/Instance', displayName: 'orders', location: 'us-central1', state: 'RUNNABLE' },
    { name: `//storage.googleapis.com/assets-${project}`, assetType: 'storage.googleapis.com/Bucket', displayName: `assets-${project}`, location: 'us' },
  ];
}

/** Pages of three; the first request for the project is throttled once (429 RESOURCE_EXHAUSTED). */
function answer(data: Record<string, unknown>[], requests: URLSearchParams[], throttleFirst = true): void {
  let throttled = !throttleFirst;
  nock('https://cloudasset.googleapis.com').persist().get(/\/v1\/projects\/[^/]+:searchAllResources/).reply((uri) => {
    const url = new URL(uri, 'https://cloudasset.googleapis.com');
    requests.push(url.searchParams);
    if (url.pathname.includes(denied)) {
      return [403, { error: { code: 403, message: `The caller does not have permission`, status: 'PERMISSION_DENIED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'cloudasset.googleapis.com', metadata: { permission: 'cloudasset.assets.searchAllResources' } }] } }];
    }
    if (!throttled) {
      throttled = true;
      return [429, { error: { code: 429, message: 'Quota exceeded for quota metric \'Search all resources requests\'', status: 'RESOURCE_EXHAUSTED' } }];
    }
    const start = Number(url.searchParams.get('pageToken') ?? 0);
    const page = data.slice(start, start + 3);
    return [200, { results: page, ...(start + 3 < data.length ? { nextPageToken: String(start + 3) } : {}) }];
  });
}

const names = neighbourNames;

let graph: MemoryResourceGraph;
refuseUnmockedHttp(() => {
  graph = new MemoryResourceGraph();
});

describe('GCP crawler through the real Cloud Asset client', () => {
  it('pages searchAllResources per project, retries throttling, reports a project without the role and marks deletions gone', async () => {
    const requests: URLSearchParams[] = [];
    answer(results(), requests);
    let clock = new Date('2026-11-21T08:00:00.000Z');
    const runner = new CrawlRunner({ graph, crawlers: { gcp: new GcpCrawler({ authClient: staticCredentials().gcp, retryBaseMs: 10 }) }, logger: createLogger({ level: 'silent' }), now: () => clock });
    const report = await runner.crawlOrganization('demo', accounts);

    const [locked, shop] = report.accounts;
    expect(locked?.failures).toEqual([{ provider: 'gcp', accountId: denied, region: '*', family: 'cloud-asset', reason: 'access_denied', message: expect.stringContaining("Grant the bot's service account roles/cloudasset.viewer") }]);
    expect(shop?.failures).toEqual([]);
    const mine = requests.slice(1);
    expect(mine.map((q) => q.get('pageToken'))).toEqual([null, null, '3', '6']);
    expect(mine.every((q) => q.get('readMask') === '*' && q.get('pageSize') === '500')).toBe(true);
    expect(shop?.calls).toBe(4);

    expect((await graph.counts(scope)).byType).toEqual({
      'gcp.compute.network': 1, 'gcp.compute.subnetwork': 1, 'gcp.compute.instanceGroupManager': 1, 'gcp.compute.instance': 2, 'gcp.run.service': 1, 'gcp.sql.instance': 1, 'gcp.storage.bucket': 1,
    });
    await expect(graph.getResource(scope, ids.vm1)).resolves.toMatchObject({ name: 'web-1', state: 'running', region: 'us-central1-a', tags: { team: 'web' }, lastSeenAt: clock.toISOString() });
    // Instance → subnetwork ← network; the managed group holds its instances; Cloud Run → Cloud SQL.
    expect((await graph.path(scope, ids.network, ids.vm1)).map((r) => r.name)).toEqual(['prod', 'app', 'web-1']);
    expect(names(await graph.dependencies(scope, ids.mig, 1))).toEqual(['web-1:CONTAINS', 'web-2:CONTAINS']);
    expect(names(await graph.dependencies(scope, ids.run, 1))).toEqual(['orders:DEPENDS_ON']);

    nock.cleanAll();
    answer(results(false), [], false);
    clock = new Date('2026-11-22T08:00:00.000Z');
    await expect(runner.crawlAccount('demo', accounts[1] as CloudAccountConfig)).resolves.toMatchObject({ resources: 7, removed: 1, failures: [] });
    await expect(graph.getResource(scope, ids.vm2)).resolves.toMatchObject({ state: 'gone', lastSeenAt: '2026-11-21T08:00:00.000Z', goneAt: '2026-11-22T08:00:00.000Z' });
    expect(names(await graph.dependencies(scope, ids.mig, 1))).toEqual(['web-1:CONTAINS']);
  });
});
