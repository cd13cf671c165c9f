import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveExecutor } from '../../src/approvals/executors/index.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { action, approved, staticCredentials, target } from '../support/cloud.ts';

/**
 * The Azure executors through `@azure/arm-compute` and `@azure/arm-appservice`, answered by nock
 * as Azure Resource Manager answers: JSON bodies, `{ error: { code, message } }` refusals, and
 * long-running operations as 202 + Azure-AsyncOperation/Location headers polled to a final status.
 */

const subscription = 'aaaaaaaa-0000-0000-0000-000000000001';
const account: CloudAccountConfig = { provider: 'azure', accountId: subscription, name: 'demo-azure' };
const arm = 'https://management.azure.com';
const vmId = `/subscriptions/${subscription}/resourceGroups/reporting-rg/providers/Microsoft.Compute/virtualMachines/reporting-vm`;
const siteId = `/subscriptions/${subscription}/resourceGroups/portal-rg/providers/Microsoft.Web/sites/portal-web`;
const vm = target(vmId, 'reporting-vm', account);
const site = target(siteId, 'portal-web', account);
const operation = `/subscriptions/${subscription}/providers/Microsoft.Compute/locations/westeurope/operations/4f3b2a1c-0000-4000-8000-000000000001`;

function instanceView(power: 'running' | 'deallocated' | 'stopped' | 'starting') {
  return {
    computerName: 'reporting-vm', osName: 'ubuntu', osVersion: '22.04',
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time: '2026-11-21T09:00:00.0000000+00:00' },
      { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
    ],
  };
}

/** The long-running-operation protocol: 202 with a status URL, one "InProgress", then the final status. */
function lro(path: string, final: { status: string; error?: { code: string; message: string } }) {
  nock(arm).post(path).query(true).reply(202, '', {
    'Azure-AsyncOperation': `${arm}${operation}?p=azure-async&api-version=2026-03-01`,
    Location: `${arm}${operation}?monitor=true&api-version=2026-03-01`,
    'Retry-After': '0',
  });
  nock(arm).get(operation).query((q) => q['p'] === 'azure-async').reply(200, { startTime: '2026-11-21T10:00:00Z', status: 'InProgress', name: '4f3b2a1c-0000-4000-8000-000000000001' }, { 'Retry-After': '0' });
  nock(arm).get(operation).query((q) => q['p'] === 'azure-async').reply(200, { startTime: '2026-11-21T10:00:00Z', endTime: '2026-11-21T10:01:00Z', name: '4f3b2a1c-0000-4000-8000-000000000001', ...final });
  if (final.status === 'Succeeded') nock(arm).get(operation).query((q) => q['monitor'] === 'true').reply(200);
}

let executor: LiveExecutor;
let credentials: ReturnType<typeof staticCredentials>;

beforeEach(() => {
  nock.disableNetConnect();
  credentials = staticCredentials();
  executor = new LiveExecutor({ credentials, azurePollIntervalMs: 1 });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'every expected provider call was made').toEqual([]);
});

describe('Azure virtual machines', () => {
  it('dry-runs a restart by reading the power state', async () => {
    nock(arm, { reqheaders: { authorization: 'Bearer azure-test-token' } }).get(`${vmId}/instanceView`).query(true).reply(200, instanceView('running'));
    expect(await executor.dryRun(action('azure.vm.restart', {}, vm), vm)).toEqual({ ok: true, message: 'VM reporting-vm in reporting-rg is running; Azure would restart it.' });
    expect(credentials.calls).toEqual([`azure:demo:${subscription}`]);
  });

  it('refuses in the dry run to restart a deallocated VM', async () => {
    nock(arm).get(`${vmId}/instanceView`).query(true).reply(200, instanceView('deallocated'));
    expect(await executor.dryRun(action('azure.vm.restart', {}, vm), vm)).toEqual({ ok: false, providerCode: 'OperationNotAllowed', message: 'Cannot check "restart Azure VM reporting-vm": OperationNotAllowed: VM reporting-vm is deallocated; restart needs a running VM.' });
  });

  it('restarts the VM, polling the operation to its end, and verifies it runs', async () => {
    lro(`${vmId}/restart`, { status: 'Succeeded' });
    const approval = approved(action('azure.vm.restart', {}, vm));
    expect(await executor.execute(approval, vm)).toEqual({ ok: true, message: 'VM reporting-vm restarted; Azure reported the operation succeeded.' });
    nock(arm).get(`${vmId}/instanceView`).query(true).reply(200, instanceView('running'));
    expect(await executor.verify(approval, vm)).toEqual({ ok: true, message: 'VM reporting-vm is running.' });
  });

  it('shows the operation failing with Azure\'s reason', async () => {
    lro(`${vmId}/restart`, { status: 'Failed', error: { code: 'OperationPreempted', message: 'Operation execution has been preempted by a more recent operation.' } });
    const result = await executor.execute(approved(action('azure.vm.restart', {}, vm)), vm);
    expect(result).toEqual({ ok: false, providerCode: 'OperationPreempted', message: 'Azure refused to run "restart Azure VM reporting-vm": OperationPreempted: Operation execution has been preempted by a more recent operation.' });
  });

  it('shows Azure refusing for lack of permission, with the permission to grant', async () => {
    nock(arm).post(`${vmId}/restart`).query(true).reply(403, { error: { code: 'AuthorizationFailed', message: `The client '7d0c8f3a-0000-4000-8000-000000000002' with object id '7d0c8f3a-0000-4000-8000-000000000002' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/restart/action' over scope '${vmId}' or the scope is invalid. If access was recently granted, please refresh your credentials.` } });
    const result = await executor.execute(approved(action('azure.vm.restart', {}, vm)), vm);
    expect(result).toMatchObject({ ok: false, providerCode: 'AuthorizationFailed' });
    expect(result.message).toContain('Azure refused to run "restart Azure VM reporting-vm": AuthorizationFailed: The client \'7d0c8f3a-0000-4000-8000-000000000002\'');
    expect(result.message).toContain('Grant Microsoft.Compute/virtualMachines/restart/action');
  });

  it('shows a wrong-state conflict from Azure', async () => {
    nock(arm).get(`${vmId}/instanceView`).query(true).reply(200, instanceView('running'));
    nock(arm).post(`${vmId}/deallocate`).query(true).reply(409, { error: { code: 'OperationNotAllowed', message: 'Operation \'deallocate\' is not allowed since the VM reporting-vm is marked for deletion.' } });
    const result = await executor.execute(approved(action('azure.vm.deallocate', {}, vm)), vm);
    expect(result).toEqual({ ok: false, providerCode: 'OperationNotAllowed', message: 'Azure refused to run "stop and deallocate Azure VM reporting-vm": OperationNotAllowed: Operation \'deallocate\' is not allowed since the VM reporting-vm is marked for deletion.' });
  });

  it('deallocates a running VM and offers to start it again; starting a deallocated one offers the reverse', async () => {
    nock(arm).get(`${vmId}/instanceView`).query(true).reply(200, instanceView('running'));
    lro(`${vmId}/deallocate`, { status: 'Succeeded' });
    expect(await executor.execute(approved(action('azure.vm.deallocate', {}, vm)), vm)).toEqual({
      ok: true, message: 'VM reporting-vm stopped and deallocated (it was running); Azure reported the operation succeeded.', priorState: { powerState: 'running' },
      rollback: { kind: 'azure.vm.start', params: {}, description: 'Start Azure VM reporting-vm again (it was running)' },
    });
    nock(arm).get(`${vmId}/instanceView`).query(true).reply(200, instanceView('deallocated'));
    lro(`${vmId}/start`, { status: 'Succeeded' });
    expect(await executor.execute(approved(action('azure.vm.start', {}, vm)), vm)).toMatchObject({ ok: true, priorState: { powerState: 'deallocated' }, rollback: { kind: 'azure.vm.deallocate' } });
  });

  it('acts only in the subscription it was configured for', async () => {
    const other = target(vmId.replace(subscription, 'bbbbbbbb-0000-0000-0000-000000000002'), 'reporting-vm', account);
    expect(await executor.execute(approved(action('azure.vm.restart', {}, other)), other)).toMatchObject({ ok: false, providerCode: 'SubscriptionMismatch' });
  });
});

describe('Azure App Service', () => {
  const siteJson = (state: string) => ({ id: siteId, name: 'portal-web', type: 'Microsoft.Web/sites', location: 'West Europe', kind: 'app', properties: { state, hostNames: ['portal-web.azurewebsites.net'], enabled: true } });

  it('restarts the app synchronously and verifies it runs', async () => {
    nock(arm).get(siteId).query(true).reply(200, siteJson('Running'));
    expect(await executor.dryRun(action('azure.appservice.restart', {}, site), site)).toEqual({ ok: true, message: 'App portal-web in portal-rg is Running; Azure would restart it.' });
    nock(arm).post(`${siteId}/restart`).query((q) => q['synchronous'] === 'true').reply(200);
    const approval = approved(action('azure.appservice.restart', {}, site));
    expect(await executor.execute(approval, site)).toEqual({ ok: true, message: 'App portal-web restarted.' });
    nock(arm).get(siteId).query(true).reply(200, siteJson('Running'));
    expect(await executor.verify(approval, site)).toEqual({ ok: true, message: 'App portal-web is Running.' });
  });

  it('refuses a stopped app in the dry run, and shows a missing permission on restart', async () => {
    nock(arm).get(siteId).query(true).reply(200, siteJson('Stopped'));
    expect(await executor.dryRun(action('azure.appservice.restart', {}, site), site)).toMatchObject({ ok: false, message: expect.stringContaining('App portal-web is Stopped; only a running app can be restarted') });
    nock(arm).post(`${siteId}/restart`).query(true).reply(403, { error: { code: 'AuthorizationFailed', message: `The client 'x' does not have authorization to perform action 'Microsoft.Web/sites/restart/action' over scope '${siteId}'.` } });
    const result = await executor.execute(approved(action('azure.appservice.restart', {}, site)), site);
    expect(result).toMatchObject({ ok: false, providerCode: 'AuthorizationFailed', message: expect.stringContaining('Grant Microsoft.Web/sites/restart/action') });
  });
});
