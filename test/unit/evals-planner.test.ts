import { describe, expect, it } from 'vitest';
import type { Diagnosis, Hypothesis } from '../../src/diagnosis/types.ts';
import { loadEstateFile } from '../../src/seed/estate-file.ts';
import { loadScenarios, type Scenario } from '../evals/harness.ts';
import { formatPlannerReport, judgeCause, metricMatches, plannerGates, runPlannerScenario, scoreDiagnosis, totals, type PlannerResult } from '../evals/planner.ts';

const scenarios = await loadScenarios();

describe('planner-only evals (npm run eval -- --planner-only)', () => {
  it('cover at least 40 scenarios over three clouds, with causes, no-cause cases, ambiguity, forbidden proposals and lower bounds', async () => {
    const all = scenarios.map((s) => s.scenario);
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.map((s) => s.cloud))).toEqual(new Set(['aws', 'azure', 'gcp']));
    for (const cloud of ['aws', 'azure', 'gcp']) expect(all.filter((s) => s.cloud === cloud).length).toBeGreaterThanOrEqual(8);
    expect(all.filter((s) => s.expect.cause === null).length).toBeGreaterThanOrEqual(10);
    expect(all.filter((s) => s.expect.cause?.ambiguous).length).toBeGreaterThanOrEqual(1);
    expect(all.filter((s) => s.expect.action !== null).length).toBeGreaterThanOrEqual(10);
    expect(all.filter((s) => s.expect.forbidden.length > 0).length).toBeGreaterThanOrEqual(30);
    // The worlds the new scenarios use are separate from the demo data.
    for (const s of scenarios) expect(s.estate).not.toContain('src/demo');
    const { readFile } = await import('node:fs/promises');
    const recorded = await Promise.all(scenarios.filter((s) => s.metrics).map(async (s) => readFile(s.metrics as string, 'utf8')));
    expect(recorded.filter((text) => text.includes('"bound":"lower"')).length).toBeGreaterThanOrEqual(3);
  });

  it('name only resources their world has: causes, actions, forbidden targets and look-alikes', async () => {
    const unknown: string[] = [];
    for (const loaded of scenarios) {
      const ids = new Set((await loadEstateFile(loaded.estate)).resources.map((r) => r.id));
      const { cause, action, forbidden, notTargets } = loaded.scenario.expect;
      const named = [cause?.resource, cause?.or?.resource, action?.target, ...forbidden.map((f) => f.target), ...notTargets];
      for (const id of named) if (id !== undefined && !ids.has(id)) unknown.push(`${loaded.id}: ${id}`);
    }
    expect(unknown).toEqual([]);
  });

  it(`the deterministic planner alone reaches cause accuracy ≥ ${plannerGates.causeAccuracy * 100}% and proposes nothing where nothing is expected`, async () => {
    const results: PlannerResult[] = [];
    for (const loaded of scenarios) results.push(await runPlannerScenario(loaded));
    const report = formatPlannerReport(results);
    process.stdout.write(`\n${report}\n`);
    const t = totals(results);
    expect.soft(results.filter((r) => r.quiet === false).map((r) => `${r.id}: ${r.proposals.map((p) => p.kind).join(', ')}`)).toEqual([]);
    expect(t.causeAccuracy, report).toBeGreaterThanOrEqual(plannerGates.causeAccuracy);
    expect(t.quietRate, report).toBe(plannerGates.quietRate);
  }, 300_000);
});

const hypothesis = (resourceId: string, metric: string | undefined, name = resourceId): Hypothesis => ({
  resourceId, resourceName: name, resourceType: 't', ...(metric === undefined ? {} : { metric }), symptom: 'latency', role: 'dependency', score: 0.8, chain: [], evidence: [], reasons: [],
});
const diagnosis = (verdict: Diagnosis['verdict'], hypotheses: Hypothesis[]): Diagnosis => ({ symptoms: ['latency'], verdict, hypotheses, ruledOut: [], notChecked: [], rules: [] });
const expectOf = (overrides: Partial<Scenario['expect']>): Scenario['expect'] => ({
  resources: [], action: null, notTargets: [], admits: false, maxLlmCalls: 2, elements: [], cause: null, forbidden: [], ...overrides,
});

describe('planner-only scoring', () => {
  it('matches metric names loosely across providers, and `state` only a metric-less cause', () => {
    expect(metricMatches('CPUUtilization', 'CPUUtilization')).toBe(true);
    expect(metricMatches('Percentage CPU', 'percentage_cpu')).toBe(true);
    expect(metricMatches('cpu/utilization', 'compute.googleapis.com/instance/cpu/utilization')).toBe(true);
    expect(metricMatches('compute.googleapis.com/instance/cpu/utilization', 'cpu/utilization')).toBe(true);
    expect(metricMatches('CPUUtilization', 'MemoryUtilization')).toBe(false);
    expect(metricMatches('utilization', 'cloudsql.googleapis.com/database/cpu/utilization')).toBe(true);
    expect(metricMatches('state', undefined)).toBe(true);
    expect(metricMatches('state', 'CPUUtilization')).toBe(false);
    expect(metricMatches('CPUUtilization', undefined)).toBe(false);
  });

  it('a cause must lead with the expected resource and metric; a wrong one, a healthy verdict or no diagnosis fail', () => {
    const want = { resource: 'db', metric: 'CPUUtilization', ambiguous: false };
    expect(judgeCause(want, diagnosis('cause', [hypothesis('db', 'CPUUtilization'), hypothesis('app', 'CPUUtilization')])).ok).toBe(true);
    expect(judgeCause(want, diagnosis('cause', [hypothesis('app', 'CPUUtilization'), hypothesis('db', 'CPUUtilization')])).ok).toBe(false);
    expect(judgeCause(want, diagnosis('cause', [hypothesis('db', 'ReadLatency')])).ok).toBe(false);
    expect(judgeCause({ ...want, metric: undefined }, diagnosis('cause', [hypothesis('db', 'ReadLatency')])).ok).toBe(true);
    expect(judgeCause(want, diagnosis('healthy', [])).ok).toBe(false);
    expect(judgeCause(want, undefined).ok).toBe(false);
  });

  it('an ambiguous verdict counts when the cause is in the top two (marked hedged); an ambiguous scenario needs both and refuses a single verdict', () => {
    const want = { resource: 'db', metric: 'CPUUtilization', ambiguous: false };
    const both = diagnosis('ambiguous', [hypothesis('app', 'CPUUtilization'), hypothesis('db', 'CPUUtilization')]);
    expect(judgeCause(want, both)).toMatchObject({ ok: true, hedged: true });
    expect(judgeCause(want, diagnosis('ambiguous', [hypothesis('app', 'CPUUtilization'), hypothesis('queue', 'Age'), hypothesis('db', 'CPUUtilization')])).ok).toBe(false);
    const ambiguous = { resource: 'app', metric: 'CPUUtilization', ambiguous: true, or: { resource: 'db', metric: 'CPUUtilization' } };
    expect(judgeCause(ambiguous, both)).toMatchObject({ ok: true, hedged: false });
    expect(judgeCause(ambiguous, diagnosis('ambiguous', [hypothesis('app', 'CPUUtilization'), hypothesis('lb', 'TargetResponseTime')])).ok).toBe(false);
    expect(judgeCause(ambiguous, diagnosis('cause', [hypothesis('app', 'CPUUtilization')])).ok).toBe(false);
  });

  it('no expected cause: healthy, unknown or no diagnosis pass; any blamed resource fails', () => {
    expect(judgeCause(null, undefined).ok).toBe(true);
    expect(judgeCause(null, diagnosis('healthy', [])).ok).toBe(true);
    expect(judgeCause(null, diagnosis('unknown', [])).ok).toBe(true);
    expect(judgeCause(null, diagnosis('cause', [hypothesis('web', 'CPUUtilization')])).ok).toBe(false);
    expect(judgeCause(null, diagnosis('ambiguous', [hypothesis('a', 'x'), hypothesis('b', 'y')])).ok).toBe(false);
  });

  it('counts proposals: the expected one, extras, a miss, silence kept or broken, forbidden kinds and look-alikes', () => {
    const action = { kind: 'aws.ecs.scale', target: 'app' };
    const wantAction = expectOf({ action, forbidden: [{ kind: 'aws.ecs.redeploy' }], notTargets: ['canary'] });
    expect(scoreDiagnosis(wantAction, undefined, [action])).toMatchObject({ truePositives: 1, falsePositives: 0, falseNegatives: 0, forbidden: [] });
    expect(scoreDiagnosis(wantAction, undefined, [])).toMatchObject({ truePositives: 0, falsePositives: 0, falseNegatives: 1 });
    const wrong = scoreDiagnosis(wantAction, undefined, [action, { kind: 'aws.ecs.redeploy', target: 'app' }, { kind: 'aws.ecs.scale', target: 'canary' }]);
    expect(wrong).toMatchObject({ truePositives: 1, falsePositives: 2, falseNegatives: 0 });
    expect(wrong.forbidden).toHaveLength(2);
    expect(wrong.quiet).toBeUndefined();
    const none = expectOf({ forbidden: [{ kind: 'aws.ecs.scale', target: 'app' }] });
    expect(scoreDiagnosis(none, undefined, []).quiet).toBe(true);
    expect(scoreDiagnosis(none, undefined, [{ kind: 'aws.ecs.scale', target: 'other' }])).toMatchObject({ quiet: false, forbidden: [] });
    expect(scoreDiagnosis(none, undefined, [action]).forbidden).toEqual([action]);
  });

  it('totals precision, recall and the no-proposal rate across scenarios', () => {
    const base = { causeOk: true, causeDetail: '', hedged: false, forbidden: [] };
    const t = totals([
      { ...base, truePositives: 1, falsePositives: 1, falseNegatives: 0 },
      { ...base, causeOk: false, truePositives: 0, falsePositives: 0, falseNegatives: 1 },
      { ...base, truePositives: 0, falsePositives: 0, falseNegatives: 0, quiet: true },
      { ...base, truePositives: 0, falsePositives: 1, falseNegatives: 0, quiet: false, forbidden: [{ kind: 'k', target: 't' }] },
    ]);
    expect(t).toMatchObject({ scenarios: 4, causeCorrect: 3, proposals: 3, truePositives: 1, expectedActions: 2, quietExpected: 2, quietKept: 1, forbiddenScenarios: 1 });
    expect(t.precision).toBeCloseTo(1 / 3);
    expect(t.recall).toBeCloseTo(1 / 2);
    expect(t.quietRate).toBeCloseTo(1 / 2);
  });
});
