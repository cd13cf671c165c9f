import { InstanceGroupManagersClient, InstancesClient, ZoneOperationsClient, type protos } from '@google-cloud/compute';
import { cloudTimeouts, withinTime } from '../../outbound.ts';
import { parseGcpName } from '../../metrics/ids.ts';
import type { HandlerInput, KindHandler } from './handler.ts';
import { hintFor, ProviderRefusal } from './refusal.ts';

/**
 * GCP actions through `@google-cloud/compute` over its REST transport (`fallback: true`: JSON over
 * HTTPS instead of gRPC). Each mutation carries the approval id as `requestId`, so Compute Engine
 * itself ignores a repeat of the same request. Operations are waited on to the end and their
 * errors reported. The dry run asks Compute Engine which of the needed permissions the bot holds
 * (`testIamPermissions`) where the resource supports it, and reads the target's state.
 */

type Operation = protos.google.cloud.compute.v1.IOperation;

interface ZonalTarget {
  project: string;
  zone: string;
  name: string;
}

function zonalTarget(input: HandlerInput, collection: 'instances' | 'instanceGroupManagers'): ZonalTarget {
  const parsed = parseGcpName(input.target.resourceId);
  const zone = parsed?.parts['zones'];
  const name = parsed?.parts[collection];
  if (!parsed || parsed.service !== 'compute.googleapis.com' || !zone || !name) {
    throw new ProviderRefusal('GCP', 'InvalidTarget', `${input.target.resourceId} is not a zonal Compute Engine ${collection === 'instances' ? 'instance' : 'managed instance group'}`, 'Re-ingest the estate with the full resource name.', { own: true });
  }
  if (parsed.project !== input.target.account.accountId) {
    throw new ProviderRefusal('GCP', 'ProjectMismatch', `${input.target.name} is in project ${parsed.project}, not ${input.target.account.accountId}`, undefined, { own: true });
  }
  return { project: parsed.project, zone, name };
}

function clientOptions(input: HandlerInput, project: string) {
  const authClient = input.options.credentials.gcp(input.target.orgId, input.target.account);
  // `authClient` is a google-auth-library client; the interface here names only what we rely on.
  return { fallback: true as const, projectId: project, ...(authClient ? { authClient: authClient as never } : {}) };
}

interface GcpErrorBody {
  error?: { code?: number; message?: string; status?: string; errors?: { reason?: string; message?: string }[] };
}

/** The REST transport reports Google's JSON error body; pull out status, reason and message. */
function gcpRefusal(error: unknown, input: HandlerInput, permission: string): ProviderRefusal {
  if (error instanceof ProviderRefusal) return error;
  const e = error as { status?: unknown; code?: unknown; message?: string; response?: { status?: number; data?: unknown } };
  let body = e.response?.data as GcpErrorBody | undefined;
  if (!body?.error && typeof e.message === 'string' && e.message.trim().startsWith('{')) {
    try { body = JSON.parse(e.message) as GcpErrorBody; } catch { /* not JSON: keep the message */ }
  }
  const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : typeof body?.error?.code === 'number' ? body.error.code : undefined);
  const reason = body?.error?.errors?.[0]?.reason ?? body?.error?.status ?? (error instanceof Error ? error.name : 'Error');
  const message = body?.error?.message ?? e.message ?? String(error);
  const credentials = /default credentials|invalid_grant|unauthorized_client/i.test(message) || status === 401;
  const hint = status === 403 ? hintFor('permission', permission)
    : credentials ? hintFor('credentials', `GCP project ${input.target.account.accountId}`)
      : status === 429 ? hintFor('throttled', '')
        : status === 404 ? hintFor('not_found', input.target.name)
          : undefined;
  return new ProviderRefusal('GCP', reason, message, hint, { cause: error });
}

async function call<T>(input: HandlerInput, permission: string, send: () => Promise<T>): Promise<T> {
  try {
    // google-gax clients have no per-client timeout: each call is bounded here.
    return await withinTime(cloudTimeouts.gcpCallMs, `GCP ${permission}`, send);
  } catch (error) {
    throw gcpRefusal(error, input, permission);
  }
}

/** Waits for a zonal operation to finish; an operation that ends with errors is a refusal. */
async function finish(input: HandlerInput, target: ZonalTarget, permission: string, started: unknown): Promise<Operation> {
  let operation = (started as { latestResponse?: Operation }).latestResponse ?? (started as Operation);
  const operations = new ZoneOperationsClient(clientOptions(input, target.project));
  try {
    for (let waits = 0; operation.status !== 'DONE'; waits += 1) {
      if (waits >= (input.options.gcpMaxWaits ?? 10) || !operation.name) {
        throw new ProviderRefusal('GCP', 'OperationTimeout', `Operation ${operation.name ?? '(unnamed)'} is still ${operation.status ?? 'running'}`, 'It may still finish; the verification follow-up will show the outcome.');
      }
      const name = operation.name;
      [operation] = await call(input, 'compute.zoneOperations.get', () => operations.wait({ project: target.project, zone: target.zone, operation: name }));
    }
  } finally {
    await operations.close();
  }
  const failure = operation.error?.errors?.[0];
  if (failure) throw new ProviderRefusal('GCP', failure.code ?? 'OperationFailed', failure.message ?? 'The operation failed', failure.code === 'PERMISSION_DENIED' ? hintFor('permission', permission) : undefined);
  return operation;
}

/** Asks Compute Engine whether the bot holds `permission` on the instance; refuses before anyone approves if not. */
async function requirePermission(input: HandlerInput, client: InstancesClient, target: ZonalTarget, permission: string): Promise<void> {
  const [granted] = await call(input, permission, () => client.testIamPermissions({
    project: target.project, zone: target.zone, resource: target.name, testPermissionsRequestResource: { permissions: [permission] },
  }));
  if (!(granted.permissions ?? []).includes(permission)) {
    throw new ProviderRefusal('GCP', 'PERMISSION_DENIED', `The bot's identity lacks ${permission} on ${target.name}`, hintFor('permission', permission));
  }
}

// Instances ------------------------------------------------------------------------------------

async function instanceStatus(input: HandlerInput, client: InstancesClient, target: ZonalTarget): Promise<string> {
  const [instance] = await call(input, 'compute.instances.get', () => client.get({ project: target.project, zone: target.zone, instance: target.name }));
  return instance.status ?? 'UNKNOWN';
}

function instanceHandler(operation: 'reset' | 'start' | 'stop'): KindHandler {
  const permission = `compute.instances.${operation}`;
  const needs = operation === 'start' ? 'TERMINATED' : 'RUNNING';
  const goal = operation === 'stop' ? 'TERMINATED' : 'RUNNING';
  return {
    permission,
    async dryRun(input) {
      const target = zonalTarget(input, 'instances');
      const client = new InstancesClient(clientOptions(input, target.project));
      try {
        const status = await instanceStatus(input, client, target);
        if (status !== needs) throw new ProviderRefusal('GCP', 'RESOURCE_NOT_READY', `Instance ${target.name} is ${status}; ${operation} needs it ${needs}`, undefined, { own: true });
        await requirePermission(input, client, target, permission);
        return `Instance ${target.name} in ${target.zone} is ${status}, and the bot holds ${permission}.`;
      } finally {
        await client.close();
      }
    },
    async execute(input) {
      const target = zonalTarget(input, 'instances');
      const client = new InstancesClient(clientOptions(input, target.project));
      try {
        const prior = operation === 'reset' ? undefined : await instanceStatus(input, client, target);
        const request = { project: target.project, zone: target.zone, instance: target.name, ...(input.requestId ? { requestId: input.requestId } : {}) };
        const [started] = await call(input, permission, () => (operation === 'reset' ? client.reset(request) : operation === 'start' ? client.start(request) : client.stop(request)));
        await finish(input, target, permission, started);
        const past = { reset: 'reset', start: 'started', stop: 'stopped' }[operation];
        if (prior === undefined) return { message: `Instance ${target.name} ${past}; the operation finished without errors.` };
        const inverse = prior === needs ? (operation === 'start' ? 'gcp.compute.stop' : 'gcp.compute.start') : undefined;
        return {
          message: `Instance ${target.name} ${past} (it was ${prior}); the operation finished without errors.`,
          priorState: { status: prior },
          ...(inverse ? { rollback: { kind: inverse, params: {}, description: `${operation === 'start' ? 'Stop' : 'Start'} Compute Engine instance ${input.target.name} again (it was ${prior})` } } : {}),
        };
      } finally {
        await client.close();
      }
    },
    async verify(input) {
      const target = zonalTarget(input, 'instances');
      const client = new InstancesClient(clientOptions(input, target.project));
      try {
        const status = await instanceStatus(input, client, target);
        return { ok: status === goal, message: `Instance ${target.name} is ${status}.` };
      } finally {
        await client.close();
      }
    },
  };
}

// Managed instance groups ----------------------------------------------------------------------

async function groupOf(input: HandlerInput, client: InstanceGroupManagersClient, target: ZonalTarget): Promise<protos.google.cloud.compute.v1.IInstanceGroupManager> {
  const [group] = await call(input, 'compute.instanceGroupManagers.get', () => client.get({ project: target.project, zone: target.zone, instanceGroupManager: target.name }));
  return group;
}

const migResize: KindHandler = {
  permission: 'compute.instanceGroupManagers.update',
  async dryRun(input) {
    const target = zonalTarget(input, 'instanceGroupManagers');
    const client = new InstanceGroupManagersClient(clientOptions(input, target.project));
    try {
      const group = await groupOf(input, client, target);
      return `Group ${target.name} in ${target.zone} targets ${group.targetSize ?? 0} instances; it would be resized to ${String(input.params['size'])}.`;
    } finally {
      await client.close();
    }
  },
  async execute(input) {
    const target = zonalTarget(input, 'instanceGroupManagers');
    const client = new InstanceGroupManagersClient(clientOptions(input, target.project));
    try {
      const size = input.params['size'] as number;
      const prior = (await groupOf(input, client, target)).targetSize ?? 0;
      const [started] = await call(input, this.permission, () => client.resize({
        project: target.project, zone: target.zone, instanceGroupManager: target.name, size, ...(input.requestId ? { requestId: input.requestId } : {}),
      }));
      await finish(input, target, this.permission, started);
      return {
        message: `Group ${target.name} resized from ${prior} to ${size} instances.`,
        priorState: { targetSize: prior },
        ...(prior !== size ? { rollback: { kind: 'gcp.mig.resize', params: { size: prior }, description: `Resize managed instance group ${input.target.name} back to ${prior}` } } : {}),
      };
    } finally {
      await client.close();
    }
  },
  async verify(input) {
    const target = zonalTarget(input, 'instanceGroupManagers');
    const client = new InstanceGroupManagersClient(clientOptions(input, target.project));
    try {
      const group = await groupOf(input, client, target);
      const size = input.params['size'] as number;
      const stable = group.status?.isStable === true;
      return { ok: group.targetSize === size && stable, message: `Group ${target.name} targets ${group.targetSize ?? 0} instances (asked for ${size}) and is ${stable ? 'stable' : 'still changing'}.` };
    } finally {
      await client.close();
    }
  },
};

export const gcpHandlers: Readonly<Record<string, KindHandler>> = {
  'gcp.compute.reset': instanceHandler('reset'),
  'gcp.compute.start': instanceHandler('start'),
  'gcp.compute.stop': instanceHandler('stop'),
  'gcp.mig.resize': migResize,
};
