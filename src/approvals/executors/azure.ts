import { WebSiteManagementClient } from '@azure/arm-appservice';
import { azureClientOptions } from '../../outbound.ts';
import { ComputeManagementClient } from '@azure/arm-compute';
import { parseAzureId, type AzureResourceId } from '../../metrics/ids.ts';
import type { HandlerInput, KindHandler } from './handler.ts';
import { errorShape, hintFor, ProviderRefusal } from './refusal.ts';

/**
 * Azure actions through the ARM SDKs (`@azure/arm-compute`, `@azure/arm-appservice`) with the
 * subscription's credential. Long-running operations (restart, start, deallocate) are polled to the
 * end, so the result in the thread is Azure's final word. ARM has no dry-run flag: the dry run
 * reads the target (proving read access and that it exists) and checks its power state.
 */

const permissionCodes = new Set(['AuthorizationFailed', 'LinkedAuthorizationFailed', 'Forbidden']);
const credentialNames = new Set(['CredentialUnavailableError', 'AuthenticationRequiredError', 'ClientAuthenticationError', 'AggregateAuthenticationError', 'InvalidAuthenticationToken', 'ExpiredAuthenticationToken']);
const notFoundCodes = new Set(['ResourceNotFound', 'ResourceGroupNotFound', 'NotFound']);

async function call<T>(input: HandlerInput, permission: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw azureRefusal(error, input, permission);
  }
}

function azureRefusal(error: unknown, input: HandlerInput, permission: string): ProviderRefusal {
  if (error instanceof ProviderRefusal) return error;
  const shape = errorShape(error);
  // A long-running operation that ends "Failed" surfaces as a plain Error naming the operation's error code.
  const failed = /^The long-running operation has failed\. (\w+)\. (.*)$/s.exec(shape.message);
  const { name, message, status } = failed?.[1] && failed[2] ? { ...shape, name: failed[1], message: failed[2] } : shape;
  const hint = permissionCodes.has(name) || status === 403 ? hintFor('permission', `${permission} (an Azure role with it, such as Virtual Machine Contributor)`)
    : credentialNames.has(name) || status === 401 ? hintFor('credentials', `Azure subscription ${input.target.account.accountId}`)
      : status === 429 ? hintFor('throttled', '')
        : notFoundCodes.has(name) || status === 404 ? hintFor('not_found', input.target.name)
          : undefined;
  return new ProviderRefusal('Azure', name, message, hint, { cause: error });
}

function azureTarget(input: HandlerInput, type: string): AzureResourceId & { name: string } {
  const id = parseAzureId(input.target.resourceId);
  const name = id?.names[0];
  if (!id || !name || id.type.toLowerCase() !== type.toLowerCase()) {
    throw new ProviderRefusal('Azure', 'InvalidTarget', `${input.target.resourceId} is not a ${type} resource id`, 'Re-ingest the estate with the full Azure resource id.', { own: true });
  }
  if (id.subscriptionId.toLowerCase() !== input.target.account.accountId.toLowerCase()) {
    throw new ProviderRefusal('Azure', 'SubscriptionMismatch', `${input.target.name} is in subscription ${id.subscriptionId}, not ${input.target.account.accountId}`, undefined, { own: true });
  }
  return { ...id, name };
}

function poll(input: HandlerInput): { updateIntervalInMs?: number } {
  return input.options.azurePollIntervalMs === undefined ? {} : { updateIntervalInMs: input.options.azurePollIntervalMs };
}

// Virtual machines -----------------------------------------------------------------------------

function vm(input: HandlerInput): { client: ComputeManagementClient; group: string; name: string } {
  const target = azureTarget(input, 'Microsoft.Compute/virtualMachines');
  return { client: new ComputeManagementClient(input.options.credentials.azure(input.target.orgId, input.target.account), target.subscriptionId, azureClientOptions()), group: target.resourceGroup, name: target.name };
}

/** `running`, `deallocated`, `stopped`, `starting`, … from the instance view's PowerState status. */
async function powerState(input: HandlerInput, client: ComputeManagementClient, group: string, name: string): Promise<string> {
  const view = await call(input, 'Microsoft.Compute/virtualMachines/read', () => client.virtualMachines.instanceView(group, name));
  const code = view.statuses?.map((s) => s.code ?? '').find((c) => c.startsWith('PowerState/'));
  return code ? code.slice('PowerState/'.length) : 'unknown';
}

function vmHandler(operation: 'restart' | 'start' | 'deallocate'): KindHandler {
  const permission = `Microsoft.Compute/virtualMachines/${operation}/action`;
  const needs: Record<typeof operation, string> = { restart: 'running', start: 'deallocated', deallocate: 'running' };
  const goal: Record<typeof operation, string> = { restart: 'running', start: 'running', deallocate: 'deallocated' };
  return {
    permission,
    async dryRun(input) {
      const { client, group, name } = vm(input);
      const state = await powerState(input, client, group, name);
      const allowed = operation === 'start' ? state === 'deallocated' || state === 'stopped' : state === needs[operation];
      if (!allowed) throw new ProviderRefusal('Azure', 'OperationNotAllowed', `VM ${name} is ${state}; ${operation} needs a ${operation === 'start' ? 'stopped or deallocated' : 'running'} VM`, undefined, { own: true });
      return `VM ${name} in ${group} is ${state}; Azure would ${operation} it.`;
    },
    async execute(input) {
      const { client, group, name } = vm(input);
      const prior = operation === 'restart' ? undefined : await powerState(input, client, group, name);
      await call(input, permission, () => {
        const options = poll(input);
        if (operation === 'restart') return client.virtualMachines.beginRestartAndWait(group, name, options);
        if (operation === 'start') return client.virtualMachines.beginStartAndWait(group, name, options);
        return client.virtualMachines.beginDeallocateAndWait(group, name, options);
      });
      const past = { restart: 'restarted', start: 'started', deallocate: 'stopped and deallocated' }[operation];
      if (prior === undefined) return { message: `VM ${name} ${past}; Azure reported the operation succeeded.` };
      // Only an exact inverse is offered: start undoes deallocate, deallocate undoes a start from deallocated.
      const inverse = operation === 'start' && prior === 'deallocated' ? 'azure.vm.deallocate' : operation === 'deallocate' && prior === 'running' ? 'azure.vm.start' : undefined;
      return {
        message: `VM ${name} ${past} (it was ${prior}); Azure reported the operation succeeded.`,
        priorState: { powerState: prior },
        ...(inverse ? { rollback: { kind: inverse, params: {}, description: `${inverse === 'azure.vm.start' ? 'Start' : 'Deallocate'} Azure VM ${input.target.name} again (it was ${prior})` } } : {}),
      };
    },
    async verify(input) {
      const { client, group, name } = vm(input);
      const state = await powerState(input, client, group, name);
      return { ok: state === goal[operation], message: `VM ${name} is ${state}.` };
    },
  };
}

// App Service ----------------------------------------------------------------------------------

function webApp(input: HandlerInput): { client: WebSiteManagementClient; group: string; name: string } {
  const target = azureTarget(input, 'Microsoft.Web/sites');
  return { client: new WebSiteManagementClient(input.options.credentials.azure(input.target.orgId, input.target.account), target.subscriptionId, azureClientOptions()), group: target.resourceGroup, name: target.name };
}

async function siteState(input: HandlerInput, client: WebSiteManagementClient, group: string, name: string): Promise<string> {
  const site = await call(input, 'Microsoft.Web/sites/read', () => client.webApps.get(group, name));
  return site.state ?? 'unknown';
}

const appServiceRestart: KindHandler = {
  permission: 'Microsoft.Web/sites/restart/action',
  async dryRun(input) {
    const { client, group, name } = webApp(input);
    const state = await siteState(input, client, group, name);
    if (state.toLowerCase() !== 'running') throw new ProviderRefusal('Azure', 'OperationNotAllowed', `App ${name} is ${state}; only a running app can be restarted`, undefined, { own: true });
    return `App ${name} in ${group} is ${state}; Azure would restart it.`;
  },
  async execute(input) {
    const { client, group, name } = webApp(input);
    // synchronous: Azure answers once the restart is done rather than when it is queued.
    await call(input, this.permission, () => client.webApps.restart(group, name, { synchronous: true }));
    return { message: `App ${name} restarted.` };
  },
  async verify(input) {
    const { client, group, name } = webApp(input);
    const state = await siteState(input, client, group, name);
    return { ok: state.toLowerCase() === 'running', message: `App ${name} is ${state}.` };
  },
};

export const azureHandlers: Readonly<Record<string, KindHandler>> = {
  'azure.vm.restart': vmHandler('restart'),
  'azure.vm.start': vmHandler('start'),
  'azure.vm.deallocate': vmHandler('deallocate'),
  'azure.appservice.restart': appServiceRestart,
};

