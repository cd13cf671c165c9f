import type { Diagnosis, Hypothesis } from '../../src/diagnosis/types.ts';
import { playScenario, type ExpectedCause, type LoadedScenario, type Scenario } from './harness.ts';

/**
 * Planner-only evals: the deterministic planner alone (no model, no script) answers every scenario,
 * and its structured `reply.diagnosis` is scored against the scenario's expectations: the cause
 * (resource and metric), the proposals (precision, recall, none where none is expected) and the
 * forbidden proposals. Scoring is pure (`scoreDiagnosis`), so it is tested on its own.
 */

export interface Proposal {
  kind: string;
  target: string;
}

export interface PlannerScore {
  /** The diagnosis names the expected cause, or (expected none) names no cause. */
  causeOk: boolean;
  causeDetail: string;
  /** The verdict was `ambiguous` on a scenario that expects one cause, which still ranked in the top two. */
  hedged: boolean;
  /** Proposals matching the expected action (0 or 1), others, and the expected action missed (0 or 1). */
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** For scenarios that expect no proposal: none was made. Undefined when a proposal is expected. */
  quiet?: boolean;
  /** Proposals on a forbidden kind/target or on one of `notTargets`. */
  forbidden: Proposal[];
}

export interface PlannerResult extends PlannerScore {
  id: string;
  title: string;
  cloud: string;
  source: string;
  verdict: string;
  /** The top hypotheses as `name metric`, at most two. */
  top: string[];
  expected: string;
  proposals: Proposal[];
  ms: number;
}

export interface PlannerTotals {
  scenarios: number;
  causeCorrect: number;
  /** causeCorrect / scenarios. */
  causeAccuracy: number;
  hedged: number;
  proposals: number;
  truePositives: number;
  /** Correct proposals over all proposals (1 when nothing was proposed). */
  precision: number;
  expectedActions: number;
  /** Expected actions proposed over expected actions. */
  recall: number;
  quietExpected: number;
  quietKept: number;
  /** Scenarios that expect no proposal and got none, over those scenarios. */
  quietRate: number;
  /** Scenarios with at least one forbidden proposal. */
  forbiddenScenarios: number;
}

/** Verdicts that name a cause; `healthy` and `unknown` do not. */
const blaming = new Set(['cause', 'ambiguous']);

/**
 * Loose metric match: CloudWatch and Azure names compare without case, spaces, dashes or
 * underscores (`Percentage CPU` = `percentage_cpu`); a GCP metric type matches its tail
 * (`cpu/utilization` = `compute.googleapis.com/instance/cpu/utilization`). `state` matches a
 * hypothesis that rests on the resource state alone (no metric).
 */
export function metricMatches(expected: string, actual: string | undefined): boolean {
  if (expected === 'state') return actual === undefined;
  if (actual === undefined) return false;
  const norm = (m: string): string => m.toLowerCase().replace(/[\s_-]+/g, '');
  const e = norm(expected);
  const a = norm(actual);
  return a === e || a.endsWith(`/${e}`) || e.endsWith(`/${a}`);
}

function names(cause: { resource: string; metric?: string | string[] | undefined }, hypothesis: Hypothesis): boolean {
  if (hypothesis.resourceId !== cause.resource) return false;
  if (cause.metric === undefined) return true;
  const wanted = Array.isArray(cause.metric) ? cause.metric : [cause.metric];
  return wanted.some((m) => metricMatches(m, hypothesis.metric));
}

/** Does the diagnosis name the expected cause (or, when none is expected, no cause at all)? */
export function judgeCause(want: ExpectedCause | null, diagnosis: Diagnosis | undefined): { ok: boolean; hedged: boolean; detail: string } {
  const verdict = diagnosis?.verdict ?? 'none';
  const top = diagnosis?.hypotheses ?? [];
  if (want === null) {
    const ok = !blaming.has(verdict);
    return { ok, hedged: false, detail: ok ? `no cause (${verdict})` : `blames ${describe(top[0])} but there is no cause to find` };
  }
  if (!diagnosis) return { ok: false, hedged: false, detail: 'no diagnosis in the reply' };
  if (verdict === 'cause') {
    const first = top[0];
    if (want.ambiguous) return { ok: false, hedged: false, detail: `commits to ${describe(first)} where the evidence cannot tell two causes apart` };
    const ok = first !== undefined && names(want, first);
    return { ok, hedged: false, detail: ok ? 'names the cause' : `names ${describe(first)}` };
  }
  if (verdict === 'ambiguous') {
    const two = top.slice(0, 2);
    const ok = two.some((h) => names(want, h)) && (!want.or || two.some((h) => names(want.or as NonNullable<ExpectedCause['or']>, h)));
    return { ok, hedged: ok && !want.ambiguous, detail: `${ok ? 'ambiguous, cause in the top two' : 'ambiguous without the cause in the top two'}: ${two.map(describe).join(' | ')}` };
  }
  return { ok: false, hedged: false, detail: `verdict ${verdict}, no cause named` };
}

/** Scores one planner reply against its scenario's expectations. */
export function scoreDiagnosis(expect: Scenario['expect'], diagnosis: Diagnosis | undefined, proposals: readonly Proposal[]): PlannerScore {
  const cause = judgeCause(expect.cause, diagnosis);
  const action = expect.action;
  const hits = action ? proposals.filter((p) => p.kind === action.kind && p.target === action.target).length : 0;
  const truePositives = Math.min(1, hits);
  const forbidden = proposals.filter((p) => expect.notTargets.includes(p.target)
    || expect.forbidden.some((f) => f.kind === p.kind && (f.target === undefined || f.target === p.target)));
  return {
    causeOk: cause.ok, causeDetail: cause.detail, hedged: cause.hedged,
    truePositives, falsePositives: proposals.length - truePositives, falseNegatives: action ? 1 - truePositives : 0,
    ...(action ? {} : { quiet: proposals.length === 0 }),
    forbidden,
  };
}

export function totals(results: readonly PlannerScore[]): PlannerTotals {
  const sum = (f: (r: PlannerScore) => number): number => results.reduce((n, r) => n + f(r), 0);
  const causeCorrect = sum((r) => (r.causeOk ? 1 : 0));
  const truePositives = sum((r) => r.truePositives);
  const proposals = truePositives + sum((r) => r.falsePositives);
  const expectedActions = truePositives + sum((r) => r.falseNegatives);
  const quietExpected = results.filter((r) => r.quiet !== undefined).length;
  const quietKept = results.filter((r) => r.quiet === true).length;
  return {
    scenarios: results.length, causeCorrect, causeAccuracy: ratio(causeCorrect, results.length), hedged: sum((r) => (r.hedged ? 1 : 0)),
    proposals, truePositives, precision: proposals ? truePositives / proposals : 1,
    expectedActions, recall: ratio(truePositives, expectedActions),
    quietExpected, quietKept, quietRate: ratio(quietKept, quietExpected),
    forbiddenScenarios: results.filter((r) => r.forbidden.length > 0).length,
  };
}

/** Runs one scenario with the deterministic planner alone and scores its diagnosis. */
export async function runPlannerScenario(loaded: LoadedScenario): Promise<PlannerResult> {
  const { scenario } = loaded;
  const played = await playScenario(loaded, undefined);
  const proposals = played.approvals.map((a) => ({ kind: a.action.kind, target: a.action.targetResourceId }));
  const diagnosis = played.reply.diagnosis;
  return {
    id: loaded.id, title: scenario.title, cloud: scenario.cloud, source: scenario.source,
    verdict: diagnosis?.verdict ?? 'none',
    top: (diagnosis?.hypotheses ?? []).slice(0, 2).map(describe),
    expected: expectedText(scenario.expect.cause),
    proposals, ms: played.ms,
    ...scoreDiagnosis(scenario.expect, diagnosis, proposals),
  };
}

/** The per-scenario table and the totals, as plain text. */
export function formatPlannerReport(results: readonly PlannerResult[]): string {
  const lines: string[] = [];
  lines.push(`${'scenario'.padEnd(46)} ${'cause'.padEnd(5)} ${'verdict'.padEnd(9)} ${'proposals'.padEnd(9)} top hypothesis / expected`);
  for (const r of results) {
    const proposalMark = r.forbidden.length ? 'FORBID' : r.quiet === false ? 'EXTRA' : r.falseNegatives ? 'MISSED' : r.falsePositives ? 'EXTRA' : 'ok';
    lines.push(`${r.id.padEnd(46)} ${(r.causeOk ? 'ok' : 'MISS').padEnd(5)} ${r.verdict.padEnd(9)} ${proposalMark.padEnd(9)} ${r.top[0] ?? '-'} / ${r.expected}`);
    if (!r.causeOk) lines.push(`${''.padEnd(47)}cause: ${r.causeDetail}`);
    if (r.proposals.length && (proposalMark !== 'ok')) lines.push(`${''.padEnd(47)}proposed: ${r.proposals.map((p) => `${p.kind} → ${shortId(p.target)}`).join('; ')}`);
  }
  const t = totals(results);
  lines.push('');
  lines.push(`Cause accuracy: ${t.causeCorrect}/${t.scenarios} (${pct(t.causeAccuracy)})${t.hedged ? `, ${t.hedged} by an ambiguous verdict` : ''}`);
  lines.push(`Proposal precision: ${t.truePositives}/${t.proposals} (${pct(t.precision)}) · recall: ${t.truePositives}/${t.expectedActions} (${pct(t.recall)})`);
  lines.push(`No proposal where none is expected: ${t.quietKept}/${t.quietExpected} (${pct(t.quietRate)}) · scenarios with a forbidden proposal: ${t.forbiddenScenarios}`);
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  if (times.length) lines.push(`Planner time per request: median ${Math.round(times[Math.floor(times.length / 2)] ?? 0)} ms, max ${Math.round(times.at(-1) ?? 0)} ms`);
  return lines.join('\n');
}

/** The gates `npm test` holds the planner to. */
export const plannerGates = { causeAccuracy: 0.9, quietRate: 1 };

export function passesGates(t: PlannerTotals): boolean {
  return t.causeAccuracy >= plannerGates.causeAccuracy && t.quietRate >= plannerGates.quietRate;
}

function describe(h: Hypothesis | undefined): string {
  return h ? `${h.resourceName} ${h.metric ?? '(state)'}` : 'nothing';
}

function expectedText(cause: ExpectedCause | null): string {
  if (!cause) return 'no cause';
  const one = (c: { resource: string; metric?: string | string[] | undefined }): string => `${shortId(c.resource)} ${[c.metric ?? 'any metric'].flat().join('|')}`;
  return cause.or ? `${one(cause)} or ${one(cause.or)} (ambiguous)` : `${one(cause)}${cause.ambiguous ? ' (ambiguous)' : ''}`;
}

/** The last segment of an ARN, Azure id or GCP name: what a person reads. */
function shortId(id: string): string {
  return id.split(/[/:]/).filter(Boolean).at(-1) ?? id;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 1 : a / b;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
