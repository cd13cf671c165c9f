import type { RequestContext } from '../src/request.ts';
import { getMetricsTool } from './metrics/get-metrics.ts';
import { listApprovalsTool } from './propose-action/list-approvals.ts';
import { proposeActionTool } from './propose-action/propose-action.ts';
import { dependenciesTool } from './resource-graph/dependencies.ts';
import { diagramTool } from './resource-graph/diagram.ts';
import { findResourcesTool } from './resource-graph/find-resources.ts';
import { similarResourcesTool } from './resource-graph/similar.ts';
import { getRecentChangesTool } from './recent-changes/get-recent-changes.ts';
import { getRunbookTool } from './runbooks/get-runbook.ts';
import { searchRunbooksTool } from './runbooks/search-runbooks.ts';
import { searchLogsTool } from './search-logs/search-logs.ts';
import type { CompanionTool, ToolDeps } from './tool.ts';

export type { CompanionTool, ToolDeps } from './tool.ts';

export interface ToolsetOptions {
  /** A read-only request (metrics, deps, a hypothetical, …): `propose_action` refuses, for the planner and the agent alike. */
  readOnly?: boolean;
}

/** The tools of one request, each bound to that request's tenant, channel accounts and actor. */
export function buildToolset(context: RequestContext, deps: ToolDeps, options: ToolsetOptions = {}) {
  const propose = proposeActionTool(context, deps);
  const toolset = {
    findResources: findResourcesTool(context, deps),
    dependencies: dependenciesTool(context, deps),
    searchRunbooks: searchRunbooksTool(context, deps),
    getRunbook: getRunbookTool(context, deps),
    metrics: getMetricsTool(context, deps),
    recentChanges: getRecentChangesTool(context, deps),
    searchLogs: searchLogsTool(context, deps),
    proposeAction: options.readOnly ? readOnlyProposals(propose) : propose,
    listApprovals: listApprovalsTool(context, deps),
  };
  // The diagram draws pictures for people, not text for a model, and suggestions answer people's
  // typos: both outside `all`, the agent's tools.
  return { ...toolset, diagram: diagramTool(context, deps), similarResources: similarResourcesTool(context, deps), all: Object.values(toolset) as CompanionTool[] };
}

export type Toolset = ReturnType<typeof buildToolset>;

/** The same toolset, with a `propose_action` that refuses: for a read-only request. */
export function withReadOnlyProposals<T extends { proposeAction: ReturnType<typeof proposeActionTool>; all: CompanionTool[] }>(toolset: T): T {
  const refusing = readOnlyProposals(toolset.proposeAction);
  return { ...toolset, proposeAction: refusing, all: toolset.all.map((tool) => (tool.name === refusing.name ? refusing as CompanionTool : tool)) };
}

/** The same tool, refusing: a read-only question shows evidence and never creates an approval request. */
function readOnlyProposals(tool: ReturnType<typeof proposeActionTool>): ReturnType<typeof proposeActionTool> {
  return {
    ...tool,
    run: async () => ({ ok: false, reason: 'not_allowed_here', message: 'This question only reads, so nothing was proposed. Ask about the problem itself (e.g. "why is it slow?") to get a proposal.' }),
  };
}
