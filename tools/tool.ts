import type { z } from 'zod';
import type { ApprovalService } from '../src/approvals/service.ts';
import type { EvidenceSources } from '../src/evidence/setup.ts';
import type { MetricsSource } from '../src/metrics/source.ts';
import type { RequestContext } from '../src/request.ts';
import type { ResourceGraph } from '../src/stores/graph.ts';
import type { RunbookIndex } from '../src/stores/runbooks.ts';

/** What tools reach. The request context is bound when the toolset is built, never passed by a model. */
export interface ToolDeps {
  graph: ResourceGraph;
  runbooks: RunbookIndex;
  metrics: readonly MetricsSource[];
  approvals: ApprovalService;
  /** Change and log sources; without them get_recent_changes and search_logs say no history is available. */
  evidence?: EvidenceSources;
}

/**
 * A capability callable by the deterministic planner (typed `run`) and by the LLM agent (the same
 * `run`, wrapped as a LangChain tool with `schema`, its output rendered by `toText` within a budget).
 */
export interface CompanionTool<Schema extends z.ZodObject = z.ZodObject, Output = unknown> {
  name: string;
  description: string;
  schema: Schema;
  run(input: z.infer<Schema>): Promise<Output>;
  toText(output: Output): string;
}

export type ToolFactory<Schema extends z.ZodObject, Output> = (context: RequestContext, deps: ToolDeps) => CompanionTool<Schema, Output>;

/** Small local models drown in long tool output; every tool answer is cut to this many characters. */
export const toolOutputBudget = 4000;

export function withinBudget(text: string, budget = toolOutputBudget): string {
  if (text.length <= budget) return text;
  return `${text.slice(0, budget - 60)}\n… (${text.length - budget + 60} more characters cut)`;
}

export function scopeOf(context: RequestContext): { orgId: string; accountIds: readonly string[] } {
  return { orgId: context.orgId, accountIds: context.accountIds };
}
