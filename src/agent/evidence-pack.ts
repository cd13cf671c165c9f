import type { SourcedSeries } from '../metrics/read.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { RunbookHit } from '../stores/runbooks.ts';
import type { DependencyView } from '../../tools/resource-graph/dependencies.ts';

/** A runbook's suggested action matched to a troubled resource: a candidate, not yet a proposal. */
export interface SuggestedAction {
  kind: string;
  params: Record<string, unknown>;
  target: CloudResource;
  runbookId: string;
  runbookTitle: string;
  reason: string;
}

/**
 * What the deterministic planner gathers for a question, before anyone (planner or model) draws
 * conclusions: the resources it names, their neighbourhood, metric summaries, matching runbooks and
 * the runbooks' suggested actions. The planner renders it as the evidence answer; the agent hands it
 * to the model as a compact, cited pack.
 */
export interface EvidencePack {
  question: string;
  /** Resources the question names (at most two). */
  primary: CloudResource[];
  /** Dependency views of the primary resources, in the same order (undefined where the graph failed). */
  views: (DependencyView | undefined)[];
  /** Resources whose metrics were read: the primary ones and their direct dependencies. */
  related: CloudResource[];
  metricWindowMinutes: number;
  summaries: MetricSummary[];
  /** The series behind the summaries, for charts (absent where an investigator did not keep them). */
  series?: SourcedSeries[];
  /** Resources whose metrics were read but returned no series. */
  noMetrics: CloudResource[];
  hits: RunbookHit[];
  suggestions: SuggestedAction[];
  /** What could not be gathered, e.g. "Runbook search unavailable: …". */
  degraded: string[];
}

/** Every resource the pack holds, once. */
export function packResources(pack: EvidencePack): CloudResource[] {
  const seen = new Map<string, CloudResource>();
  const add = (r: CloudResource): void => {
    if (!seen.has(r.id)) seen.set(r.id, r);
  };
  pack.primary.forEach(add);
  pack.related.forEach(add);
  for (const view of pack.views) {
    view?.dependencies.forEach((n) => add(n.resource));
    view?.dependents.forEach((n) => add(n.resource));
  }
  pack.suggestions.forEach((s) => add(s.target));
  return [...seen.values()];
}
