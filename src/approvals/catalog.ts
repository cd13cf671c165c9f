import { z } from 'zod';
import type { Role } from '../request.ts';
import type { Risk } from './types.ts';

/**
 * The actions the bot can ever run. The agent and runbooks may only propose kinds listed here, with
 * parameters that pass the kind's schema; anything else is refused before a card is shown.
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
  /** Plain-language statement of exactly what will run. */
  describe(params: z.infer<P>, targetName: string): string;
}

function defineAction<P extends z.ZodType>(action: ActionKind<P>): ActionKind {
  return action as unknown as ActionKind;
}

const noParams = z.object({}).strict();

export const actionCatalog: readonly ActionKind[] = [
  defineAction({
    kind: 'aws.ec2.reboot', title: 'Reboot EC2 instance', targets: ['aws.ec2.instance'], params: noParams,
    risk: 'medium', approverRole: 'admin', describe: (_p, name) => `Reboot EC2 instance ${name}`,
  }),
  defineAction({
    kind: 'aws.ecs.scale', title: 'Scale ECS service', targets: ['aws.ecs.service'],
    params: z.object({ desiredCount: z.number().int().min(0).max(500) }).strict(),
    risk: 'low', approverRole: 'operator', describe: (p, name) => `Set desired count of ECS service ${name} to ${p.desiredCount}`,
  }),
  defineAction({
    kind: 'aws.ecs.redeploy', title: 'Force new ECS deployment', targets: ['aws.ecs.service'], params: noParams,
    risk: 'medium', approverRole: 'admin', describe: (_p, name) => `Force a new deployment of ECS service ${name}`,
  }),
  defineAction({
    kind: 'aws.lambda.concurrency', title: 'Set Lambda reserved concurrency', targets: ['aws.lambda.function'],
    params: z.object({ reservedConcurrency: z.number().int().min(0).max(10000) }).strict(),
    risk: 'medium', approverRole: 'admin', describe: (p, name) => `Set reserved concurrency of Lambda ${name} to ${p.reservedConcurrency}`,
  }),
  defineAction({
    kind: 'azure.vm.restart', title: 'Restart Azure VM', targets: ['azure.compute.vm'], params: noParams,
    risk: 'medium', approverRole: 'admin', describe: (_p, name) => `Restart Azure VM ${name}`,
  }),
  defineAction({
    kind: 'azure.appservice.restart', title: 'Restart App Service', targets: ['azure.web.site'], params: noParams,
    risk: 'low', approverRole: 'operator', describe: (_p, name) => `Restart App Service ${name}`,
  }),
  defineAction({
    kind: 'gcp.compute.reset', title: 'Reset Compute Engine instance', targets: ['gcp.compute.instance'], params: noParams,
    risk: 'medium', approverRole: 'admin', describe: (_p, name) => `Reset Compute Engine instance ${name}`,
  }),
  defineAction({
    kind: 'gcp.mig.resize', title: 'Resize managed instance group', targets: ['gcp.compute.instanceGroupManager'],
    params: z.object({ size: z.number().int().min(0).max(1000) }).strict(),
    risk: 'low', approverRole: 'operator', describe: (p, name) => `Resize managed instance group ${name} to ${p.size}`,
  }),
];

const byKind = new Map(actionCatalog.map((action) => [action.kind, action]));

export function findActionKind(kind: string): ActionKind | undefined {
  return byKind.get(kind);
}
