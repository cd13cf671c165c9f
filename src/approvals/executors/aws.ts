import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { awsRequestHandler } from '../../outbound.ts';
import { DescribeInstancesCommand, EC2Client, RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand, type Service } from '@aws-sdk/client-ecs';
import { DeleteFunctionConcurrencyCommand, GetFunctionConcurrencyCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { parseArn, type Arn } from '../../metrics/ids.ts';
import type { Check } from '../executor.ts';
import type { HandlerInput, KindHandler } from './handler.ts';
import { errorShape, hintFor, ProviderRefusal } from './refusal.ts';

/**
 * AWS actions through the AWS SDK v3 clients, with the account's credentials (its role assumed with
 * the tenant's external id). EC2 calls are dry-run with `DryRun: true` (an allowed call answers
 * `DryRunOperation`); ECS, Auto Scaling and Lambda have no dry-run flag, so their dry run reads the
 * target (which needs the matching Describe/Get permission and proves the target exists).
 */

const maxAttempts = 3;

interface AwsTarget {
  arn: Arn;
  region: string;
}

function awsTarget(input: HandlerInput, service: string): AwsTarget {
  const arn = parseArn(input.target.resourceId);
  if (!arn || arn.service !== service || !arn.region) {
    throw new ProviderRefusal('AWS', 'InvalidTarget', `${input.target.resourceId} is not an ${service} ARN with a region`, 'Re-ingest the estate with the resource\'s full ARN.', { own: true });
  }
  // The bot acts only in the account whose credentials it holds for this request.
  if (arn.accountId !== input.target.account.accountId) {
    throw new ProviderRefusal('AWS', 'AccountMismatch', `${input.target.name} is in account ${arn.accountId}, not ${input.target.account.accountId}`, undefined, { own: true });
  }
  return { arn, region: arn.region };
}

function clientConfig(input: HandlerInput, region: string) {
  const credentials = input.options.credentials.aws(input.target.orgId, input.target.account, region);
  return { region, maxAttempts, requestHandler: awsRequestHandler(), ...(credentials ? { credentials } : {}) };
}

const permissionCodes = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'UnauthorizedException', 'AuthorizationError']);
const credentialCodes = new Set(['CredentialsProviderError', 'InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure', 'ExpiredToken', 'ExpiredTokenException', 'SignatureDoesNotMatch']);
const throttleCodes = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const notFoundCodes = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed', 'ServiceNotFoundException', 'ClusterNotFoundException', 'ResourceNotFoundException']);

/** Runs one SDK call; whatever AWS refuses becomes a ProviderRefusal with its code, message and a hint. */
async function call<T>(input: HandlerInput, permission: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw awsRefusal(error, input, permission);
  }
}

function awsRefusal(error: unknown, input: HandlerInput, permission: string): ProviderRefusal {
  if (error instanceof ProviderRefusal) return error;
  const { name, message } = errorShape(error);
  const hint = permissionCodes.has(name) ? hintFor('permission', permission)
    : credentialCodes.has(name) ? hintFor('credentials', `AWS account ${input.target.account.accountId}`)
      : throttleCodes.has(name) ? hintFor('throttled', '')
        : notFoundCodes.has(name) ? hintFor('not_found', input.target.name)
          : undefined;
  return new ProviderRefusal('AWS', name, message, hint, { cause: error });
}

/** EC2's dry run: `DryRunOperation` means the call would have been allowed. */
async function ec2DryRun(input: HandlerInput, permission: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (errorShape(error).name === 'DryRunOperation') return;
    throw awsRefusal(error, input, permission);
  }
}

// EC2 instances --------------------------------------------------------------------------------

function instanceId(target: AwsTarget): string {
  const match = /^instance\/(i-[0-9a-f]+)$/.exec(target.arn.resource);
  if (!match?.[1]) throw new ProviderRefusal('AWS', 'InvalidTarget', `${target.arn.resource} is not an EC2 instance`, undefined, { own: true });
  return match[1];
}

async function instanceState(input: HandlerInput, client: EC2Client, id: string): Promise<string> {
  const out = await call(input, 'ec2:DescribeInstances', () => client.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
  const state = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id)?.State?.Name;
  if (!state) throw new ProviderRefusal('AWS', 'InvalidInstanceID.NotFound', `Instance ${id} was not found`, hintFor('not_found', input.target.name));
  return state;
}

function ec2(input: HandlerInput): { client: EC2Client; id: string } {
  const target = awsTarget(input, 'ec2');
  return { client: new EC2Client(clientConfig(input, target.region)), id: instanceId(target) };
}

const ec2Reboot: KindHandler = {
  permission: 'ec2:RebootInstances',
  async dryRun(input) {
    const { client, id } = ec2(input);
    const state = await instanceState(input, client, id);
    if (state !== 'running') throw stateRefusal('IncorrectInstanceState', `${id} is ${state}; only a running instance can be rebooted`);
    await ec2DryRun(input, this.permission, () => client.send(new RebootInstancesCommand({ InstanceIds: [id], DryRun: true })));
    return `AWS accepted a dry run of RebootInstances for ${id} (running).`;
  },
  async execute(input) {
    const { client, id } = ec2(input);
    await call(input, this.permission, () => client.send(new RebootInstancesCommand({ InstanceIds: [id] })));
    return { message: `Reboot of ${id} requested; EC2 reboots it within a few minutes.` };
  },
  async verify(input) {
    const { client, id } = ec2(input);
    const state = await instanceState(input, client, id);
    return { ok: state === 'running', message: `${id} is ${state}.` };
  },
};

function ec2PowerHandler(direction: 'start' | 'stop'): KindHandler {
  const permission = direction === 'start' ? 'ec2:StartInstances' : 'ec2:StopInstances';
  const goal = direction === 'start' ? 'running' : 'stopped';
  const from = direction === 'start' ? 'stopped' : 'running';
  const inverse = direction === 'start' ? 'aws.ec2.stop' : 'aws.ec2.start';
  const command = (id: string, dryRun: boolean) => direction === 'start'
    ? new StartInstancesCommand({ InstanceIds: [id], DryRun: dryRun })
    : new StopInstancesCommand({ InstanceIds: [id], DryRun: dryRun });
  return {
    permission,
    async dryRun(input) {
      const { client, id } = ec2(input);
      const state = await instanceState(input, client, id);
      if (state !== from) throw stateRefusal('IncorrectInstanceState', `${id} is ${state}; only a ${from} instance can be ${direction === 'start' ? 'started' : 'stopped'}`);
      await ec2DryRun(input, permission, () => client.send(command(id, true)));
      return `AWS accepted a dry run of ${direction === 'start' ? 'StartInstances' : 'StopInstances'} for ${id} (now ${state}).`;
    },
    async execute(input) {
      const { client, id } = ec2(input);
      // Sent as one call: EC2 answers with the state it found, which is the prior state to restore.
      const out = await call(input, permission, () => client.send(command(id, false)));
      const change = (direction === 'start' ? (out as { StartingInstances?: StateChange[] }).StartingInstances : (out as { StoppingInstances?: StateChange[] }).StoppingInstances)?.find((c) => c.InstanceId === id);
      const previous = change?.PreviousState?.Name ?? 'unknown';
      const current = change?.CurrentState?.Name ?? 'unknown';
      return {
        message: `${id} was ${previous}, now ${current}.`,
        priorState: { instanceState: previous },
        ...(previous === from ? { rollback: { kind: inverse, params: {}, description: `${direction === 'start' ? 'Stop' : 'Start'} EC2 instance ${input.target.name} again (it was ${previous})` } } : {}),
      };
    },
    async verify(input) {
      const { client, id } = ec2(input);
      const state = await instanceState(input, client, id);
      return { ok: state === goal, message: `${id} is ${state}.` };
    },
  };
}

interface StateChange {
  InstanceId?: string;
  PreviousState?: { Name?: string };
  CurrentState?: { Name?: string };
}

// ECS services ---------------------------------------------------------------------------------

function ecsService(input: HandlerInput): { client: ECSClient; cluster: string; service: string } {
  const target = awsTarget(input, 'ecs');
  const match = /^service\/([^/]+)\/([^/]+)$/.exec(target.arn.resource);
  if (!match?.[1] || !match[2]) throw new ProviderRefusal('AWS', 'InvalidTarget', `${target.arn.resource} is not an ECS service in a cluster`, undefined, { own: true });
  return { client: new ECSClient(clientConfig(input, target.region)), cluster: match[1], service: match[2] };
}

async function describeService(input: HandlerInput, client: ECSClient, cluster: string, service: string): Promise<Service> {
  const out = await call(input, 'ecs:DescribeServices', () => client.send(new DescribeServicesCommand({ cluster, services: [service] })));
  const found = out.services?.find((s) => s.serviceName === service);
  if (!found || found.status !== 'ACTIVE') {
    const reason = out.failures?.[0]?.reason ?? found?.status ?? 'MISSING';
    throw new ProviderRefusal('AWS', 'ServiceNotActiveException', `Service ${service} in cluster ${cluster} is ${reason}`, hintFor('not_found', input.target.name));
  }
  return found;
}

const ecsScale: KindHandler = {
  permission: 'ecs:UpdateService',
  async dryRun(input) {
    const { client, cluster, service } = ecsService(input);
    const current = await describeService(input, client, cluster, service);
    return `${service} runs ${current.runningCount ?? 0} of ${current.desiredCount ?? 0} desired tasks; it would be set to ${String(input.params['desiredCount'])}.`;
  },
  async execute(input) {
    const { client, cluster, service } = ecsService(input);
    const desiredCount = input.params['desiredCount'] as number;
    const before = await describeService(input, client, cluster, service);
    const out = await call(input, this.permission, () => client.send(new UpdateServiceCommand({ cluster, service, desiredCount })));
    const prior = before.desiredCount ?? 0;
    return {
      message: `Desired count of ${service} set from ${prior} to ${out.service?.desiredCount ?? desiredCount}.`,
      priorState: { desiredCount: prior },
      ...(prior !== desiredCount ? { rollback: { kind: 'aws.ecs.scale', params: { desiredCount: prior }, description: `Set desired count of ECS service ${input.target.name} back to ${prior}` } } : {}),
    };
  },
  async verify(input) {
    const { client, cluster, service } = ecsService(input);
    const current = await describeService(input, client, cluster, service);
    const wanted = input.params['desiredCount'] as number;
    const ok = current.desiredCount === wanted && current.runningCount === wanted;
    return { ok, message: `${service}: ${current.runningCount ?? 0} running of ${current.desiredCount ?? 0} desired (asked for ${wanted}).` };
  },
};

const ecsRedeploy: KindHandler = {
  permission: 'ecs:UpdateService',
  async dryRun(input) {
    const { client, cluster, service } = ecsService(input);
    const current = await describeService(input, client, cluster, service);
    return `${service} runs ${current.runningCount ?? 0} of ${current.desiredCount ?? 0} tasks; a new deployment would replace them with the same task definition.`;
  },
  async execute(input) {
    const { client, cluster, service } = ecsService(input);
    const out = await call(input, this.permission, () => client.send(new UpdateServiceCommand({ cluster, service, forceNewDeployment: true })));
    const primary = out.service?.deployments?.find((d) => d.status === 'PRIMARY');
    return { message: `New deployment of ${service} started${primary?.id ? ` (${primary.id})` : ''}.` };
  },
  async verify(input) {
    const { client, cluster, service } = ecsService(input);
    const current = await describeService(input, client, cluster, service);
    const primary = current.deployments?.find((d) => d.status === 'PRIMARY');
    const rollout = primary?.rolloutState ?? 'unknown';
    return { ok: rollout === 'COMPLETED', message: `${service}: deployment ${rollout.toLowerCase().replace('_', ' ')}, ${current.runningCount ?? 0} of ${current.desiredCount ?? 0} tasks running.` };
  },
};

// Auto Scaling groups --------------------------------------------------------------------------

function autoScaling(input: HandlerInput): { client: AutoScalingClient; group: string } {
  const target = awsTarget(input, 'autoscaling');
  const match = /autoScalingGroupName\/(.+)$/.exec(target.arn.resource);
  if (!match?.[1]) throw new ProviderRefusal('AWS', 'InvalidTarget', `${target.arn.resource} is not an Auto Scaling group`, undefined, { own: true });
  return { client: new AutoScalingClient(clientConfig(input, target.region)), group: match[1] };
}

async function describeGroup(input: HandlerInput, client: AutoScalingClient, group: string): Promise<AutoScalingGroup> {
  const out = await call(input, 'autoscaling:DescribeAutoScalingGroups', () => client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] })));
  const found = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === group);
  if (!found) throw new ProviderRefusal('AWS', 'ResourceNotFound', `Auto Scaling group ${group} was not found`, hintFor('not_found', input.target.name));
  return found;
}

const setCapacity: KindHandler = {
  permission: 'autoscaling:SetDesiredCapacity',
  async dryRun(input) {
    const { client, group } = autoScaling(input);
    const current = await describeGroup(input, client, group);
    const wanted = input.params['desiredCapacity'] as number;
    // The same bound SetDesiredCapacity enforces, checked before anyone approves.
    if (wanted < (current.MinSize ?? 0) || wanted > (current.MaxSize ?? Number.MAX_SAFE_INTEGER)) {
      throw stateRefusal('ValidationError', `${wanted} is outside the group's size limits (min ${current.MinSize}, max ${current.MaxSize}); change the limits first`);
    }
    return `${group} has desired capacity ${current.DesiredCapacity} (min ${current.MinSize}, max ${current.MaxSize}); it would be set to ${wanted}.`;
  },
  async execute(input) {
    const { client, group } = autoScaling(input);
    const wanted = input.params['desiredCapacity'] as number;
    const before = await describeGroup(input, client, group);
    await call(input, this.permission, () => client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: group, DesiredCapacity: wanted, HonorCooldown: false })));
    const prior = before.DesiredCapacity ?? 0;
    return {
      message: `Desired capacity of ${group} set from ${prior} to ${wanted}.`,
      priorState: { desiredCapacity: prior },
      ...(prior !== wanted ? { rollback: { kind: 'aws.autoscaling.set-capacity', params: { desiredCapacity: prior }, description: `Set desired capacity of Auto Scaling group ${input.target.name} back to ${prior}` } } : {}),
    };
  },
  async verify(input) {
    const { client, group } = autoScaling(input);
    const current = await describeGroup(input, client, group);
    const wanted = input.params['desiredCapacity'] as number;
    const inService = (current.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length;
    return { ok: current.DesiredCapacity === wanted && inService === wanted, message: `${group}: ${inService} instances in service of ${current.DesiredCapacity} desired (asked for ${wanted}).` };
  },
};

// Lambda functions -----------------------------------------------------------------------------

function lambda(input: HandlerInput): { client: LambdaClient; name: string } {
  const target = awsTarget(input, 'lambda');
  const match = /^function:([^:]+)$/.exec(target.arn.resource);
  if (!match?.[1]) throw new ProviderRefusal('AWS', 'InvalidTarget', `${target.arn.resource} is not an unqualified Lambda function`, undefined, { own: true });
  return { client: new LambdaClient(clientConfig(input, target.region)), name: match[1] };
}

async function reservedConcurrency(input: HandlerInput, client: LambdaClient, name: string): Promise<number | null> {
  const out = await call(input, 'lambda:GetFunctionConcurrency', () => client.send(new GetFunctionConcurrencyCommand({ FunctionName: name })));
  return out.ReservedConcurrentExecutions ?? null;
}

const describeReserved = (value: number | null): string => (value === null ? 'no reserved concurrency' : `reserved concurrency ${value}`);

const lambdaConcurrency: KindHandler = {
  permission: 'lambda:PutFunctionConcurrency',
  async dryRun(input) {
    const { client, name } = lambda(input);
    const current = await reservedConcurrency(input, client, name);
    return `${name} has ${describeReserved(current)}; it would get ${describeReserved(input.params['reservedConcurrency'] as number | null)}.`;
  },
  async execute(input) {
    const { client, name } = lambda(input);
    const wanted = input.params['reservedConcurrency'] as number | null;
    const prior = await reservedConcurrency(input, client, name);
    if (wanted === null) {
      await call(input, 'lambda:DeleteFunctionConcurrency', () => client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name })));
    } else {
      await call(input, this.permission, () => client.send(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: wanted })));
    }
    return {
      message: `${name} had ${describeReserved(prior)}, now ${describeReserved(wanted)}.`,
      priorState: { reservedConcurrency: prior },
      ...(prior !== wanted ? { rollback: { kind: 'aws.lambda.concurrency', params: { reservedConcurrency: prior }, description: prior === null ? `Remove the reserved concurrency of Lambda ${input.target.name} again` : `Set reserved concurrency of Lambda ${input.target.name} back to ${prior}` } } : {}),
    };
  },
  async verify(input): Promise<Check> {
    const { client, name } = lambda(input);
    const current = await reservedConcurrency(input, client, name);
    const wanted = input.params['reservedConcurrency'] as number | null;
    return { ok: current === wanted, message: `${name} has ${describeReserved(current)}.` };
  },
};

function stateRefusal(code: string, message: string): ProviderRefusal {
  return new ProviderRefusal('AWS', code, message, undefined, { own: true });
}

export const awsHandlers: Readonly<Record<string, KindHandler>> = {
  'aws.ec2.reboot': ec2Reboot,
  'aws.ec2.start': ec2PowerHandler('start'),
  'aws.ec2.stop': ec2PowerHandler('stop'),
  'aws.ecs.scale': ecsScale,
  'aws.ecs.redeploy': ecsRedeploy,
  'aws.autoscaling.set-capacity': setCapacity,
  'aws.lambda.concurrency': lambdaConcurrency,
};
