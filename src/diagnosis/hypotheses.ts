import type { MetricSeries, MetricSummary } from '../metrics/source.ts';
import { isTroubledState } from '../stores/resource-state.ts';
import { causePrior, sameMetric } from './metric-meanings.ts';
import { isQueueType } from './symptoms.ts';
import { readEvidence, type ReadEvidence } from './evidence.ts';
import type { Diagnosis, Hypothesis, PathRole, RuledOut, Symptom } from './types.ts';
import type { WalkNode } from './walk.ts';

/**
 * Ranks candidate causes from the walk's evidence. Each resource's worst metric is scored by how
 * bad it is (a sustained, large breach beats an approach to the threshold, which beats a bare
 * departure from baseline), by what it means (saturation, throttling and availability name causes;
 * latency, errors and backlog are more often effects), by where it sits on the path (the entry point
 * in front shows the symptom; the subject, its dependencies and a queue's consumers cause it) and by
 * onset (what went bad first). Pure and deterministic.
 */
export interface HypothesisInput {
  symptoms: readonly Symptom[];
  nodes: readonly WalkNode[];
  summaries: readonly MetricSummary[];
  series: readonly MetricSeries[];
  /** A firing alert's resources and metric: the alert says that metric is bad even if our window disagrees. */
  alert?: { resourceIds: readonly string[]; metric?: string; observed?: number };
  /** Resources a resolved alert named: a recorded troubled state there is taken as stale when the metrics are healthy. */
  recovered?: readonly string[];
  /** Lines on what could not be read (metric failures, store outages). */
  unavailable?: readonly string[];
}

export type Ranking = Omit<Diagnosis, 'rules'>;

const rolePrior: Record<PathRole, number> = { subject: 1, dependency: 1, consumer: 1, producer: 0.75, entry: 0.55, dependent: 0.6, 'off-path': 0.3 };
/** The second cause is as likely as the first when it scores at least this share of it. */
const ambiguityRatio = 0.85;

export function rankHypotheses(input: HypothesisInput): Ranking {
  const symptoms = [...input.symptoms];
  const notChecked: string[] = [...(input.unavailable ?? [])];
  if (input.nodes.length === 0) {
    return { symptoms, verdict: 'unknown', hypotheses: [], ruledOut: [], notChecked: [...notChecked, 'No resource in this channel\'s accounts matched, so nothing could be checked.'] };
  }
  const seriesOf = (s: MetricSummary): MetricSeries | undefined => input.series.find((x) => x.resourceId === s.resourceId && x.metric === s.metric);
  const hypotheses: Hypothesis[] = [];
  const ruledOut: RuledOut[] = [];
  const evidenceByResource = new Map<string, ReadEvidence[]>();
  /** Each hypothesis's evidence as read (with meanings and severities), worst first. */
  const read_ = new Map<Hypothesis, ReadEvidence[]>();
  let read = 0;

  for (const node of input.nodes) {
    const own = input.summaries.filter((s) => s.resourceId === node.resource.id);
    const evidence = own.map((s) => readEvidence(s, node.resource.type, seriesOf(s)));
    if (input.alert?.resourceIds.includes(node.resource.id) && input.alert.metric) {
      const alertMetric = input.alert.metric;
      const observed = input.alert.observed === undefined ? '' : ` (observed ${input.alert.observed})`;
      for (const e of evidence) {
        if (sameMetric(e.metric, alertMetric) && e.severity < 0.6) Object.assign(e, { severity: 0.6, level: 'breached', text: `${e.metric} alert firing${observed}; the latest reading here is ${e.text.slice(e.metric.length + 1)}` });
      }
    }
    evidenceByResource.set(node.resource.id, evidence);
    if (own.length) read += 1;
    const bad = evidence.filter((e) => e.severity > 0).sort((a, b) => weight(b) - weight(a));
    // The estate's state is a crawl-time snapshot: a resolved alert with healthy metrics outranks it.
    const troubled = isTroubledState(node.resource.provider, node.resource.state) && !(bad.length === 0 && own.length > 0 && input.recovered?.includes(node.resource.id));
    const alerted = input.alert?.resourceIds.includes(node.resource.id) ?? false;
    // A firing alert on a metric we could not read here still says something is wrong.
    const alertUnread = alerted && !evidence.some((e) => input.alert?.metric !== undefined && sameMetric(e.metric, input.alert.metric));
    if (bad.length === 0 && !troubled && !alertUnread) {
      if (own.length === 0) {
        if (node.role !== 'dependency' || node.depth <= 1 || !/ runs on it/.test(node.relation)) notChecked.push(`${node.resource.name} (${node.resource.type}): no metrics in the window`);
      } else {
        ruledOut.push({ resourceId: node.resource.id, resourceName: node.resource.name, reason: healthyReason(evidence) });
      }
      continue;
    }
    const top = bad[0];
    const reasons: string[] = [];
    let score: number;
    if (top) {
      score = weight(top) * rolePrior[node.role];
      if (node.role === 'dependency' && top.meaning === 'backlog' && isQueueType(node.resource.type)) {
        // A queue's depth does not slow the service that writes to it: a separate problem, not this one's cause.
        score *= 0.5;
        reasons.push('a backlog downstream, which does not slow its producers');
      }
      reasons.push(top.level === 'breached' ? 'past its threshold' : top.level === 'approaching' ? 'approaching its threshold and off its baseline' : top.level === 'collapsed' ? 'its load fell to about zero (hung, or no work reaches it)' : 'off its baseline');
      const more = bad.length - 1;
      if (more > 0) {
        score += Math.min(0.1, 0.05 * more);
        reasons.push(`${more} more metric(s) bad`);
      }
      if (troubled) {
        score += 0.05;
        reasons.push(`state ${node.resource.state}`);
      }
    } else {
      // No bad metric: a troubled state (or a firing alert with no data) is the evidence. A state
      // contradicted by healthy metrics counts for less: it may be older than the metrics.
      score = (own.length > 0 && !alertUnread ? 0.3 : 0.5) * rolePrior[node.role];
      reasons.push(alertUnread
        ? `alert firing${input.alert?.metric ? ` on ${input.alert.metric}` : ''}, which could not be read here`
        : `state ${node.resource.state}${own.length > 0 ? ' (its metrics look healthy)' : ''}`);
    }
    reasons.push(roleReason(node));
    const hypothesis: Hypothesis = {
      resourceId: node.resource.id, resourceName: node.resource.name, resourceType: node.resource.type,
      ...(top ? { metric: top.metric } : alertUnread && input.alert?.metric ? { metric: input.alert.metric } : {}),
      symptom: top ? symptomOf(top.meaning, symptoms) : (troubled ? 'availability' : symptoms[0] ?? 'unknown'),
      role: node.role, score: round(Math.min(1, score)), chain: [], evidence: bad, reasons,
    };
    read_.set(hypothesis, bad);
    hypotheses.push(hypothesis);
  }

  applyOnset(hypotheses, read_);
  hypotheses.sort((a, b) => b.score - a.score || rankOfRole(a.role) - rankOfRole(b.role) || a.resourceName.localeCompare(b.resourceName));
  const evidenceOf = (h: Hypothesis): ReadEvidence[] => read_.get(h) ?? [];
  for (const h of hypotheses) h.chain = chainOf(h, hypotheses, input.nodes, symptoms, evidenceOf);

  if (read === 0 && hypotheses.length === 0) {
    return { symptoms, verdict: 'unknown', hypotheses, ruledOut, notChecked: [...notChecked, 'No metrics could be read for the resources on the path.'] };
  }
  if (hypotheses.length === 0) return { symptoms, verdict: 'healthy', hypotheses, ruledOut, notChecked };
  const [first, second] = hypotheses as [Hypothesis, Hypothesis | undefined];
  if (second && second.resourceId !== first.resourceId && second.score >= ambiguityRatio * first.score && !explains(first, second, evidenceOf)) {
    return { symptoms, verdict: 'ambiguous', hypotheses, ruledOut, notChecked, discriminator: discriminate(first, second, evidenceOf) };
  }
  return { symptoms, verdict: 'cause', hypotheses, ruledOut, notChecked };
}

function weight(e: ReadEvidence): number {
  return e.severity * causePrior(e.meaning);
}

/** What went bad first is the likelier cause: the earliest onset, clearly ahead, gets a bonus. */
function applyOnset(hypotheses: Hypothesis[], evidence: ReadonlyMap<Hypothesis, readonly ReadEvidence[]>): void {
  const onsets = hypotheses
    .map((h) => ({ h, onset: evidence.get(h)?.[0]?.onsetMinutesAgo }))
    .filter((x): x is { h: Hypothesis; onset: number } => x.onset !== undefined)
    .sort((a, b) => b.onset - a.onset);
  const [earliest, next] = onsets;
  if (!earliest || !next || earliest.onset - next.onset < 3) return;
  earliest.h.score = round(Math.min(1, earliest.h.score + 0.1));
  earliest.h.reasons.push(`went bad first, ${earliest.onset} min ago (${next.h.resourceName} ${next.onset} min ago)`);
}

/**
 * An entry point's (or the subject's) latency or errors are explained by a cause behind it: a
 * symptom on the path in front of the top cause does not make the answer ambiguous.
 */
function explains(first: Hypothesis, second: Hypothesis, evidenceOf: (h: Hypothesis) => readonly ReadEvidence[]): boolean {
  const effect = (h: Hypothesis): boolean => ['latency', 'errors', 'backlog'].includes(evidenceOf(h)[0]?.meaning ?? '');
  const position = (h: Hypothesis): number => (h.role === 'entry' ? 0 : h.role === 'subject' ? 1 : 2);
  return effect(second) && position(second) < position(first);
}

/** What would tell the top two apart. */
function discriminate(a: Hypothesis, b: Hypothesis, evidenceOf: (h: Hypothesis) => readonly ReadEvidence[]): string {
  const ea = evidenceOf(a)[0];
  const eb = evidenceOf(b)[0];
  const what = (h: Hypothesis, e: ReadEvidence | undefined): string => `${h.resourceName}${e ? ` ${e.metric}` : ` (${h.reasons[0] ?? 'state'})`}`;
  const onsets = ea?.onsetMinutesAgo !== undefined && eb?.onsetMinutesAgo !== undefined
    ? ` They went bad ${ea.onsetMinutesAgo} and ${eb.onsetMinutesAgo} min ago, too close to order at this resolution.`
    : '';
  const downstream = a.role === 'dependency' || b.role === 'dependency';
  const hint = downstream
    ? `If the dependency is the bottleneck, the caller's time is spent waiting on it (its latency rises first and the caller's CPU stays moderate); if the caller is short of capacity, the dependency's load follows the caller's request rate. Compare their 1-minute series around the onset, or the caller's traces for time spent in the dependency.`
    : `Compare their 1-minute series around the onset, and check which one's recent change (deployment, configuration, traffic) came first.`;
  return `Two causes remain: ${what(a, ea)} and ${what(b, eb)}.${onsets} ${hint}`;
}

function chainOf(h: Hypothesis, all: readonly Hypothesis[], nodes: readonly WalkNode[], symptoms: readonly Symptom[], evidenceOf: (h: Hypothesis) => readonly ReadEvidence[]): string[] {
  const chain: string[] = [];
  // The symptom as users meet it: an entry point's (else the subject's) bad metrics of the symptom asked about.
  const isSymptom = (e: ReadEvidence): boolean => symptoms.includes(e.meaning as Symptom) && ['latency', 'errors', 'backlog', 'availability'].includes(e.meaning);
  const front = all
    .filter((x) => x !== h && (x.role === 'entry' || x.role === 'subject') && evidenceOf(x).some(isSymptom))
    .sort((a, b) => rankOfRole(b.role) - rankOfRole(a.role))[0];
  if (front) {
    // The symptom asked about first ("slow": latency before 5xx), then the other user-facing one.
    const shown = evidenceOf(front).filter((e) => ['latency', 'errors'].includes(e.meaning) || isSymptom(e))
      .sort((a, b) => Number(isSymptom(b)) - Number(isSymptom(a))).slice(0, 2);
    if (shown.length) chain.push(`${front.resourceName} ${shown.map((e) => e.text).join(' and ')}`);
  }
  const node = nodes.find((n) => n.resource.id === h.resourceId);
  if (node && node.depth >= 2 && node.role === 'dependency') {
    // A bad hop between the symptom and a deep cause belongs in the chain.
    const between = all.find((x) => x !== h && x !== front && x.role === 'dependency' && nodes.find((n) => n.resource.id === x.resourceId)?.depth === 1);
    const e = between?.evidence[0];
    if (between && e) chain.push(`${between.resourceName} ${e.text}`);
  }
  const own = h.evidence[0];
  chain.push(own ? `${h.resourceName} ${own.text}` : `${h.resourceName} ${h.reasons[0] ?? ''}`.trim());
  return chain;
}

function symptomOf(meaning: ReadEvidence['meaning'], asked: readonly Symptom[]): Symptom {
  if (meaning === 'traffic' || meaning === 'other') return asked[0] ?? 'unknown';
  return meaning;
}

function roleReason(node: WalkNode): string {
  switch (node.role) {
    case 'entry': return `entry point (${node.relation})`;
    case 'subject': return 'the resource asked about';
    case 'consumer': return node.relation;
    case 'producer': return node.relation;
    case 'dependency': return `on the path (${node.relation})`;
    default: return node.relation;
  }
}

function rankOfRole(role: PathRole): number {
  return { subject: 0, consumer: 1, dependency: 2, producer: 3, entry: 4, dependent: 5, 'off-path': 6 }[role];
}

function healthyReason(evidence: readonly ReadEvidence[]): string {
  const shown = [...evidence].sort((a, b) => Number(b.threshold !== undefined) - Number(a.threshold !== undefined)).slice(0, 2);
  return `healthy: ${shown.map((e) => e.text).join(', ')}`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
