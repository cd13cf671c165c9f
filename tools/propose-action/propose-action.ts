import { z } from 'zod';
import type { ProposeResult } from '../../src/approvals/service.ts';
import { resolveResource } from '../resource-graph/resolve.ts';
import type { ToolFactory } from '../tool.ts';

const schema = z.object({
  kind: z.string().min(1).max(100).describe('Action kind from the catalog, e.g. aws.ecs.scale'),
  resource: z.string().min(1).max(300).describe('Target resource name or id'),
  params: z.record(z.string(), z.unknown()).default({}).describe('Parameters of the action kind, e.g. {"desiredCount": 6}'),
  reason: z.string().min(1).max(500).describe('Why this helps, citing the evidence'),
});

/**
 * Proposes an action: creates a pending approval request that a person must approve. It never runs
 * anything itself.
 */
export const proposeActionTool: ToolFactory<typeof schema, ProposeResult> = (context, deps) => ({
  name: 'propose_action',
  description: 'Ask a human to approve a remediation. Creates an Approve/Deny request; nothing runs until an authorised person approves.',
  schema,
  async run(input) {
    const target = await resolveResource(deps.graph, context, input.resource);
    if (!target) return { ok: false, reason: 'out_of_scope', message: `No resource "${input.resource}" in this channel's accounts.` };
    return deps.approvals.propose(context, { kind: input.kind, params: input.params, target, reason: input.reason });
  },
  toText: (result) => result.ok && result.existing
    ? `Not proposed again: the same action is already pending as approval request ${result.approval.id} (asked at ${result.approval.createdAt} in ${result.approval.conversation.platform} channel ${result.approval.conversation.channelId}${result.approval.conversation.threadId ? `, thread ${result.approval.conversation.threadId}` : ''}; expires ${result.approval.expiresAt}).`
    : result.ok
    ? `Approval request ${result.approval.id} created (${result.approval.risk} risk, needs ${result.approval.requiredRole}). It runs only if approved.`
    : `Not proposed: ${result.message}`,
});
