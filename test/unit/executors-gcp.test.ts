import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveExecutor } from '../../src/approvals/executors/index.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { action, approved, staticCredentials, target } from '../support/cloud.ts';

/**
 * The GCP executors through `@google-cloud/compute` on its REST transport, answered by nock as the
 * Compute Engine API answers: JSON resources, zonal Operation objects waited on with
 * `operations/{name}/wait`, and `{ error: { code, message, errors } }` refusals.
 */

const account: CloudAccountConfig = { provider: 'gcp', accountId: 'demo-gcp-prod', name: 'demo-gcp-prod' };
const api = 'https://compute.googleapis.com';
const zonePath = '/compute/v1/projects/demo-gcp-prod/zones/europe-west1-b';
const instance = target('//compute.googleapis.com/projects/demo-gcp-prod/zones/europe-west1-b/instances/search-indexer-1', 'search-indexer-1', account);
const group = target('//compute.googleapis.com/projects/demo-gcp-prod/zones/europe-west1-b/instanceGroupManagers/search-indexers', 'search-indexers', account);
const auth = { reqheaders: { authorization: 'Bearer ya29.test-token' } };

function operationJson(name: string, status: 'PENDING' | 'RUNNING' | 'DONE', type: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'compute#operation', id: '1234567890123456789', name, operationType: type, status, progress: status === 'DONE' ? 100 : 0,
    zone: `https://www.googleapis.com/compute/v1/projects/demo-gcp-prod/zones/europe-west1-b`,
    targetLink: `https://www.googleapis.com/compute/v1${zonePath}/instances/search-indexer-1`,
    selfLink: `https://www.googleapis.com/compute/v1${zonePath}/operations/${name}`,
    insertTime: '2026-11-21T02:00:00.000-08:00', ...extra,
  };
}

function instanceJson(status: string) {
  return { kind: 'compute#instance', id: '987654321', name: 'search-indexer-1', status, machineType: `https://www.googleapis.com/compute/v1${zonePath}/machineTypes/e2-standard-4`, zone: `https://www.googleapis.com/compute/v1${zonePath}` };
}

function forbidden(permission: string, resource: string) {
  return { error: { code: 403, message: `Required '${permission}' permission for '${resource}'`, errors: [{ message: `Required '${permission}' permission for '${resource}'`, domain: 'global', reason: 'forbidden' }] } };
}

let executor: LiveExecutor;

beforeEach(() => {
  nock.disableNetConnect();
  executor = new LiveExecutor({ credentials: staticCredentials() });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'every expected provider call was made').toEqual([]);
});

describe('Compute Engine instances', () => {
  it('dry-runs a reset: the instance runs, and Compute Engine confirms the bot holds compute.instances.reset', async () => {
    nock(api, auth).get(`${zonePath}/instances/search-indexer-1`).reply(200, instanceJson('RUNNING'));
    nock(api, auth).post(`${zonePath}/instances/search-indexer-1/testIamPermissions`, { permissions: ['compute.instances.reset'] }).reply(200, { permissions: ['compute.instances.reset'] });
    expect(await executor.dryRun(action('gcp.compute.reset', {}, instance), instance))
      .toEqual({ ok: true, message: 'Instance search-indexer-1 in europe-west1-b is RUNNING, and the bot holds compute.instances.reset.' });
  });

  it('shows in the dry run that the permission is missing', async () => {
    nock(api).get(`${zonePath}/instances/search-indexer-1`).reply(200, instanceJson('RUNNING'));
    nock(api).post(`${zonePath}/instances/search-indexer-1/testIamPermissions`).reply(200, {});
    expect(await executor.dryRun(action('gcp.compute.reset', {}, instance), instance)).toMatchObject({
      ok: false, providerCode: 'PERMISSION_DENIED',
      message: expect.stringContaining('The bot\'s identity lacks compute.instances.reset on search-indexer-1'),
    });
  });

  it('resets with the approval id as requestId, waits for the operation and verifies', async () => {
    const approval = approved(action('gcp.compute.reset', {}, instance));
    nock(api, auth).post(`${zonePath}/instances/search-indexer-1/reset`).query({ requestId: approval.id }).reply(200, operationJson('operation-1700000000000-reset', 'RUNNING', 'reset'));
    nock(api, auth).post(`${zonePath}/operations/operation-1700000000000-reset/wait`).reply(200, operationJson('operation-1700000000000-reset', 'RUNNING', 'reset'));
    nock(api, auth).post(`${zonePath}/operations/operation-1700000000000-reset/wait`).reply(200, operationJson('operation-1700000000000-reset', 'DONE', 'reset'));
    expect(await executor.execute(approval, instance)).toEqual({ ok: true, message: 'Instance search-indexer-1 reset; the operation finished without errors.' });
    nock(api).get(`${zonePath}/instances/search-indexer-1`).reply(200, instanceJson('RUNNING'));
    expect(await executor.verify(approval, instance)).toEqual({ ok: true, message: 'Instance search-indexer-1 is RUNNING.' });
  });

  it('shows Compute Engine refusing for lack of permission', async () => {
    nock(api).post(`${zonePath}/instances/search-indexer-1/reset`).query(true).reply(403, forbidden('compute.instances.reset', 'projects/demo-gcp-prod/zones/europe-west1-b/instances/search-indexer-1'));
    const result = await executor.execute(approved(action('gcp.compute.reset', {}, instance)), instance);
    expect(result).toEqual({
      ok: false, providerCode: 'forbidden',
      message: 'GCP refused to run "reset Compute Engine instance search-indexer-1": forbidden: Required \'compute.instances.reset\' permission for \'projects/demo-gcp-prod/zones/europe-west1-b/instances/search-indexer-1\'. Grant compute.instances.reset to the identity the bot uses in this account, then approve a new request.',
    });
  });

  it('shows a wrong-state refusal: resetting an instance that is not ready', async () => {
    nock(api).post(`${zonePath}/instances/search-indexer-1/reset`).query(true).reply(400, { error: { code: 400, message: 'The resource \'projects/demo-gcp-prod/zones/europe-west1-b/instances/search-indexer-1\' is not ready', errors: [{ message: 'The resource is not ready', domain: 'global', reason: 'resourceNotReady' }] } });
    const result = await executor.execute(approved(action('gcp.compute.reset', {}, instance)), instance);
    expect(result).toMatchObject({ ok: false, providerCode: 'resourceNotReady', message: expect.stringContaining('is not ready') });
  });

  it('stops a running instance and offers to start it again', async () => {
    const approval = approved(action('gcp.compute.stop', {}, instance));
    nock(api).get(`${zonePath}/instances/search-indexer-1`).reply(200, instanceJson('RUNNING'));
    nock(api).post(`${zonePath}/instances/search-indexer-1/stop`).query({ requestId: approval.id }).reply(200, operationJson('operation-stop', 'DONE', 'stop'));
    expect(await executor.execute(approval, instance)).toEqual({
      ok: true, message: 'Instance search-indexer-1 stopped (it was RUNNING); the operation finished without errors.', priorState: { status: 'RUNNING' },
      rollback: { kind: 'gcp.compute.start', params: {}, description: 'Start Compute Engine instance search-indexer-1 again (it was RUNNING)' },
    });
  });

  it('refuses in the dry run to start an instance that is already running', async () => {
    nock(api).get(`${zonePath}/instances/search-indexer-1`).reply(200, instanceJson('RUNNING'));
    expect(await executor.dryRun(action('gcp.compute.start', {}, instance), instance)).toMatchObject({ ok: false, providerCode: 'RESOURCE_NOT_READY', message: expect.stringContaining('Instance search-indexer-1 is RUNNING; start needs it TERMINATED') });
  });
});

describe('Managed instance groups', () => {
  const groupJson = (targetSize: number, stable: boolean) => ({ kind: 'compute#instanceGroupManager', name: 'search-indexers', targetSize, zone: `https://www.googleapis.com/compute/v1${zonePath}`, status: { isStable: stable } });

  it('resizes to exactly the approved size, records the prior size and offers it back', async () => {
    const approval = approved(action('gcp.mig.resize', { size: 4 }, group));
    nock(api).get(`${zonePath}/instanceGroupManagers/search-indexers`).reply(200, groupJson(2, true));
    nock(api).post(`${zonePath}/instanceGroupManagers/search-indexers/resize`).query({ size: '4', requestId: approval.id }).reply(200, operationJson('operation-resize', 'RUNNING', 'compute.instanceGroupManagers.resize'));
    nock(api).post(`${zonePath}/operations/operation-resize/wait`).reply(200, operationJson('operation-resize', 'DONE', 'compute.instanceGroupManagers.resize'));
    expect(await executor.execute(approval, group)).toEqual({
      ok: true, message: 'Group search-indexers resized from 2 to 4 instances.', priorState: { targetSize: 2 },
      rollback: { kind: 'gcp.mig.resize', params: { size: 2 }, description: 'Resize managed instance group search-indexers back to 2' },
    });
    nock(api).get(`${zonePath}/instanceGroupManagers/search-indexers`).reply(200, groupJson(4, false));
    expect(await executor.verify(approval, group)).toEqual({ ok: false, message: 'Group search-indexers targets 4 instances (asked for 4) and is still changing.' });
  });

  it('shows an operation that ends in error, with Compute Engine\'s reason', async () => {
    nock(api).get(`${zonePath}/instanceGroupManagers/search-indexers`).reply(200, groupJson(2, true));
    nock(api).post(`${zonePath}/instanceGroupManagers/search-indexers/resize`).query(true).reply(200, operationJson('operation-resize', 'DONE', 'compute.instanceGroupManagers.resize', {
      error: { errors: [{ code: 'QUOTA_EXCEEDED', message: 'Quota \'CPUS\' exceeded.  Limit: 24.0 in region europe-west1.' }] }, httpErrorStatusCode: 403, httpErrorMessage: 'FORBIDDEN',
    }));
    const result = await executor.execute(approved(action('gcp.mig.resize', { size: 40 }, group)), group);
    expect(result).toEqual({ ok: false, providerCode: 'QUOTA_EXCEEDED', message: 'GCP refused to run "resize managed instance group search-indexers to 40": QUOTA_EXCEEDED: Quota \'CPUS\' exceeded.  Limit: 24.0 in region europe-west1.' });
  });

  it('acts only in the project it was configured for', async () => {
    const other = target(group.resourceId.replace('demo-gcp-prod', 'someone-else'), 'search-indexers', account);
    expect(await executor.execute(approved(action('gcp.mig.resize', { size: 4 }, other)), other)).toMatchObject({ ok: false, providerCode: 'ProjectMismatch' });
  });
});
