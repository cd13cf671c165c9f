import type { StructuredTool } from '@langchain/core/tools';
import type { ProposeResult } from '../../approvals/service.ts';
import type { ApprovalRequest } from '../../approvals/types.ts';
import { CompanionError } from '../../errors.ts';
import type { Citation } from '../../reply.ts';
import type { RequestContext } from '../../request.ts';
import type { Runbook, RunbookHit } from '../../stores/runbooks.ts';
import type { CompanionTool, Toolset } from '../../../tools/index.ts';
import { toLangChainTool } from '../../../tools/langchain.ts';
import { withinBudget } from '../../../tools/tool.ts';
import { proposalKey } from '../investigation.ts';
import { citation } from '../reply-parts.ts';
import type { AgentBounds } from './bounds.ts';
import { fence } from './fence.ts';
import { redactForeignIds, scopeViolations } from './guard.ts';

/** What the model's tool calls produced that the reply needs: approvals, cited runbooks, withheld output. */
export class ToolRecord {
  /** Approval requests created in this request, by kind and target. */
  readonly proposals = new Map<string, ApprovalRequest>();
  /** Why a proposal was refused (not enabled here, wrong target, …). */
  readonly refusals: string[] = [];
  /** Runbooks the model searched or read, for the citations part. */
  readonly citations = new Map<string, Citation>();
  /** Tool outputs withheld because they held data outside the tenant or channel. */
  readonly withheld: string[] = [];
}

export interface AgentToolOptions {
  context: RequestContext;
  bounds: AgentBounds;
  record: ToolRecord;
  onScopeViolation?: (tool: string, violations: readonly string[]) => void;
}

/**
 * The request's tools as the model sees them: the same tenant-bound tools the planner uses, plus a
 * scope check on every output, outputs cut to the agent's budget and fenced as untrusted data, and
 * propose_action limited to a few distinct proposals per request.
 */
export function agentTools(toolset: Toolset, options: AgentToolOptions): StructuredTool[] {
  return toolset.all.map((tool) => toLangChainTool(guarded(tool, toolset, options)));
}

function guarded(tool: CompanionTool, toolset: Toolset, options: AgentToolOptions): CompanionTool {
  const { context, bounds, record } = options;
  return {
    name: tool.name,
    description: tool.description,
    schema: tool.schema,
    async run(input) {
      const output = tool.name === toolset.proposeAction.name
        ? await propose(toolset, input as Parameters<Toolset['proposeAction']['run']>[0], options)
        : await tool.run(input);
      const violations = scopeViolations(output, context);
      if (violations.length > 0) {
        record.withheld.push(`${tool.name}: ${violations.slice(0, 3).join('; ')}`);
        options.onScopeViolation?.(tool.name, violations);
        throw new CompanionError('forbidden', 'Output withheld: it held data outside this channel\'s accounts. This is a bug in a store or tool; it has been logged.');
      }
      remember(tool.name, output, toolset, record);
      return output;
    },
    toText(output) {
      const text = isDuplicate(output)
        ? `Already proposed in this request: approval request ${output.approval.id} (${output.approval.action.kind} on ${output.approval.action.targetName}). Do not propose it again.`
        : tool.toText(output);
      // Tool outputs hold only this channel's data; a foreign id in one is the model's own argument echoed back.
      return fence(`tool:${tool.name}`, withinBudget(redactForeignIds(text, context.accountIds).text, bounds.toolOutputChars));
    },
  };
}

type ProposeInput = Parameters<Toolset['proposeAction']['run']>[0];
type Proposed = ProposeResult & { duplicate?: boolean };

async function propose(toolset: Toolset, input: ProposeInput, { bounds, record, context }: AgentToolOptions): Promise<Proposed> {
  // Resolve first (inside the tenant and channel, like every tool), so a name and an id of the same
  // resource count as one proposal.
  const view = await toolset.dependencies.run({ resource: input.resource, depth: 1 });
  if (view.resource) {
    const existing = record.proposals.get(proposalKey(input.kind, view.resource.id));
    if (existing) return { ok: true, approval: existing, duplicate: true };
  }
  if (record.proposals.size >= bounds.maxProposals) {
    return { ok: false, reason: 'not_allowed_here', message: `At most ${bounds.maxProposals} actions can be proposed per request; say which one you would propose next instead.` };
  }
  const result = await toolset.proposeAction.run(view.resource ? { ...input, resource: view.resource.id } : input);
  if (result.ok) record.proposals.set(proposalKey(result.approval.action.kind, result.approval.action.targetResourceId), result.approval);
  // Refusals quote the model's arguments, which may carry an injected foreign id: never echo one into the chat.
  else record.refusals.push(redactForeignIds(result.message, context.accountIds).text);
  return result;
}

function isDuplicate(output: unknown): output is { ok: true; approval: ApprovalRequest; duplicate: true } {
  return typeof output === 'object' && output !== null && (output as Proposed).duplicate === true;
}

function remember(name: string, output: unknown, toolset: Toolset, record: ToolRecord): void {
  if (name === toolset.searchRunbooks.name) {
    for (const hit of (output as RunbookHit[]).slice(0, 3)) {
      const c = citation(hit);
      record.citations.set(`${c.runbookId}\u0000${c.section}`, c);
    }
  }
  if (name === toolset.getRunbook.name && output) {
    const runbook = output as Runbook;
    const known = [...record.citations.values()].some((c) => c.runbookId === runbook.id);
    if (!known) record.citations.set(`${runbook.id}\u0000`, { runbookId: runbook.id, title: runbook.title, section: 'whole runbook', score: 1 });
  }
}
