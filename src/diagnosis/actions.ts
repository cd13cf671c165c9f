import type { MetricSeries } from '../metrics/source.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Runbook } from '../stores/runbooks.ts';
import { checkCondition, evaluateCondition, findSeries, type Relation } from './rules.ts';
import type { Ranking } from './hypotheses.ts';
import type { RuleMatch } from './types.ts';

/**
 * Runbook decision rules: which of the runbooks' actions the evidence supports. An action is
 * evaluated on each ranked cause its kind can act on; it holds when its `when` condition holds there
 * (an action without `when` holds only on the cause the diagnosis names). Proposals come only from
 * holding rules on the top cause of a `cause` verdict, at most one per cause. Pure.
 */
export interface RuleInput {
  ranking: Ranking;
  /** Runbooks in relevance order (best first). */
  runbooks: readonly Runbook[];
  /** The resource types each action kind may target (the action catalog). */
  targetsOf: (kind: string) => readonly string[] | undefined;
  /** Resources by id, for the hypotheses' targets. */
  resources: ReadonlyMap<string, CloudResource>;
  /** Direct neighbours of a resource by relation. */
  related: (resourceId: string, relation: Exclude<Relation, 'self'>) => readonly CloudResource[];
  series: readonly MetricSeries[];
}

export interface RuleDecision {
  rules: RuleMatch[];
  /** Indexes into `rules` of the actions to propose (at most one per cause). */
  chosen: number[];
}

/** How many ranked causes rules are evaluated on (for the answer and the agent), proposing only for the first. */
const evaluatedCauses = 2;

export function decideActions(input: RuleInput): RuleDecision {
  const rules: RuleMatch[] = [];
  const chosen: number[] = [];
  const { ranking } = input;
  if (ranking.verdict === 'healthy' || ranking.verdict === 'unknown') return { rules, chosen };
  ranking.hypotheses.slice(0, evaluatedCauses).forEach((hypothesis, index) => {
    const target = input.resources.get(hypothesis.resourceId);
    if (!target) return;
    let picked = false;
    for (const runbook of input.runbooks) {
      if (!runbook.resourceTypes.includes(target.type)) continue;
      for (const action of runbook.actions) {
        if (!(input.targetsOf(action.kind) ?? []).includes(target.type)) continue;
        const when = action.when;
        const match: RuleMatch = {
          runbookId: runbook.id, section: sectionFor(runbook, action.kind), actionKind: action.kind, targetResourceId: target.id,
          params: action.params, ...(when ? { when } : {}), outcome: 'unknown', explanation: [], hypothesisIndex: index,
        };
        if (when) {
          const parsed = checkCondition(when);
          if (!parsed.ok) {
            match.explanation.push(`invalid condition: ${parsed.message}`);
          } else {
            const result = evaluateCondition(parsed.condition, {
              target,
              related: (relation) => input.related(target.id, relation),
              series: (resourceId, metric) => findSeries(input.series, resourceId, metric),
            });
            match.outcome = result.outcome;
            match.explanation.push(...result.explanation);
          }
        } else {
          // No condition: the runbook offers it for its resource type; it holds on the named cause only.
          match.outcome = 'holds';
          match.explanation.push(`no condition; the diagnosis names ${target.name} as the likely cause`);
        }
        rules.push(match);
        const proposable = ranking.verdict === 'cause' && index === 0 && match.outcome === 'holds';
        if (proposable && !picked) {
          chosen.push(rules.length - 1);
          picked = true;
        }
      }
    }
  });
  return { rules, chosen };
}

/** The section that names the action (usually Mitigation), else Mitigation, else none. */
export function sectionFor(runbook: Runbook, kind: string): string | undefined {
  const sections = splitSections(runbook.body);
  return sections.find((s) => s.text.includes(kind))?.heading ?? sections.find((s) => /mitigat|remed|fix/i.test(s.heading))?.heading;
}

export function splitSections(body: string): { heading: string; text: string }[] {
  const sections: { heading: string; text: string }[] = [];
  let current: { heading: string; lines: string[] } | undefined;
  let fenced = false;
  for (const line of body.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{2,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) {
      if (current) sections.push({ heading: current.heading, text: current.lines.join('\n').trim() });
      current = { heading: heading[1], lines: [] };
    } else current?.lines.push(line);
  }
  if (current) sections.push({ heading: current.heading, text: current.lines.join('\n').trim() });
  return sections;
}
