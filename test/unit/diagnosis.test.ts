import { describe, expect, it } from 'vitest';
import { asksOnly } from '../../src/agent/investigation.ts';
import { decideActions } from '../../src/diagnosis/actions.ts';
import { readEvidence } from '../../src/diagnosis/evidence.ts';
import { rankHypotheses } from '../../src/diagnosis/hypotheses.ts';
import { metricRole, sameMetric } from '../../src/diagnosis/metric-meanings.ts';
import { excerpt, renderDiagnosis } from '../../src/diagnosis/render.ts';
import { checkCondition, evaluateCondition, findSeries, parseCondition, type RuleContext } from '../../src/diagnosis/rules.ts';
import { classifySymptoms } from '../../src/diagnosis/symptoms.ts';
import { planWalk, type NeighbourhoodView, type WalkNode } from '../../src/diagnosis/walk.ts';
import type { MetricSeries } from '../../src/metrics/source.ts';
import { summarizeSeries } from '../../src/metrics/summarize.ts';
import { parseRunbook } from '../../src/runbooks/parse.ts';
import type { CloudResource, Neighbour } from '../../src/stores/graph.ts';
import { stateClass } from '../../src/stores/resource-state.ts';

// ── fixtures ────────────────────────────────────────────────────────────────

const end = Date.parse('2026-12-07T12:00:00Z');

function resource(name: string, type: string, extra: Partial<CloudResource> = {}): CloudResource {
  const provider = type.split('.')[0] as CloudResource['provider'];
  return { id: `id:${name}`, provider, accountId: '111111111111', type, name, region: 'us-east-1', state: 'active', tags: {}, ...extra };
}

/** Two windows of one-minute points (the first half is the baseline window), the last value "now". */
function series(r: CloudResource, metric: string, values: readonly number[], options: { threshold?: number; unit?: string; bound?: 'upper' | 'lower' } = {}): MetricSeries {
  const points = values.map((v, i) => ({ t: new Date(end - (values.length - 1 - i) * 60_000).toISOString(), v }));
  const half = Math.floor(values.length / 2);
  return {
    resourceId: r.id, metric, unit: options.unit ?? 'Percent', points, windowStart: points[half]?.t as string,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }), ...(options.bound ? { bound: options.bound } : {}),
  };
}

/** `flat` for `n` points then a ramp to `to` over the last `ramp` points. */
function ramp(flat: number, to: number, n = 60, rampPoints = 10): number[] {
  return Array.from({ length: n }, (_, i) => (i < n - rampPoints ? flat + ((i * 7) % 3) * 0.3 : flat + ((to - flat) * (i - (n - rampPoints) + 1)) / rampPoints));
}

/** `flat` then `to` for the last `last` points: a clean step. */
function step(flat: number, to: number, n = 60, last = 10): number[] {
  return Array.from({ length: n }, (_, i) => (i < n - last ? flat + ((i * 7) % 3) * 0.3 : to));
}

const node = (r: CloudResource, role: WalkNode['role'], depth = 0, relation = 'named'): WalkNode => ({ resource: r, role, depth, relation });

function rank(nodes: WalkNode[], all: MetricSeries[], extra: Partial<Parameters<typeof rankHypotheses>[0]> = {}) {
  const name = new Map(nodes.map((n) => [n.resource.id, n.resource.name]));
  const summaries = all.map((s) => summarizeSeries(s, name.get(s.resourceId) ?? s.resourceId, 60, 'recorded')).filter((s) => s !== undefined);
  return rankHypotheses({ symptoms: ['latency'], nodes, summaries, series: all, ...extra });
}

const alb = resource('web-alb', 'aws.elbv2.loadbalancer');
const api = resource('web-api', 'aws.ecs.service');
const db = resource('web-db', 'aws.rds.instance');
const queue = resource('jobs-queue', 'aws.sqs.queue');
const worker = resource('jobs-worker', 'aws.lambda.function');

// ── symptoms ────────────────────────────────────────────────────────────────

describe('symptoms', () => {
  it('reads words, the alert metric and the resource types', () => {
    expect(classifySymptoms({ text: 'why is checkout-api slow?', resourceTypes: ['aws.ecs.service'] })).toEqual(['latency']);
    expect(classifySymptoms({ text: 'checkout returns 502 errors and times out', resourceTypes: [] })).toEqual(['latency', 'errors']);
    expect(classifySymptoms({ text: 'cpu-high', alertMetric: 'CPUUtilization', resourceTypes: ['aws.ecs.service'] })).toEqual(['saturation']);
    expect(classifySymptoms({ text: 'alarm', alertMetric: 'Throttles', resourceTypes: ['aws.lambda.function'] })).toEqual(['throttling']);
    expect(classifySymptoms({ text: 'low disk', alertMetric: 'FreeStorageSpace', resourceTypes: ['aws.rds.instance'] })).toContain('capacity');
    expect(classifySymptoms({ text: 'what about orders-queue?', resourceTypes: ['aws.sqs.queue'] })).toEqual(['backlog']);
    expect(classifySymptoms({ text: 'tell me about the load balancer', resourceTypes: ['aws.ecs.service'] })).toEqual(['unknown']);
  });
});

// ── metric meanings and the state vocabulary ────────────────────────────────

describe('metric meanings', () => {
  it('says which symptom each metric measures and whether its threshold is a ceiling or a floor, per provider', () => {
    expect(metricRole('aws.rds.instance', 'FreeStorageSpace')).toEqual({ meaning: 'capacity', bound: 'lower' });
    expect(metricRole('azure.compute.vm', 'Available Memory Bytes')).toEqual({ meaning: 'capacity', bound: 'lower' });
    expect(metricRole('aws.elbv2.loadbalancer', 'TargetResponseTime')).toEqual({ meaning: 'latency', bound: 'upper' });
    expect(metricRole('gcp.compute.instance', 'cpu/utilization')).toEqual({ meaning: 'saturation', bound: 'upper' });
    // Unlisted metrics fall back on their names.
    expect(metricRole('aws.elasticache.cluster', 'EngineCPUUtilization').meaning).toBe('saturation');
    expect(metricRole('custom.thing', 'UnHealthyHostCount')).toEqual({ meaning: 'availability', bound: 'upper' });
    expect(metricRole('custom.thing', 'HealthyHostCount').bound).toBe('lower');
    expect(sameMetric('compute.googleapis.com/instance/cpu/utilization', 'cpu/utilization')).toBe(true);
    expect(sameMetric('Percentage CPU', 'percentage_cpu')).toBe(true);
    expect(sameMetric('CPUUtilization', 'MemoryUtilization')).toBe(false);
  });

  it('one state vocabulary for every provider: online, ready, succeeded and runnable are healthy everywhere', () => {
    expect(stateClass('azure', 'Online')).toBe('healthy');
    expect(stateClass('azure', 'Ready')).toBe('healthy');
    expect(stateClass('azure', 'Succeeded')).toBe('healthy');
    expect(stateClass('gcp', 'RUNNABLE')).toBe('healthy');
    expect(stateClass('aws', 'degraded')).toBe('troubled');
    expect(stateClass('azure', 'VM deallocated')).toBe('troubled');
    expect(stateClass('aws', 'modifying')).toBe('transitional');
    expect(stateClass('gcp', 'unknown')).toBe('unknown');
  });
});

// ── walk ────────────────────────────────────────────────────────────────────

describe('evidence walk', () => {
  const tg = resource('web-tg', 'aws.elbv2.targetgroup');
  const cluster = resource('web-cluster', 'aws.ecs.cluster');
  const subnet = resource('private-a', 'aws.ec2.subnet');
  const n = (r: CloudResource, depth: number, via: Neighbour['via']): Neighbour => ({ resource: r, depth, via });
  const apiView: NeighbourhoodView = {
    resource: api,
    dependencies: [n(db, 1, 'DEPENDS_ON'), n(queue, 1, 'DEPENDS_ON'), n(subnet, 1, 'ATTACHED_TO')],
    dependents: [n(tg, 1, 'ROUTES_TO'), n(cluster, 1, 'CONTAINS'), n(alb, 2, 'ROUTES_TO')],
  };
  const queueView: NeighbourhoodView = { resource: queue, dependencies: [], dependents: [n(api, 1, 'DEPENDS_ON'), n(worker, 1, 'DEPENDS_ON')] };

  it('latency: the entry points in front (farthest first), the subject, what it runs on, then its dependencies; never placement', () => {
    const walk = planWalk({ subjects: [api], symptoms: ['latency'], views: new Map([[api.id, apiView]]) });
    expect(walk.map((w) => [w.resource.name, w.role])).toEqual([
      ['web-alb', 'entry'], ['web-tg', 'entry'], ['web-api', 'subject'], ['web-cluster', 'dependency'], ['web-db', 'dependency'], ['jobs-queue', 'dependency'],
    ]);
  });

  it('saturation: the resource and what it calls, no entry points', () => {
    const walk = planWalk({ subjects: [api], symptoms: ['saturation'], views: new Map([[api.id, apiView]]) });
    expect(walk.some((w) => w.role === 'entry')).toBe(false);
    expect(walk.map((w) => w.resource.name)).toContain('web-db');
  });

  it('backlog: the queue, its consumers and its producers', () => {
    const walk = planWalk({ subjects: [queue], symptoms: ['backlog'], views: new Map([[queue.id, queueView]]) });
    expect(walk.map((w) => [w.resource.name, w.role, w.relation])).toEqual([
      ['jobs-queue', 'subject', 'named'], ['jobs-worker', 'consumer', 'consumer of jobs-queue'], ['web-api', 'producer', 'producer of jobs-queue'],
    ]);
  });

  it('a backlog behind the subject: the queue\'s consumers join the walk; the limit caps it', () => {
    const walk = planWalk({ subjects: [api], symptoms: ['backlog'], views: new Map([[api.id, apiView], [queue.id, queueView]]) });
    expect(walk.find((w) => w.resource.name === 'jobs-worker')?.role).toBe('consumer');
    expect(planWalk({ subjects: [api], symptoms: ['latency'], views: new Map([[api.id, apiView]]), limit: 2 })).toHaveLength(2);
  });
});

// ── hypotheses ──────────────────────────────────────────────────────────────

describe('ranked hypotheses', () => {
  const albLatency = (to = 2.5) => series(alb, 'TargetResponseTime', ramp(0.3, to), { threshold: 1, unit: 'Seconds' });
  const nodes = [node(alb, 'entry', 1, 'in front of web-api'), node(api, 'subject'), node(db, 'dependency', 1, 'web-api depends on it')];

  it('names the cause behind the entry point\'s symptom, with its chain, and rules out the healthy', () => {
    const ranking = rank(nodes, [albLatency(), series(api, 'CPUUtilization', ramp(40, 95), { threshold: 80 }), series(db, 'CPUUtilization', ramp(40, 42), { threshold: 80 })]);
    expect(ranking.verdict).toBe('cause');
    expect(ranking.hypotheses[0]).toMatchObject({ resourceName: 'web-api', metric: 'CPUUtilization', role: 'subject' });
    expect(ranking.hypotheses[0]?.chain).toEqual([expect.stringMatching(/^web-alb TargetResponseTime 2\.5 s \(> 1 s for \d+ min\)$/), expect.stringMatching(/^web-api CPUUtilization 95% \(> 80% for \d+ min\)$/)]);
    expect(ranking.ruledOut.map((r) => r.resourceName)).toEqual(['web-db']);
  });

  it('a threshold may be a floor: free storage below it is the cause', () => {
    const free = series(db, 'FreeStorageSpace', ramp(50e9, 2e9), { threshold: 10e9, unit: 'Bytes', bound: 'lower' });
    const ranking = rank([node(db, 'subject')], [free], { symptoms: ['capacity'] });
    expect(ranking.hypotheses[0]).toMatchObject({ resourceName: 'web-db', metric: 'FreeStorageSpace' });
    expect(ranking.hypotheses[0]?.evidence[0]).toMatchObject({ bound: 'lower', breached: true });
    expect(ranking.hypotheses[0]?.evidence[0]?.text).toMatch(/^FreeStorageSpace 1\.9 GB \(< 9\.3 GB for \d+ min\)$/);
    // The same values as a ceiling would be healthy.
    expect(rank([node(db, 'subject')], [series(db, 'FreeStorageSpace', ramp(50e9, 2e9), { threshold: 10e9, unit: 'Bytes', bound: 'upper' })]).verdict).toBe('healthy');
  });

  it('onset order: what went bad first wins between two breaches', () => {
    // The database broke 25 minutes ago, the service 8 minutes ago.
    const ranking = rank(nodes, [albLatency(), series(api, 'CPUUtilization', ramp(40, 92, 60, 8), { threshold: 80 }), series(db, 'CPUUtilization', ramp(40, 92, 60, 25), { threshold: 80 })]);
    expect(ranking.hypotheses[0]).toMatchObject({ resourceName: 'web-db', metric: 'CPUUtilization' });
    expect(ranking.hypotheses[0]?.reasons.join(' ')).toMatch(/went bad first/);
  });

  it('ambiguous: two causes as likely as each other, and what would tell them apart', () => {
    const ranking = rank(nodes, [albLatency(), series(api, 'CPUUtilization', ramp(40, 92), { threshold: 80 }), series(db, 'CPUUtilization', ramp(40, 92), { threshold: 80 })]);
    expect(ranking.verdict).toBe('ambiguous');
    expect(ranking.hypotheses.slice(0, 2).map((h) => h.resourceName).sort()).toEqual(['web-api', 'web-db']);
    expect(ranking.discriminator).toMatch(/^Two causes remain: web-(api|db) CPUUtilization and web-(api|db) CPUUtilization\./);
  });

  it('healthy when nothing is off, unknown when nothing could be read, and a collapsed load is a hang', () => {
    expect(rank(nodes, [series(api, 'CPUUtilization', ramp(40, 41), { threshold: 80 })]).verdict).toBe('healthy');
    expect(rank(nodes, []).verdict).toBe('unknown');
    expect(rankHypotheses({ symptoms: ['latency'], nodes: [], summaries: [], series: [] }).verdict).toBe('unknown');
    const hung = series(api, 'CPUUtilization', step(60, 0, 60, 15), { threshold: 80 });
    const ranking = rank([node(api, 'subject')], [hung], { symptoms: ['availability'] });
    expect(ranking.hypotheses[0]).toMatchObject({ resourceName: 'web-api', symptom: 'availability' });
    expect(ranking.hypotheses[0]?.evidence[0]?.text).toMatch(/collapsed from baseline/);
  });

  it('approaching a threshold while rising counts; far below it does not', () => {
    const near = summarizeSeries(series(api, 'CPUUtilization', ramp(50, 77), { threshold: 85 }), 'web-api', 60, 'recorded');
    const far = summarizeSeries(series(api, 'CPUUtilization', ramp(50, 60), { threshold: 85 }), 'web-api', 60, 'recorded');
    expect(near && readEvidence(near, api.type, undefined).level).toBe('approaching');
    expect(far && readEvidence(far, api.type, undefined).level).toBe('ok');
  });
});

// ── rules ───────────────────────────────────────────────────────────────────

describe('runbook rules: the `when` grammar', () => {
  it('parses every production', () => {
    expect(parseCondition('self.CPUUtilization > 80')).toMatchObject({ kind: 'metric', subject: { relation: 'self' }, metric: 'CPUUtilization', op: '>', value: 80 });
    expect(parseCondition('self.CPUUtilization >= 80.5 for 5m')).toMatchObject({ op: '>=', value: 80.5, forMinutes: 5 });
    expect(parseCondition('self.FreeStorageSpace < 1 for 2h')).toMatchObject({ op: '<', forMinutes: 120 });
    expect(parseCondition('self.x <= 0.5')).toMatchObject({ op: '<=', value: 0.5 });
    expect(parseCondition('self.state == degraded')).toMatchObject({ kind: 'state', negate: false, words: ['degraded'] });
    expect(parseCondition('self.state != running')).toMatchObject({ kind: 'state', negate: true, words: ['running'] });
    expect(parseCondition('self.state in (degraded, impaired)')).toMatchObject({ kind: 'state', words: ['degraded', 'impaired'] });
    for (const relation of ['dependency', 'dependent', 'consumer', 'producer']) {
      expect(parseCondition(`${relation}(aws.rds.instance).CPUUtilization < 70`)).toMatchObject({ subject: { relation, type: 'aws.rds.instance' } });
    }
    expect(parseCondition('self.a > 1 and self.b > 2 or self.c > 3')).toMatchObject({ kind: 'or', items: [{ kind: 'and' }, { kind: 'metric', metric: 'c' }] });
    expect(parseCondition('self.a > 1 and (self.b > 2 or self.c > 3)')).toMatchObject({ kind: 'and', items: [{ metric: 'a' }, { kind: 'or' }] });
    expect(parseCondition('not not self.a > 1')).toMatchObject({ kind: 'not', item: { kind: 'not', item: { metric: 'a' } } });
    // Provider metric names as the catalog spells them, spaces and paths included.
    expect(parseCondition('self.Percentage CPU > 90')).toMatchObject({ metric: 'Percentage CPU' });
    expect(parseCondition('self.compute.googleapis.com/instance/cpu/utilization>0.9')).toMatchObject({ metric: 'compute.googleapis.com/instance/cpu/utilization', value: 0.9 });
  });

  it('reports what was expected, and where', () => {
    const errors = ['self.CPUUtilization >', 'self.CPUUtilization > 80 for', 'self.CPUUtilization > 80 for 5s', 'host.CPU > 1', 'dependency(rds).CPU < 2', 'self.state = running', '(self.a > 1', 'self.a > 1 and', 'self.a > 1 self.b > 2', 'self.state in (a,', 'self. > 1', 'self.a > x'];
    for (const text of errors) {
      const result = checkCondition(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.column, text).toBeGreaterThan(0);
    }
    expect(checkCondition('self.CPUUtilization > 80 for')).toMatchObject({ ok: false, message: 'expected a duration such as 5m or 1h, found the end at column 29' });
    expect(checkCondition('dependency(rds).CPU < 2')).toMatchObject({ ok: false, column: 12 });
  });

  it('a bad rule fails at ingest with the runbook file and line', () => {
    const markdown = ['---', 'id: bad', 'title: Bad', 'actions:', '  - kind: aws.ecs.scale', '    params: { desiredCount: 6 }', '    when: "self.CPUUtilization >> 80"', '---', '# Bad'].join('\n');
    expect(() => parseRunbook(markdown, 'runbooks/bad.md')).toThrow(/^runbooks\/bad\.md:7: invalid front matter:\n {2}- actions\.0\.when \(line 7\): invalid condition: /);
  });

  const context = (target: CloudResource, related: Record<string, CloudResource[]>, all: MetricSeries[]): RuleContext => ({
    target, related: (relation) => related[relation] ?? [], series: (id, metric) => findSeries(all, id, metric),
  });

  it('evaluates three-valued: holds, fails, unknown (no such neighbour, no data, too short for the duration)', () => {
    const cpu = series(api, 'CPUUtilization', step(40, 95, 60, 10), { threshold: 80 });
    const dbCpu = series(db, 'CPUUtilization', ramp(40, 45), { threshold: 80 });
    const ctx = context(api, { dependency: [db] }, [cpu, dbCpu]);
    const holds = evaluateCondition(parseCondition('self.CPUUtilization > 80 for 5m and dependency(aws.rds.instance).CPUUtilization < 70'), ctx);
    expect(holds.outcome).toBe('holds');
    expect(holds.explanation[0]).toMatch(/^web-api CPUUtilization 95 > 80 for 5m: holds$/);
    expect(evaluateCondition(parseCondition('self.CPUUtilization > 80 for 30m'), ctx).outcome).toBe('fails');
    expect(evaluateCondition(parseCondition('self.CPUUtilization > 80 for 3h'), ctx).outcome).toBe('unknown');
    expect(evaluateCondition(parseCondition('consumer(aws.lambda.function).Throttles > 0'), ctx).outcome).toBe('unknown');
    expect(evaluateCondition(parseCondition('self.MemoryUtilization > 80'), ctx).outcome).toBe('unknown');
    // Kleene logic: unknown and false is false, unknown or true is true, not unknown is unknown.
    expect(evaluateCondition(parseCondition('self.MemoryUtilization > 80 and self.CPUUtilization < 10'), ctx).outcome).toBe('fails');
    expect(evaluateCondition(parseCondition('self.MemoryUtilization > 80 or self.CPUUtilization > 90'), ctx).outcome).toBe('holds');
    expect(evaluateCondition(parseCondition('not self.MemoryUtilization > 80'), ctx).outcome).toBe('unknown');
    expect(evaluateCondition(parseCondition('not self.CPUUtilization > 90'), ctx).outcome).toBe('fails');
  });

  it('a subject matching several resources holds if it holds for any; states match by word or by class', () => {
    const other = resource('web-db-2', 'aws.rds.instance');
    const all = [series(db, 'CPUUtilization', ramp(40, 45)), series(other, 'CPUUtilization', ramp(40, 95))];
    const ctx = context(resource('x', 'aws.ecs.service', { state: 'degraded' }), { dependency: [db, other] }, all);
    expect(evaluateCondition(parseCondition('dependency(aws.rds.instance).CPUUtilization > 90'), ctx).outcome).toBe('holds');
    expect(evaluateCondition(parseCondition('self.state in (degraded, impaired)'), ctx).outcome).toBe('holds');
    expect(evaluateCondition(parseCondition('self.state == troubled'), ctx).outcome).toBe('holds');
    expect(evaluateCondition(parseCondition('self.state != degraded'), ctx).outcome).toBe('fails');
  });
});

// ── actions: one per cause, only when the rule holds ────────────────────────

describe('runbook decisions', () => {
  const runbook = {
    id: 'svc-latency', title: 'Service latency', resourceTypes: ['aws.ecs.service'], services: [], tags: [], severity: 'high' as const,
    body: '## Diagnosis\nLook.\n## Mitigation\n- CPU-bound: `aws.ecs.scale`.\n- Wedged: `aws.ecs.redeploy`.',
    actions: [
      { kind: 'aws.ecs.scale', params: { desiredCount: 6 }, when: 'self.CPUUtilization > 80 for 5m and dependency(aws.rds.instance).CPUUtilization < 70' },
      { kind: 'aws.ecs.redeploy', params: {}, when: 'self.state in (degraded) and self.CPUUtilization < 50' },
      { kind: 'aws.ecs.redeploy', params: {} },
    ],
  };
  const targetsOf = (kind: string): string[] | undefined => (kind.startsWith('aws.ecs.') ? ['aws.ecs.service'] : undefined);
  const nodes = [node(api, 'subject'), node(db, 'dependency', 1)];

  function decide(apiCpu: number, dbCpu: number) {
    const all = [series(api, 'CPUUtilization', step(40, apiCpu), { threshold: 80 }), series(db, 'CPUUtilization', step(40, dbCpu), { threshold: 80 })];
    const ranking = rank(nodes, all, { symptoms: ['saturation'] });
    return { ranking, decision: decideActions({ ranking, runbooks: [runbook], targetsOf, resources: new Map([[api.id, api], [db.id, db]]), related: (id, relation) => (id === api.id && relation === 'dependency' ? [db] : []), series: all }) };
  }

  it('proposes the one action whose rule holds on the likely cause, and says which rules did not', () => {
    const { decision } = decide(95, 45);
    expect(decision.rules.map((r) => [r.actionKind, r.outcome])).toEqual([['aws.ecs.scale', 'holds'], ['aws.ecs.redeploy', 'fails'], ['aws.ecs.redeploy', 'holds']]);
    expect(decision.chosen).toEqual([0]);
    expect(decision.rules[0]?.section).toBe('Mitigation');
  });

  it('a question that only asks never proposes (hypotheticals, show and list)', () => {
    for (const q of ['what would break if orders-queue went down?', 'show me the metrics of checkout-api', 'what if checkout-db goes down', 'what depends on checkout-db?', 'list the queues']) expect(asksOnly(q), q).toBe(true);
    for (const q of ['why is checkout-api slow?', 'checkout-api is down, fix it', 'is orders-queue backing up?']) expect(asksOnly(q), q).toBe(false);
  });

  it('proposes nothing when the evidence is ambiguous, or nothing is wrong', () => {
    expect(decide(92, 92).ranking.verdict).toBe('ambiguous');
    expect(decide(92, 92).decision.chosen).toEqual([]);
    expect(decide(45, 45).decision).toEqual({ rules: [], chosen: [] });
  });
});

// ── rendering ───────────────────────────────────────────────────────────────

describe('rendering', () => {
  it('leads with the cause and its chain, then ruled out and not checked; says plainly when all is healthy', () => {
    const all = [series(alb, 'TargetResponseTime', ramp(0.3, 2.4), { threshold: 1, unit: 'Seconds' }), series(api, 'CPUUtilization', ramp(40, 92), { threshold: 80 }), series(db, 'CPUUtilization', ramp(40, 44), { threshold: 80 })];
    const walk = [node(alb, 'entry', 1, 'in front of web-api'), node(api, 'subject'), node(db, 'dependency', 1)];
    const ranking = rank(walk, all);
    const out = renderDiagnosis({ diagnosis: { ...ranking, rules: [] }, subjects: [api], walk, runbooks: [] });
    expect(out.summary).toMatch(/^Likely cause: web-api CPUUtilization 92% \(> 80% for \d+ min\)$/);
    const lines = out.markdown.split('\n');
    expect(lines[0]).toMatch(/^\*Likely cause: web-api/);
    expect(lines[1]).toMatch(/^web-alb TargetResponseTime 2\.4 s \(> 1 s for \d+ min\), because web-api CPUUtilization 92%/);
    expect(out.markdown).toMatch(/\*Ruled out:\* web-db \(healthy: CPUUtilization 44%/);
    expect(out.markdown).toMatch(/\*Not checked:\*.*recent deployments/);

    const calm = rank(walk, [series(api, 'CPUUtilization', ramp(40, 41), { threshold: 80 })]);
    const healthy = renderDiagnosis({ diagnosis: { ...calm, rules: [] }, subjects: [api], walk, runbooks: [] });
    expect(healthy.summary).toBe('web-api looks healthy: nothing on the path is past its threshold or off its baseline');
    expect(healthy.markdown).toMatch(/^\*Nothing is wrong that I can see\.\*/);
  });

  it('excerpts a runbook section at a line, closing a code block it cut', () => {
    const text = ['Steps:', '```sh', ...Array.from({ length: 40 }, (_, i) => `aws ecs describe-services --cluster c --services s${i}`), '```'].join('\n');
    const cut = excerpt(text, 300);
    expect(cut.length).toBeLessThan(400);
    expect(cut.split('\n').filter((l) => l.startsWith('```'))).toHaveLength(2);
    expect(cut.endsWith('…')).toBe(true);
  });
});
