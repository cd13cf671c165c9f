import type { ApprovalRequest } from '../approvals/types.ts';
import { findActionKind } from '../approvals/catalog.ts';
import { alreadyPendingNote } from '../approvals/notices.ts';
import { decideActions } from '../diagnosis/actions.ts';
import { rankHypotheses } from '../diagnosis/hypotheses.ts';
import { classifySymptoms, isQueueType } from '../diagnosis/symptoms.ts';
import type { Diagnosis, Symptom } from '../diagnosis/types.ts';
import { isConsumer, isEntryType, planWalk, type NeighbourhoodView, type WalkNode } from '../diagnosis/walk.ts';
import type { Reply } from '../reply.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Runbook, RunbookHit } from '../stores/runbooks.ts';
import type { Toolset } from '../../tools/index.ts';
import type { DependencyView } from '../../tools/resource-graph/dependencies.ts';
import type { MetricsView } from '../../tools/metrics/get-metrics.ts';
import { Degradations } from './evidence.ts';
import type { EvidencePack, SuggestedAction } from './evidence-pack.ts';
import { renderEvidence, type Proposals } from './investigation-render.ts';
import { chartOf, diagramPart } from './reply-parts.ts';

/**
 * An investigation (question or alert), stage by stage: find the subject, classify the symptoms,
 * walk the graph by symptom, read the walk's metrics, rank the causes, let the runbooks' rules
 * decide which action (if any) the evidence supports, and render. The deterministic planner answers
 * with it; the LLM agent starts from its evidence pack. The stages themselves are the pure functions
 * of src/diagnosis/; this module only fetches what they need.
 */

const maxPrimary = 2;
const metricWindowMinutes = 60;
/** The metrics tool reads at most ten resources in one batched call. */
const maxWalk = 10;
const maxRunbooks = 3;

const stopWords = new Set(['the', 'and', 'why', 'what', 'how', 'is', 'are', 'was', 'our', 'its', 'with', 'from', 'this', 'that', 'slow', 'down', 'high', 'failing', 'errors', 'error', 'broken', 'wrong', 'does', 'did', 'not', 'for', 'about']);

export interface EvidenceOptions {
  /** Start from these resources instead of finding the ones the question names (alerts name theirs). */
  primary?: CloudResource[];
  /** Resource ids to treat as troubled whatever their metrics say (a firing alert's resources). */
  troubled?: ReadonlySet<string>;
  /** Runbook search text, when it should differ from the question. */
  runbookQuery?: string;
  /** The metric a firing alert names: it sets the symptom and counts as bad on the alert's resources. */
  alertMetric?: string;
  /** The value the alert observed, when it says. */
  alertObserved?: number;
  /** The subjects are only possibly related (free-text matches of an alert): investigate, propose nothing. */
  possiblyRelated?: boolean;
  /** Resources a resolved alert named. */
  recovered?: readonly string[];
}

/** Answers a question: evidence, diagnosis, at most one proposal per cause, pictures. */
export async function investigateQuestion(question: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const pack = await gatherEvidence(question, tools);
  degraded.notes.push(...pack.degraded);
  const proposals = await proposeSuggestions(pack, tools, degraded);
  return withPictures(renderEvidence(pack, proposals), pack, tools, degraded);
}

/**
 * Gathers the evidence and the diagnosis for a question, in parallel where it can. Proposes nothing
 * and never throws: what fails is listed in `degraded`.
 */
export async function gatherEvidence(question: string, tools: Toolset, options: EvidenceOptions = {}): Promise<EvidencePack> {
  const degraded = new Degradations();
  const primary = options.primary ?? await degraded.attempt('Resource graph', [], () => findPrimary(question, tools));
  // An entry point (load balancer, gateway) sits two hops further from the databases behind it.
  const viewList = await Promise.all(primary.map((r) => degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: r.id, depth: isEntryType(r.type) ? 4 : 3 }))));
  const views = new Map<string, NeighbourhoodView>();
  primary.forEach((r, i) => {
    const view = viewList[i];
    if (view?.resource) views.set(r.id, view);
  });
  const symptoms = classifySymptoms({ text: question, ...(options.alertMetric ? { alertMetric: options.alertMetric } : {}), resourceTypes: primary.map((r) => r.type) });

  // A backlog behind the subject: read the queues' own neighbourhoods for their consumers.
  if (symptoms.includes('backlog')) {
    const queues = uniqueResources(viewList.flatMap((v) => (v?.dependencies ?? []).filter((n) => n.depth === 1 && isQueueType(n.resource.type)).map((n) => n.resource)));
    await fetchViews(queues, views, tools, degraded, 1);
  }
  const walk = planWalk({ subjects: primary, symptoms, views, limit: maxWalk });
  const related = walk.map((n) => n.resource);
  const types = [...new Set(related.map((r) => r.type))];
  const query = (options.runbookQuery ?? question).slice(0, 500);
  const [metricView, hits] = await Promise.all([
    related.length ? degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resources: related.map((r) => r.id), windowMinutes: metricWindowMinutes })) : undefined,
    primary.length ? degraded.attempt('Runbook search', [], () => tools.searchRunbooks.run({ query, resourceTypes: types.slice(0, 10) })) : degraded.attempt('Runbook search', [], () => tools.searchRunbooks.run({ query })),
  ]);
  const unavailable = metricView?.failures.map((f) => `Metrics unavailable: ${f}`) ?? [];
  unavailable.forEach((f) => degraded.notes.push(f));
  const summaries = metricView?.summaries ?? [];
  const series = metricView?.series ?? [];
  const ranking = rankHypotheses({
    symptoms, nodes: walk, summaries, series: series.map((s) => s.series),
    ...(options.troubled?.size ? { alert: { resourceIds: [...options.troubled], ...(options.alertMetric ? { metric: options.alertMetric } : {}), ...(options.alertObserved === undefined ? {} : { observed: options.alertObserved }) } } : {}),
    unavailable: metricView?.failed.map((f) => `${f.resourceName}: ${f.message}`) ?? [],
    ...(options.recovered?.length ? { recovered: options.recovered } : {}),
  });

  // The runbooks for the resources on the path and for the likely cause.
  const causeTypes = [...new Set(ranking.hypotheses.slice(0, 2).map((h) => h.resourceType))].filter((t) => !hits.some((h) => h.chunk.resourceTypes.includes(t)));
  const causeHits = causeTypes.length
    ? await degraded.attempt('Runbook search', [], () => tools.searchRunbooks.run({ query: causeQuery(ranking.hypotheses[0]?.metric, symptoms, question), resourceTypes: causeTypes }))
    : [];
  const relevantHits = relevant([...hits, ...causeHits], [...types, ...causeTypes]);
  // The likely cause's runbooks first: their rules decide the action.
  const topType = ranking.hypotheses[0]?.resourceType;
  const runbookOrder = [...relevantHits].sort((a, b) => Number(topType !== undefined && b.chunk.resourceTypes.includes(topType)) - Number(topType !== undefined && a.chunk.resourceTypes.includes(topType)));
  const runbooks = await loadRunbooks(runbookOrder, tools, degraded);

  // The rules read the neighbours of each cause they are evaluated on, and those neighbours' metrics.
  const targets = ranking.hypotheses.slice(0, 2).map((h) => related.find((r) => r.id === h.resourceId)).filter((r): r is CloudResource => r !== undefined);
  await fetchViews(targets.filter((t) => !views.has(t.id)), views, tools, degraded, 1);
  const extra = await ruleMetrics(targets, runbooks, views, related, tools, degraded);
  const allSeries = [...series, ...(extra?.series ?? [])].map((s) => s.series);
  const byId = new Map(related.map((r) => [r.id, r]));
  const decision = options.possiblyRelated
    ? { rules: [], chosen: [] }
    : decideActions({
      ranking, runbooks, targetsOf: (kind) => findActionKind(kind)?.targets, resources: byId,
      related: (id, relation) => neighbours(views.get(id), relation), series: allSeries,
    });
  const diagnosis: Diagnosis = { ...ranking, rules: decision.rules };
  // A question that only asks (a hypothetical, "show me…") gets the diagnosis, never a proposal.
  const readOnly = asksOnly(question);
  const suggestions: SuggestedAction[] = (readOnly ? [] : decision.chosen).flatMap((index) => {
    const rule = decision.rules[index];
    const target = rule && byId.get(rule.targetResourceId);
    const runbook = rule && runbooks.find((r) => r.id === rule.runbookId);
    if (!rule || !target || !runbook) return [];
    const action = runbook.actions.find((a) => a.kind === rule.actionKind);
    const because = rule.when ? ` Rule matched: ${rule.when}.` : '';
    return [{
      kind: rule.actionKind, params: rule.params, target, runbookId: runbook.id, runbookTitle: runbook.title,
      reason: `${action?.reason ?? `Suggested by runbook "${runbook.title}" for ${target.name}.`}${because}`.slice(0, 500),
    }];
  });
  const noMetrics = metricView ? related.filter((r) => !summaries.some((s) => s.resourceId === r.id)) : [];
  return {
    question, primary, views: viewList, related, metricWindowMinutes, summaries, series, noMetrics,
    // The same outage met twice (two runbook searches) is one note.
    hits: relevantHits, suggestions, degraded: [...new Set(degraded.notes)], diagnosis, walk, runbooks,
    ...(options.possiblyRelated ? { possiblyRelated: true } : {}),
    ...(readOnly ? { readOnly: true } : {}),
  };
}

/**
 * Questions that only ask: hypotheticals ("what would break if X went down?") and requests to show
 * or list. The intent parser routes the commands it knows; this catches the phrasings it lets through.
 */
export function asksOnly(question: string): boolean {
  return /^\s*(show|list|display|describe|graph|chart|plot|tell me about)\b|\bwhat (would|if)\b|\bwould (break|happen|fail)\b|\bif\b.{1,80}\b(went|goes|go|were|was) (down|away|offline)\b|\bwhat depends on\b/i.test(question);
}

async function findPrimary(question: string, tools: Toolset): Promise<CloudResource[]> {
  const mentioned = await tools.findResources.run({ query: question });
  if (mentioned.length > 0) return mentioned.slice(0, maxPrimary);
  const words = question.toLowerCase().split(/[^a-z0-9_.-]+/).filter((w) => w.length >= 3 && !stopWords.has(w));
  for (const word of words) {
    const found = await tools.findResources.run({ query: word });
    if (found.length > 0) return found.slice(0, maxPrimary);
  }
  return [];
}

async function fetchViews(resources: readonly CloudResource[], views: Map<string, NeighbourhoodView>, tools: Toolset, degraded: Degradations, depth: number): Promise<void> {
  const fetched = await Promise.all(resources.map((r) => degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: r.id, depth }))));
  resources.forEach((r, i) => {
    const view = fetched[i];
    if (view?.resource) views.set(r.id, view);
  });
}

/** Direct neighbours by a rule's relation; a queue's dependents split into consumers and producers. */
function neighbours(view: NeighbourhoodView | undefined, relation: 'dependency' | 'dependent' | 'consumer' | 'producer'): CloudResource[] {
  if (!view) return [];
  const direct = (list: DependencyView['dependencies']): CloudResource[] => list.filter((n) => n.depth === 1).map((n) => n.resource);
  switch (relation) {
    case 'dependency': return direct(view.dependencies.filter((n) => n.via !== 'ATTACHED_TO'));
    case 'dependent': return direct(view.dependents.filter((n) => n.via !== 'CONTAINS'));
    case 'consumer': return direct(view.dependents.filter((n) => n.via === 'DEPENDS_ON')).filter(isConsumer);
    case 'producer': return direct(view.dependents.filter((n) => n.via === 'DEPENDS_ON')).filter((r) => !isConsumer(r));
  }
}

/** Reads the metrics a rule's `dependency(type)` (and the like) needs that the walk did not read. */
async function ruleMetrics(targets: readonly CloudResource[], runbooks: readonly Runbook[], views: ReadonlyMap<string, NeighbourhoodView>, read: readonly CloudResource[], tools: Toolset, degraded: Degradations): Promise<MetricsView | undefined> {
  const wanted = new Map<string, CloudResource>();
  for (const target of targets) {
    const conditions = runbooks.filter((rb) => rb.resourceTypes.includes(target.type)).flatMap((rb) => rb.actions.map((a) => a.when ?? ''));
    for (const relation of ['dependency', 'dependent', 'consumer', 'producer'] as const) {
      if (!conditions.some((c) => c.includes(`${relation}(`))) continue;
      for (const r of neighbours(views.get(target.id), relation)) {
        if (!read.some((x) => x.id === r.id) && conditions.some((c) => c.includes(`${relation}(${r.type})`))) wanted.set(r.id, r);
      }
    }
  }
  if (wanted.size === 0) return undefined;
  return degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resources: [...wanted.keys()].slice(0, 10), windowMinutes: metricWindowMinutes }));
}

/** Only runbooks written for the types on the path: never another provider's or another type's. */
function relevant(hits: readonly RunbookHit[], types: readonly string[]): RunbookHit[] {
  const seen = new Set<string>();
  const out: RunbookHit[] = [];
  for (const hit of [...hits].sort((a, b) => b.score - a.score)) {
    const key = `${hit.chunk.runbookId}\u0000${hit.chunk.section}`;
    if (seen.has(key)) continue;
    if (!hit.chunk.resourceTypes.some((t) => types.includes(t))) continue;
    seen.add(key);
    out.push(hit);
  }
  return out;
}

async function loadRunbooks(hits: readonly RunbookHit[], tools: Toolset, degraded: Degradations): Promise<Runbook[]> {
  const ids = [...new Set(hits.map((h) => h.chunk.runbookId))].slice(0, maxRunbooks);
  const loaded = await Promise.all(ids.map((runbookId) => degraded.attempt('Runbook search', undefined, () => tools.getRunbook.run({ runbookId }))));
  return loaded.filter((r): r is Runbook => r !== undefined && r !== null);
}

function causeQuery(metric: string | undefined, symptoms: readonly Symptom[], question: string): string {
  return [metric, ...symptoms.filter((s) => s !== 'unknown'), question].filter(Boolean).join(' ').slice(0, 500);
}

/**
 * Proposes the pack's chosen actions (pending approvals, never executions): at most one per cause.
 * `skip` names kind+target pairs already proposed in this request, so nothing is proposed twice.
 */
export async function proposeSuggestions(pack: EvidencePack, tools: Toolset, degraded: Degradations, skip: ReadonlySet<string> = new Set()): Promise<Proposals> {
  const created: ApprovalRequest[] = [];
  const notes: string[] = [];
  const proposedFor = new Set<string>();
  for (const suggestion of pack.suggestions) {
    if (proposedFor.has(suggestion.target.id)) continue;
    if (skip.has(proposalKey(suggestion.kind, suggestion.target.id))) continue;
    const result = await degraded.attempt('Approvals', undefined, () => tools.proposeAction.run({
      kind: suggestion.kind, resource: suggestion.target.id, params: suggestion.params, reason: suggestion.reason,
    }));
    if (result?.ok) {
      created.push(result.approval);
      proposedFor.add(suggestion.target.id);
      // An identical request already pending is reused, not duplicated: say where it is.
      if (result.existing) notes.push(alreadyPendingNote(result.approval));
    } else if (result) notes.push(result.message);
  }
  return { created, notes };
}

/** Identifies one proposal within a request: an action kind on one target. */
export function proposalKey(kind: string, targetId: string): string {
  return `${kind}\u0000${targetId}`;
}

/**
 * Adds pictures to an investigation: the chart of the metric that stands out, and the diagram of
 * the affected chain when there is a chain to see (the named resources have several neighbours).
 */
export async function withPictures(reply: Reply, pack: EvidencePack, tools: Toolset, degraded: Degradations, alerting: readonly string[] = []): Promise<Reply> {
  const metrics = reply.parts.find((p) => p.kind === 'metrics');
  const [chart, diagram] = await Promise.all([
    metrics?.kind === 'metrics' && !metrics.chart ? degraded.attempt('Chart', undefined, () => chartOf(metrics.summaries, pack.series ?? [])) : undefined,
    chainSize(pack) >= minChainForDiagram
      ? degraded.attempt('Diagram', undefined, () => tools.diagram.run({ resources: pack.primary.map((r) => r.id), format: 'png', depth: 2, summaries: pack.summaries, alerting: [...alerting] }))
      : undefined,
  ]);
  if (metrics?.kind === 'metrics' && chart) reply.parts[reply.parts.indexOf(metrics)] = { ...metrics, chart };
  if (diagram?.model) {
    // After the resource cards, before metrics and approvals.
    const lastResources = reply.parts.map((p) => p.kind).lastIndexOf('resources');
    reply.parts.splice(lastResources + 1, 0, diagramPart(`Affected chain: ${diagram.model.title}`, 'png', diagram));
  }
  return reply;
}

/** An investigation draws its chain once the named resources have this many neighbours: fewer read fine as a list. */
const minChainForDiagram = 3;

function chainSize(pack: EvidencePack): number {
  const ids = new Set<string>();
  for (const view of pack.views) for (const n of [...(view?.dependencies ?? []), ...(view?.dependents ?? [])]) ids.add(n.resource.id);
  return ids.size;
}

function uniqueResources(resources: readonly CloudResource[]): CloudResource[] {
  return [...new Map(resources.map((r) => [r.id, r])).values()];
}

export type { WalkNode };
