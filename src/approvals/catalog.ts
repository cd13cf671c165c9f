import { z } from 'zod';
import type { Role } from '../request.ts';
import type { Risk } from './types.ts';

/**
 * The actions the bot can ever run. The agent and runbooks may only propose kinds listed here, with
 * parameters that pass the kind's schema; anything else is refused before a card is shown. How each
 * kind is dry-run, executed, verified and undone lives in `executors/` (one handler per kind).
 */
export interface ActionKind<P extends z.ZodType = z.ZodType> {
  kind: string;
  title: string;
  /** Resource types (normalised, as in the graph) this action can target. */
  targets: readonly string[];
  params: P;
  risk: Risk;
  /** The least role that may approve it. */
  approverRole: Role;
  /** The executor records the prior state and offers an undo (a new request through the same approval). */
  reversible: boolean;
  /** Plain-language statement of exactly what will run. */
  describe(params: z.infer<P>, targetName: string): string;
}

function defineAction<P extends z.ZodType>(action: ActionKind<P>): ActionKind {
  return action as unknown as ActionKind;
}

const noParams = z.object({}).strict();

/** Who approves what: operators the low-risk kinds, admins the rest. */
const approver = { low: 'operator', medium: 'admin', high: 'admin' } as const satisfies Record<Risk, Role>;

export const actionCatalog: readonly ActionKind[] = [
  // AWS
  defineAction({
    kind: 'aws.ec2.reboot', title: 'Reboot EC2 instance', targets: ['aws.ec2.instance'], params: noParams,
    risk: 'medium', approverRole: approver.medium, reversible: false, describe: (_p, name) => `Reboot EC2 instance ${name}`,
  }),
  defineAction({
    kind: 'aws.ec2.start', title: 'Start EC2 instance', targets: ['aws.ec2.instance'], params: noParams,
    risk: 'low', approverRole: approver.low, reversible: true, describe: (_p, name) => `Start EC2 instance ${name}`,
  }),
  defineAction({
    kind: 'aws.ec2.stop', title: 'Stop EC2 instance', targets: ['aws.ec2.instance'], params: noParams,
    risk: 'high', approverRole: approver.high, reversible: true, describe: (_p, name) => `Stop EC2 instance ${name}`,
  }),
  defineAction({
    kind: 'aws.autoscaling.set-capacity', title: 'Set Auto Scaling group desired capacity', targets: ['aws.autoscaling.group'],
    params: z.object({ desiredCapacity: z.number().int().min(0).max(1000) }).strict(),
    risk: 'medium', approverRole: approver.medium, reversible: true,
    describe: (p, name) => `Set desired capacity of Auto Scaling group ${name} to ${p.desiredCapacity}`,
  }),
  defineAction({
    kind: 'aws.ecs.scale', title: 'Scale ECS service', targets: ['aws.ecs.service'],
    params: z.object({ desiredCount: z.number().int().min(0).max(500) }).strict(),
    risk: 'low', approverRole: approver.low, reversible: true, describe: (p, name) => `Set desired count of ECS service ${name} to ${p.desiredCount}`,
  }),
  defineAction({
    kind: 'aws.ecs.redeploy', title: 'Force new ECS deployment', targets: ['aws.ecs.service'], params: noParams,
    risk: 'medium', approverRole: approver.medium, reversible: false, describe: (_p, name) => `Force a new deployment of ECS service ${name}`,
  }),
  defineAction({
    kind: 'aws.lambda.concurrency', title: 'Set Lambda reserved concurrency', targets: ['aws.lambda.function'],
    // null removes the reservation (the function then draws on the account's unreserved pool): what an undo needs.
    params: z.object({ reservedConcurrency: z.number().int().min(0).max(10000).nullable() }).strict(),
    risk: 'medium', approverRole: approver.medium, reversible: true,
    describe: (p, name) => p.reservedConcurrency === null
      ? `Remove the reserved concurrency of Lambda ${name}`
      : `Set reserved concurrency of Lambda ${name} to ${p.reservedConcurrency}`,
  }),
  // Azure
  defineAction({
    kind: 'azure.vm.restart', title: 'Restart Azure VM', targets: ['azure.compute.vm'], params: noParams,
    risk: 'medium', approverRole: approver.medium, reversible: false, describe: (_p, name) => `Restart Azure VM ${name}`,
  }),
  defineAction({
    kind: 'azure.vm.start', title: 'Start Azure VM', targets: ['azure.compute.vm'], params: noParams,
    risk: 'low', approverRole: approver.low, reversible: true, describe: (_p, name) => `Start Azure VM ${name}`,
  }),
  defineAction({
    kind: 'azure.vm.deallocate', title: 'Deallocate Azure VM', targets: ['azure.compute.vm'], params: noParams,
    risk: 'high', approverRole: approver.high, reversible: true, describe: (_p, name) => `Stop and deallocate Azure VM ${name}`,
  }),
  defineAction({
    kind: 'azure.appservice.restart', title: 'Restart App Service', targets: ['azure.web.site'], params: noParams,
    risk: 'low', approverRole: approver.low, reversible: false, describe: (_p, name) => `Restart App Service ${name}`,
  }),
  // GCP
  defineAction({
    kind: 'gcp.compute.reset', title: 'Reset Compute Engine instance', targets: ['gcp.compute.instance'], params: noParams,
    risk: 'medium', approverRole: approver.medium, reversible: false, describe: (_p, name) => `Reset Compute Engine instance ${name}`,
  }),
  defineAction({
    kind: 'gcp.compute.start', title: 'Start Compute Engine instance', targets: ['gcp.compute.instance'], params: noParams,
    risk: 'low', approverRole: approver.low, reversible: true, describe: (_p, name) => `Start Compute Engine instance ${name}`,
  }),
  defineAction({
    kind: 'gcp.compute.stop', title: 'Stop Compute Engine instance', targets: ['gcp.compute.instance'], params: noParams,
    risk: 'high', approverRole: approver.high, reversible: true, describe: (_p, name) => `Stop Compute Engine instance ${name}`,
  }),
  defineAction({
    kind: 'gcp.mig.resize', title: 'Resize managed instance group', targets: ['gcp.compute.instanceGroupManager'],
    params: z.object({ size: z.number().int().min(0).max(1000) }).strict(),
    risk: 'low', approverRole: approver.low, reversible: true, describe: (p, name) => `Resize managed instance group ${name} to ${p.size}`,
  }),
];

const byKind = new Map(actionCatalog.map((action) => [action.kind, action]));

export function findActionKind(kind: string): ActionKind | undefined {
  return byKind.get(kind);
}

/** The plain-language statement of an action, or its kind when the kind is unknown. */
export function describeAction(kind: string, params: Record<string, unknown>, targetName: string): string {
  const action = findActionKind(kind);
  const parsed = action?.params.safeParse(params);
  return action && parsed?.success ? action.describe(parsed.data, targetName) : `${kind} on ${targetName}`;
}
