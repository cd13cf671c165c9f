import type { RequestContext } from '../src/request.ts';
import { getMetricsTool } from './metrics/get-metrics.ts';
import { listApprovalsTool } from './propose-action/list-approvals.ts';
import { proposeActionTool } from './propose-action/propose-action.ts';
import { dependenciesTool } from './resource-graph/dependencies.ts';
import { diagramTool } from './resource-graph/diagram.ts';
import { findResourcesTool } from './resource-graph/find-resources.ts';
import { getRecentChangesTool } from './recent-changes/get-recent-changes.ts';
import { getRunbookTool } from './runbooks/get-runbook.ts';
import { searchRunbooksTool } from './runbooks/search-runbooks.ts';
import { searchLogsTool } from './search-logs/search-logs.ts';
import type { CompanionTool, ToolDeps } from './tool.ts';

export type { CompanionTool, ToolDeps } from './tool.ts';

/** The tools of one request, each bound to that request's tenant, channel accounts and actor. */
export function buildToolset(context: RequestContext, deps: ToolDeps) {
  const toolset = {
    findResources: findResourcesTool(context, deps),
    dependencies: dependenciesTool(context, deps),
    searchRunbooks: searchRunbooksTool(context, deps),
    getRunbook: getRunbookTool(context, deps),
    metrics: getMetricsTool(context, deps),
    recentChanges: getRecentChangesTool(context, deps),
    searchLogs: searchLogsTool(context, deps),
    proposeAction: proposeActionTool(context, deps),
    listApprovals: listApprovalsTool(context, deps),
  };
  // The diagram draws pictures for people, not text for a model: outside `all`, the agent's tools.
  return { ...toolset, diagram: diagramTool(context, deps), all: Object.values(toolset) as CompanionTool[] };
}

export type Toolset = ReturnType<typeof buildToolset>;
