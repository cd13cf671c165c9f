import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AzureCrawler, resourceGraphQuery } from '../../src/crawlers/azure.ts';
import { CrawlRunner } from '../../src/crawlers/runner.ts';
import { createLogger } from '../../src/logging.ts';
import type { GraphScope } from '../../src/stores/graph.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { staticCredentials } from '../support/cloud.ts';
import { neighbourNames, refuseUnmockedHttp } from '../support/crawl.ts';

/**
 * The Azure crawler through the real @azure/arm-resourcegraph client, answered by nock in Resource
 * Graph's REST format: POST /providers/Microsoft.ResourceGraph/resources with the query, the
 * subscriptions and `options.$skipToken`; answers `{ totalRecords, count, resultTruncated,
 * $skipToken, data }`; throttling is 429 with Retry-After; a missing role is 403 AuthorizationFailed.
 */

const sub = '3333aaaa-0000-4000-8000-000000000003';
const locked = '4444bbbb-0000-4000-8000-000000000004';
const accounts: CloudAccountConfig[] = [
  { provider: 'azure', accountId: locked, name: 'locked' },
  { provider: 'azure', accountId: sub, name: 'azure-prod' },
];
const scope: GraphScope = { orgId: 'demo', accountIds: [sub] };
const rg = `/subscriptions/${sub}/resourceGroups/rg-prod/providers`;
const ids = {
  vm: `${rg}/Microsoft.Compute/virtualMachines/vm-frontend-01`,
  nic: `${rg}/Microsoft.Network/networkInterfaces/vm-frontend-01-nic`,
  vnet: `${rg}/Microsoft.Network/virtualNetworks/prod-vnet`,
  subnet: `${rg}/Microsoft.Network/virtualNetworks/prod-vnet/subnets/app`,
  plan: `${rg}/Microsoft.Web/serverfarms/prod-plan`,
  site: `${rg}/Microsoft.Web/sites/checkout-web`,
  server: `${rg}/Microsoft.Sql/servers/orders-sql`,
  db: `${rg}/Microsoft.Sql/servers/orders-sql/databases/orders`,
  pe: `${rg}/Microsoft.Network/privateEndpoints/orders-sql-pe`,
};

function rows(withVm = true): Record<string, unknown>[] {
  return [
    ...(withVm ? [{
      id: ids.vm, name: 'vm-frontend-01', type: 'microsoft.compute/virtualmachines', location: 'eastus', tags: { Environment: 'Production' },
      // Properties spell ids in their own casing: the crawler matches them case-insensitively.
      properties: { networkProfile: { networkInterfaces: [{ id: ids.nic.toLowerCase() }] }, extended: { instanceView: { powerState: { code: 'PowerState/running' } } } },
    }, { id: ids.nic, name: 'vm-frontend-01-nic', type: 'microsoft.network/networkinterfaces', location: 'eastus', tags: null, properties: { ipConfigurations: [{ properties: { subnet: { id: ids.subnet } } }], provisioningState: 'Succeeded' } }] : []),
    { id: ids.vnet, name: 'prod-vnet', type: 'microsoft.network/virtualnetworks', location: 'eastus', tags: {}, properties: { subnets: [{ id: ids.subnet, name: 'app' }], provisioningState: 'Succeeded' } },
    { id: ids.plan, name: 'prod-plan', type: 'microsoft.web/serverfarms', location: 'eastus', tags: {}, properties: { status: 'Ready' } },
    { id: ids.site, name: 'checkout-web', type: 'microsoft.web/sites', location: 'eastus', tags: { team: 'payments' }, properties: { serverFarmId: ids.plan, state: 'Running', virtualNetworkSubnetId: ids.subnet } },
    { id: ids.server, name: 'orders-sql', type: 'microsoft.sql/servers', location: 'eastus', tags: {}, properties: { state: 'Ready' } },
    { id: ids.db, name: 'orders', type: 'microsoft.sql/servers/databases', location: 'eastus', tags: {}, properties: { status: 'Online' } },
    { id: ids.pe, name: 'orders-sql-pe', type: 'microsoft.network/privateendpoints', location: 'eastus', tags: {}, properties: { subnet: { id: ids.subnet }, privateLinkServiceConnections: [{ properties: { privateLinkServiceId: ids.server } }] } },
  ];
}

interface Body { subscriptions: string[]; query: string; options?: { $skipToken?: string; $top?: number; resultFormat?: string } }

/** Answers in pages of three; the first request of the subscription is throttled once, as Resource Graph does (no Retry-After). */
function answer(data: Record<string, unknown>[], requests: Body[], throttleFirst = true): void {
  let throttled = !throttleFirst;
  nock('https://management.azure.com').persist().post('/providers/Microsoft.ResourceGraph/resources').query({ 'api-version': '2021-03-01' }).reply((_uri, raw) => {
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Body;
    requests.push(body);
    if (body.subscriptions.includes(locked)) {
      return [403, { error: { code: 'AuthorizationFailed', message: `The client '00000000-0000-0000-0000-00000000bbbb' does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope '/subscriptions/${locked}'.` } }];
    }
    if (!throttled) {
      throttled = true;
      return [429, { error: { code: 'RateLimiting', message: 'Please provide below info when asking for support: timestamp = 2026-11-21T08:00:00Z' } }, { 'x-ms-user-quota-remaining': '0', 'x-ms-user-quota-resets-after': '00:00:00' }];
    }
    const start = Number(body.options?.$skipToken ?? 0);
    const page = data.slice(start, start + 3);
    const next = start + 3 < data.length ? String(start + 3) : undefined;
    return [200, { totalRecords: data.length, count: page.length, resultTruncated: 'false', ...(next ? { $skipToken: next } : {}), data: page }];
  });
}

const names = neighbourNames;

let graph: MemoryResourceGraph;
refuseUnmockedHttp(() => {
  graph = new MemoryResourceGraph();
});

describe('Azure crawler through the real Resource Graph client', () => {
  it('pages through one query per subscription, retries throttling, reports a subscription without Reader and marks deletions gone', async () => {
    const requests: Body[] = [];
    answer(rows(), requests);
    let clock = new Date('2026-11-21T08:00:00.000Z');
    const runner = new CrawlRunner({ graph, crawlers: { azure: new AzureCrawler({ credential: staticCredentials().azure, retryBaseMs: 20 }) }, logger: createLogger({ level: 'silent' }), now: () => clock });
    const report = await runner.crawlOrganization('demo', accounts);

    const [denied, prod] = report.accounts;
    expect(denied?.failures).toEqual([{ provider: 'azure', accountId: locked, region: '*', family: 'resource-graph', reason: 'access_denied', message: expect.stringContaining("refused access (AuthorizationFailed): The client '00000000-0000-0000-0000-00000000bbbb' does not have authorization") }]);
    expect(denied?.failures[0]?.message).toContain('Grant the bot\'s identity the Reader role on the subscription');
    expect(prod?.failures).toEqual([]);
    const mine = requests.filter((r) => r.subscriptions[0] === sub);
    // One throttled request, then three pages of three rows following $skipToken.
    expect(mine.map((r) => r.options?.$skipToken ?? null)).toEqual([null, null, '3', '6']);
    expect(mine.every((r) => r.query === resourceGraphQuery && r.options?.resultFormat === 'objectArray')).toBe(true);
    expect(prod?.calls).toBe(4);

    expect((await graph.counts(scope)).byType).toEqual({
      'azure.compute.vm': 1, 'azure.network.nic': 1, 'azure.network.vnet': 1, 'azure.network.subnet': 1, 'azure.web.serverfarm': 1,
      'azure.web.site': 1, 'azure.sql.server': 1, 'azure.sql.database': 1, 'azure.network.privateendpoint': 1,
    });
    await expect(graph.getResource(scope, ids.vm)).resolves.toMatchObject({ name: 'vm-frontend-01', state: 'running', region: 'eastus', tags: { Environment: 'Production' }, lastSeenAt: clock.toISOString() });
    await expect(graph.getResource(scope, ids.db)).resolves.toMatchObject({ state: 'online' });
    // VM → NIC → subnet ← VNet; plan → site; server → database; private endpoint → subnet and server.
    expect((await graph.path(scope, ids.vm, ids.vnet)).map((r) => r.name)).toEqual(['vm-frontend-01', 'vm-frontend-01-nic', 'app', 'prod-vnet']);
    expect(names(await graph.dependencies(scope, ids.plan, 1))).toEqual(['checkout-web:CONTAINS']);
    expect(names(await graph.dependencies(scope, ids.server, 1))).toEqual(['orders:CONTAINS']);
    expect(names(await graph.dependencies(scope, ids.pe, 1))).toEqual(['app:ATTACHED_TO', 'orders-sql:ROUTES_TO']);
    expect(names(await graph.dependents(scope, ids.subnet, 1))).toEqual(['checkout-web:ATTACHED_TO', 'orders-sql-pe:ATTACHED_TO', 'prod-vnet:CONTAINS', 'vm-frontend-01-nic:ATTACHED_TO']);

    // The VM and its NIC are deleted; the next crawl marks them gone and keeps when they were last seen.
    nock.cleanAll();
    answer(rows(false), [], false);
    clock = new Date('2026-11-22T08:00:00.000Z');
    const second = await runner.crawlAccount('demo', accounts[1] as CloudAccountConfig);
    expect(second).toMatchObject({ resources: 7, removed: 2, failures: [] });
    await expect(graph.getResource(scope, ids.vm)).resolves.toMatchObject({ state: 'gone', lastSeenAt: '2026-11-21T08:00:00.000Z', goneAt: '2026-11-22T08:00:00.000Z' });
    expect(names(await graph.dependents(scope, ids.subnet, 1))).toEqual(['checkout-web:ATTACHED_TO', 'orders-sql-pe:ATTACHED_TO', 'prod-vnet:CONTAINS']);
  });
});
