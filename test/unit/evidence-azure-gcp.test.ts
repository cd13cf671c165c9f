import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzureChangeSource } from '../../src/evidence/changes/azure.ts';
import { GcpChangeSource } from '../../src/evidence/changes/gcp.ts';
import { AzureLogsSource } from '../../src/evidence/logs/azure-logs.ts';
import { CloudLoggingSource } from '../../src/evidence/logs/cloud-logging.ts';
import { AzureCredentials } from '../../src/metrics/credentials.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { accountsOf, demoResource, quickRetry } from '../support/metrics.ts';

// Azure Resource Manager: GET /subscriptions/<s>/providers/Microsoft.Insights/eventtypes/management/values
// ?api-version=2015-04-01&$filter=…&$select=… answering {value: [EventData], nextLink}; App Service
// GET …/sites/<name>/deployments (properties in snake_case: start_time, author). Log Analytics: POST https://api.loganalytics.io/v1/workspaces/<id>/query
// {query, timespan} answering {tables: [{name, columns, rows}]}. Cloud Logging v2 REST:
// POST https://logging.googleapis.com/v2/entries:list {resourceNames, filter, orderBy, pageSize} (JSON as sent: see CloudLoggingReader)
// answering {entries, nextPageToken}. Errors: ARM/Google JSON envelopes.
const now = Date.parse('2026-03-02T12:00:00Z');
const iso = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
const subscription = 'aaaaaaaa-0000-0000-0000-000000000001';
const project = 'demo-gcp-prod';
const accounts: CloudAccountConfig[] = [
  { provider: 'azure', accountId: subscription, name: 'demo-azure' },
  { provider: 'gcp', accountId: project, name: 'demo-gcp-prod' },
];
const web = demoResource('portal-web');
const run = demoResource('search-api');

class StaticToken implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}
const azure = new AzureCredentials({ credential: new StaticToken() });
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const gcpOptions = { accounts: accountsOf(accounts), clientOptions: { credentials: { client_email: 'bot@demo-gcp-prod.iam.gserviceaccount.com', private_key: privateKey }, projectId: project }, retry: quickRetry, now: () => now, timeoutMs: 10_000 };

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Azure changes through @azure/arm-monitor and @azure/arm-appservice', () => {
  const source = () => new AzureChangeSource({ accounts: accountsOf(accounts), credentials: azure, now: () => now, timeoutMs: 5_000 });
  const activityPath = `/subscriptions/${subscription}/providers/Microsoft.Insights/eventtypes/management/values`;

  it('filters the Activity Log on the resource and window, follows nextLink, keeps outcomes of writes, and reads App Service deployments', async () => {
    const filters: string[] = [];
    const arm = nock('https://management.azure.com');
    arm.get(activityPath).query((q) => { filters.push(String(q.$filter)); return true; }).reply(200, {
      value: [
        { eventTimestamp: iso(30), caller: 'alice@demo.example', operationName: { value: 'Microsoft.Web/sites/write', localizedValue: 'Update website' }, status: { value: 'Started' }, resourceId: web.id, correlationId: 'c1' },
        { eventTimestamp: iso(29), caller: 'alice@demo.example', operationName: { value: 'Microsoft.Web/sites/write', localizedValue: 'Update website' }, status: { value: 'Succeeded' }, resourceId: web.id, correlationId: 'c1' },
      ],
      nextLink: `https://management.azure.com${activityPath}?api-version=2015-04-01&%24skiptoken=p2`,
    });
    arm.get(activityPath).query((q) => q.$skiptoken === 'p2').reply(200, { value: [
      { eventTimestamp: iso(12), caller: 'ops@demo.example', operationName: { value: 'Microsoft.Web/sites/restart/action', localizedValue: 'Restart Web App' }, status: { value: 'Succeeded' }, resourceId: web.id, correlationId: 'c2' },
      { eventTimestamp: iso(11), caller: 'ops@demo.example', operationName: { value: 'Microsoft.Web/sites/config/list/action', localizedValue: 'List config' }, status: { value: 'Failed' }, resourceId: web.id, correlationId: 'c3' },
    ] });
    arm.get('/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/portal-rg/providers/Microsoft.Web/sites/portal-web/deployments').query(true).reply(200, { value: [
      { name: 'd2', properties: { status: 4, author: 'ci@demo', message: 'release 2.4.1', start_time: iso(40), active: true } },
      { name: 'd1', properties: { status: 4, author: 'ci@demo', message: 'release 2.4.0', start_time: iso(3000), active: false } },
    ] });
    const result = await source().read({ orgId: 'demo', accountIds: [subscription], resources: [web], windowMinutes: 60 });
    expect(result.failures).toEqual([]);
    expect(filters[0]).toBe(`eventTimestamp ge '${iso(60)}' and eventTimestamp le '${iso(0)}' and resourceUri eq '${web.id}'`);
    const activity = result.items.filter((c) => c.source === 'azure-activity-log');
    expect(activity.map((c) => [c.at, c.summary, c.actor])).toEqual([
      [iso(29), 'Update website (Succeeded) on portal-web', 'alice@demo.example'],
      [iso(12), 'Restart Web App (Succeeded) on portal-web', 'ops@demo.example'],
      [iso(11), 'List config (Failed) on portal-web', 'ops@demo.example'],
    ]);
    expect(result.items.filter((c) => c.source === 'app-service-deployment')).toEqual([expect.objectContaining({ at: iso(40), before: 'deployment d1', after: 'deployment d2', actor: 'ci@demo' })]);
  });

  it('retries a throttled Activity Log page after its Retry-After', async () => {
    const arm = nock('https://management.azure.com');
    arm.get(activityPath).query(true).reply(429, { error: { code: 'TooManyRequests', message: 'Rate limit exceeded' } }, { 'retry-after': '0' });
    arm.get(activityPath).query(true).reply(200, { value: [{ eventTimestamp: iso(5), caller: 'ops@demo.example', operationName: { value: 'Microsoft.Web/sites/write', localizedValue: 'Update website' }, status: { value: 'Succeeded' }, resourceId: web.id }] });
    arm.get(/\/deployments$/).query(true).reply(200, { value: [] });
    const result = await source().read({ orgId: 'demo', accountIds: [subscription], resources: [web], windowMinutes: 60 });
    expect(result.failures).toEqual([]);
    expect(result.items.map((c) => c.at)).toEqual([iso(5)]);
  });

  it('names the Azure role when the Activity Log is forbidden, and still answers the deployments', async () => {
    const arm = nock('https://management.azure.com');
    arm.get(activityPath).query(true).reply(403, { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action Microsoft.Insights/eventtypes/values/read' } });
    arm.get(/\/deployments$/).query(true).reply(200, { value: [] });
    const result = await source().read({ orgId: 'demo', accountIds: [subscription], resources: [web], windowMinutes: 60 });
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'access_denied' })]);
    expect(result.failures[0]?.message).toContain('Monitoring Reader');
  });
});

describe('Azure Monitor Logs through @azure/monitor-query-logs', () => {
  const tagged = { ...web, tags: { ...web.tags, logAnalyticsWorkspaceId: '11111111-2222-3333-4444-555555555555', logAnalyticsTable: 'AppServiceConsoleLogs' } };
  const source = () => new AzureLogsSource({ accounts: accountsOf(accounts), credentials: azure, now: () => now, timeoutMs: 5_000 });

  it('queries the tagged workspace with a bounded KQL scoped to the resource and clusters the rows', async () => {
    let body: { query?: string; timespan?: string } = {};
    nock('https://api.loganalytics.io').post('/v1/workspaces/11111111-2222-3333-4444-555555555555/query').reply(200, (_uri, raw) => {
      body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as typeof body;
      return { tables: [{ name: 'PrimaryResult', columns: [{ name: 'TimeGenerated', type: 'datetime' }, { name: 'Message', type: 'string' }], rows: [
        [iso(3), 'System.TimeoutException: SQL timeout after 30s on server 10.1.2.3'],
        [iso(8), 'System.TimeoutException: SQL timeout after 31s on server 10.1.2.4'],
      ] }] };
    });
    const result = await source().read({ orgId: 'demo', accountIds: [subscription], resources: [tagged], windowMinutes: 30 });
    expect(result.failures).toEqual([]);
    expect(body.query).toContain('AppServiceConsoleLogs');
    expect(body.query).toContain(`where _ResourceId =~ '${web.id}'`);
    expect(body.query).toContain('take 1000');
    expect(result.items).toEqual([expect.objectContaining({ count: 2, template: 'System.TimeoutException: SQL timeout after <num> on server <ip>', firstSeen: iso(8), lastSeen: iso(3) })]);
  });

  it('names Log Analytics Reader when the workspace is forbidden', async () => {
    nock('https://api.loganalytics.io').post(/query$/).reply(403, { error: { code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access to perform the requested operation' } });
    const result = await source().read({ orgId: 'demo', accountIds: [subscription], resources: [tagged], windowMinutes: 30 });
    expect(result.failures).toEqual([expect.objectContaining({ reason: 'access_denied' })]);
    expect(result.failures[0]?.message).toContain('Log Analytics Reader');
  });
});

describe('GCP audit logs and Cloud Logging through @google-cloud/logging (REST transport)', () => {
  const api = 'https://logging.googleapis.com';

  it('lists admin-activity audit entries on the resource and reports Cloud Run deployments as revisions', async () => {
    const bodies: Record<string, unknown>[] = [];
    nock('https://www.googleapis.com').post('/oauth2/v4/token').reply(200, { access_token: 'ya29.test', token_type: 'Bearer', expires_in: 3600 });
    nock(api).post('/v2/entries:list').query(true).times(2).reply(200, (_uri, raw) => {
      const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>;
      bodies.push(body);
      if (bodies.length === 1) {
        return { entries: [{ logName: `projects/${project}/logs/cloudaudit.googleapis.com%2Factivity`, insertId: 'i1', timestamp: iso(20), protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'run.googleapis.com', methodName: 'google.cloud.run.v1.Services.ReplaceService', resourceName: 'namespaces/demo-gcp-prod/services/search-api', authenticationInfo: { principalEmail: 'deployer@demo-gcp-prod.iam.gserviceaccount.com' } } }], nextPageToken: 'p2' };
      }
      return { entries: [] };
    });
    const result = await new GcpChangeSource(gcpOptions).read({ orgId: 'demo', accountIds: [project], resources: [run], windowMinutes: 60 });
    expect(result.failures).toEqual([]);
    expect(bodies[0]).toMatchObject({ resourceNames: [`projects/${project}`], orderBy: 'timestamp desc', pageSize: 100 });
    expect(String(bodies[0]?.filter)).toContain('protoPayload.resourceName:"search-api"');
    expect(bodies[1]).toMatchObject({ pageToken: 'p2' });
    expect(result.items).toEqual([expect.objectContaining({ at: iso(20), source: 'cloud-run-revision', actor: 'deployer@demo-gcp-prod.iam.gserviceaccount.com', summary: 'ReplaceService (new Cloud Run revision) on search-api' })]);
  });

  it('clusters ERROR entries of the resource, and names roles/logging.viewer when denied', async () => {
    nock('https://www.googleapis.com').post('/oauth2/v4/token').times(2).reply(200, { access_token: 'ya29.test', token_type: 'Bearer', expires_in: 3600 });
    // Throttled once (RESOURCE_EXHAUSTED), retried before the deadline.
    nock(api).post('/v2/entries:list').query(true).reply(429, { error: { code: 429, message: 'Quota exceeded for quota metric \'Read requests\'', status: 'RESOURCE_EXHAUSTED' } });
    let filter = '';
    nock(api).post('/v2/entries:list').query(true).reply(200, (_uri, raw) => {
      filter = String(((typeof raw === 'string' ? JSON.parse(raw) : raw) as { filter: string }).filter);
      return { entries: [
        { logName: `projects/${project}/logs/run.googleapis.com%2Fstderr`, timestamp: iso(4), severity: 'ERROR', textPayload: 'upstream connect error: 503 after 2000ms' },
        { logName: `projects/${project}/logs/run.googleapis.com%2Fstderr`, timestamp: iso(6), severity: 'ERROR', jsonPayload: { message: 'upstream connect error: 503 after 1500ms' } },
      ] };
    });
    const source = new CloudLoggingSource(gcpOptions);
    const result = await source.read({ orgId: 'demo', accountIds: [project], resources: [run], windowMinutes: 30 });
    expect(filter).toContain('resource.type="cloud_run_revision" AND resource.labels.service_name="search-api" AND severity>=ERROR');
    expect(result.items).toEqual([expect.objectContaining({ count: 2, template: 'upstream connect error: <num> after <num>', firstSeen: iso(6), lastSeen: iso(4) })]);

    nock(api).post('/v2/entries:list').query(true).reply(403, { error: { code: 403, message: 'Permission \'logging.logEntries.list\' denied on resource', status: 'PERMISSION_DENIED' } });
    const denied = await new CloudLoggingSource(gcpOptions).read({ orgId: 'demo', accountIds: [project], resources: [run], windowMinutes: 30 });
    expect(denied.failures).toEqual([expect.objectContaining({ reason: 'access_denied' })]);
    expect(denied.failures[0]?.message).toContain('roles/logging.viewer');
  });
});
