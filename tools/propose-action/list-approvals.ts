import { z } from 'zod';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const schema = z.object({});

export const listApprovalsTool: ToolFactory<typeof schema, ApprovalRequest[]> = (context, deps) => ({
  name: 'list_pending_approvals',
  description: 'Approval requests made in this channel that still wait for a decision.',
  schema,
  run: () => deps.approvals.listPending(context),
  toText: (approvals) => withinBudget(approvals.length === 0
    ? 'No pending approval requests.'
    : approvals.map((a) => `${a.id}: ${a.action.kind} on ${a.action.targetName} (${a.risk} risk), requested by ${a.requestedBy}`).join('\n')),
});
