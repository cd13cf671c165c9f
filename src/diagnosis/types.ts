/**
 * The diagnosis contract: what the deterministic diagnosis engine produces from the evidence of one
 * investigation, and what renderers, the LLM agent's evidence pack and the planner-only evals read.
 * Every stage (symptoms → walk → hypotheses → rules → rendering) is a pure function in its own
 * module of src/diagnosis/; these types are the only thing they share.
 */

/** What is wrong, in the words an SRE would use. `unknown` when neither words nor metrics say. */
export type Symptom = 'latency' | 'errors' | 'saturation' | 'backlog' | 'throttling' | 'availability' | 'capacity' | 'unknown';

/** Where a resource sits relative to the resource the question or alert is about. */
export type PathRole = 'subject' | 'entry' | 'dependency' | 'consumer' | 'producer' | 'dependent' | 'off-path';

/** One metric fact that counts for or against a hypothesis. */
export interface MetricEvidence {
  resourceId: string;
  resourceName: string;
  metric: string;
  unit: string;
  last: number;
  threshold?: number;
  /** `above` a ceiling (CPU > 80) or `below` a floor (free storage < 10 GB). */
  bound?: 'upper' | 'lower';
  breached: boolean;
  /** Minutes the metric has been past its threshold at the end of the window (0 when not breached). */
  breachMinutes: number;
  /** Minutes before the end of the window when it first went bad (threshold or baseline): onset order. */
  onsetMinutesAgo?: number;
  /** The latest stretch departs from the baseline (`above` / `below`). */
  departs?: 'above' | 'below';
  baseline?: number;
  /** A short sentence: "CPUUtilization 92% (> 80 for 6 min)". */
  text: string;
}

/** A candidate cause: a resource (and usually one metric of it) with the evidence for and against. */
export interface Hypothesis {
  resourceId: string;
  resourceName: string;
  resourceType: string;
  /** The metric that carries the hypothesis; absent for a state-only cause (e.g. `impaired`). */
  metric?: string;
  symptom: Symptom;
  role: PathRole;
  /** 0..1, higher is more likely. Deterministic for the same evidence. */
  score: number;
  /** The chain from the symptom to this cause, user-facing first: ["checkout-alb TargetResponseTime 2.4 s", "checkout-api CPUUtilization 92%"]. */
  chain: string[];
  evidence: MetricEvidence[];
  /** Why it ranks where it does: "breached 6 min before the symptom", "on the request path". */
  reasons: string[];
}

/** A resource that was looked at and found healthy, with the numbers that say so. */
export interface RuledOut {
  resourceId: string;
  resourceName: string;
  reason: string;
}

/** A runbook action whose `when` condition was evaluated against the evidence. */
export interface RuleMatch {
  runbookId: string;
  /** Runbook section the action's guidance comes from (usually "Mitigation"). */
  section?: string;
  actionKind: string;
  targetResourceId: string;
  params: Record<string, unknown>;
  /** The condition as written in the runbook, or undefined when the action has none. */
  when?: string;
  /** `true` holds, `false` does not, `unknown` could not be evaluated (metric missing). */
  outcome: 'holds' | 'fails' | 'unknown';
  /** Each clause with its value: "self.CPUUtilization 93 > 80 for 5m: true". */
  explanation: string[];
  /** The hypothesis (by index into Diagnosis.hypotheses) this action would remedy. */
  hypothesisIndex?: number;
}

export type Verdict =
  /** One cause stands out. */
  | 'cause'
  /** Two causes remain; `discriminator` says what would tell them apart. */
  | 'ambiguous'
  /** Everything looked at is healthy. */
  | 'healthy'
  /** Not enough evidence to say (no resources found, no metrics). */
  | 'unknown';

export interface Diagnosis {
  symptoms: Symptom[];
  verdict: Verdict;
  /** Ranked, most likely first. */
  hypotheses: Hypothesis[];
  ruledOut: RuledOut[];
  /** What could not be checked and why: "recent deployments: no change source configured". */
  notChecked: string[];
  /** Rules evaluated, holding or not; proposals come only from `outcome: 'holds'`, at most one per cause. */
  rules: RuleMatch[];
  /** When `verdict` is `ambiguous`: what would tell the top two apart. */
  discriminator?: string;
}
