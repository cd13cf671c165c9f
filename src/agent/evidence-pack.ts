import type { Diagnosis } from '../diagnosis/types.ts';
import type { WalkNode } from '../diagnosis/walk.ts';
import type { SourcedSeries } from '../metrics/read.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Runbook, RunbookHit } from '../stores/runbooks.ts';
import type { DependencyView } from '../../tools/resource-graph/dependencies.ts';

/** A runbook action whose rule holds on the likely cause: a candidate, not yet a proposal. */
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
  /** Resources whose metrics were read: the evidence walk (entry points, subjects, dependencies, consumers). */
  related: CloudResource[];
  metricWindowMinutes: number;
  summaries: MetricSummary[];
  /** The series behind the summaries, for charts (absent where an investigator did not keep them). */
  series?: SourcedSeries[];
  /** Resources whose metrics were read but returned no series. */
  noMetrics: CloudResource[];
  hits: RunbookHit[];
  /** The actions the runbooks' rules choose for the likely cause (at most one per cause). */
  suggestions: SuggestedAction[];
  /** What could not be gathered, e.g. "Runbook search unavailable: …". */
  degraded: string[];
  /** The diagnosis: symptoms, ranked causes, what was ruled out, rules evaluated. */
  diagnosis?: Diagnosis;
  /** The evidence walk: each resource read and where it sits on the path. */
  walk?: WalkNode[];
  /** The runbooks the rules came from, best first. */
  runbooks?: Runbook[];
  /** The subjects were matched by free text only (an alert naming no known resource): nothing is proposed for them. */
  possiblyRelated?: boolean;
  /** The question only asks (a hypothetical, "show me…"): nothing is proposed. */
  readOnly?: boolean;
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
