import type { Alert } from '../alerts/alert.ts';
import type { ApprovalRequest } from '../approvals/types.ts';
import { findActionKind } from '../approvals/catalog.ts';
import { alreadyPendingNote } from '../approvals/notices.ts';
import { renderMetricChart, type ChartImage } from '../metrics/chart.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { SourcedSeries } from '../metrics/read.ts';
import type { DiagramView } from '../../tools/resource-graph/diagram.ts';
import type { Citation, Reply, ReplyPart, ResourceCard } from '../reply.ts';
import { isReadOnly, type Intent } from '../request.ts';
import type { CloudResource, Neighbour } from '../stores/graph.ts';
import type { RunbookHit } from '../stores/runbooks.ts';
import { withReadOnlyProposals, type Toolset } from '../../tools/index.ts';
import type { DependencyView } from '../../tools/resource-graph/dependencies.ts';
import { alertReply, gatherAlertEvidence } from './alert-evidence.ts';
import { answerCommand, isCommand } from './command-answers.ts';
import { Degradations } from './evidence.ts';
import type { EvidencePack, SuggestedAction } from './evidence-pack.ts';
import type { InvestigationInput, Investigator } from './investigator.ts';

const maxPrimary = 2;
const maxMetricResources = 4;
const maxProposals = 2;

const stopWords = new Set(['the', 'and', 'why', 'what', 'how', 'is', 'are', 'was', 'our', 'its', 'with', 'from', 'this', 'that', 'slow', 'down', 'high', 'failing', 'errors', 'error', 'broken', 'wrong', 'does', 'did', 'not', 'for', 'about']);

/**
 * The deterministic planner: gathers evidence with the tools (resources, dependencies, metrics,
 * runbooks) and proposes the matching runbooks' actions. It needs no LLM and always gives the same
 * answer for the same data.
 */
export class DeterministicPlanner implements Investigator {
  readonly name = 'deterministic planner';

  constructor(private readonly statusLabel: string) {}

  async investigate({ request, tools }: InvestigationInput): Promise<Reply> {
    const degraded = new Degradations();
    const reply = await this.answer(request.intent, tools, degraded);
    reply.parts.push({ kind: 'status', text: this.statusLabel, degraded: degraded.notes });
    return reply;
  }

  private async answer(intent: Intent, tools: Toolset, degraded: Degradations): Promise<Reply> {
    // Read-only intents (commands, hypotheticals) cannot propose, even when the caller's toolset could.
    const scoped = isReadOnly(intent) ? withReadOnlyProposals(tools) : tools;
    if (isCommand(intent)) return answerCommand(intent, scoped, degraded);
    switch (intent.kind) {
      case 'ask':
        return this.investigateQuestion(intent.question, scoped, degraded);
      case 'alert':
        return this.investigateAlert(intent.alert, scoped, degraded);
    }
  }

  private async investigateQuestion(question: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const pack = await this.gatherEvidence(question, tools);
    degraded.notes.push(...pack.degraded);
    const proposals = await this.proposeSuggestions(pack, tools, degraded);
    return this.withPictures(renderEvidence(pack, proposals), pack, tools, degraded);
  }

  /**
   * Adds pictures to an investigation: the chart of the metric that stands out, and the diagram of
   * the affected chain when there is a chain to see (the named resources have several neighbours).
   */
  async withPictures(reply: Reply, pack: EvidencePack, tools: Toolset, degraded: Degradations, alerting: readonly string[] = []): Promise<Reply> {
    const metrics = reply.parts.find((p) => p.kind === 'metrics');
    const [chart, diagram] = await Promise.all([
      metrics?.kind === 'metrics' && !metrics.chart ? degraded.attempt('Chart', undefined, () => chartOf(pack.summaries, pack.series ?? [])) : undefined,
      chainSize(pack) >= minChainForDiagram
        ? degraded.attempt('Diagram', undefined, () => tools.diagram.run({ resources: pack.primary.map((r) => r.id), format: 'png', depth: 2, summaries: pack.summaries, alerting: [...alerting] }))
        : undefined,
    ]);
    if (metrics?.kind === 'metrics' && chart) reply.parts[reply.parts.indexOf(metrics)] = { ...metrics, chart };
    if (diagram?.model) {
      // After the dependency lists it draws, before metrics and approvals.
      const lastResources = reply.parts.map((p) => p.kind).lastIndexOf('resources');
      reply.parts.splice(lastResources + 1, 0, diagramPart(`Affected chain: ${diagram.model.title}`, 'png', diagram));
    }
    return reply;
  }

  /** An alert: the same evidence and reply as a question, starting from the alert's own resources. */
  private async investigateAlert(alert: Alert, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const pack = await gatherAlertEvidence(alert, tools, (question, t, options) => this.gatherEvidence(question, t, options));
    degraded.notes.push(...pack.degraded);
    // A resolved alert needs no remedy.
    const proposals = alert.status === 'firing' ? await this.proposeSuggestions(pack, tools, degraded) : undefined;
    const alerting = alert.status === 'firing' ? pack.primary.map((r) => r.id) : [];
    return alertReply(alert, pack, await this.withPictures(renderEvidence(pack, proposals), pack, tools, degraded, alerting));
  }

  /**
   * Gathers the evidence for a question, in parallel where it can: the resources it names (or
   * `options.primary`), their dependencies, the metrics of those and their direct dependencies,
   * matching runbooks and the runbooks' suggested actions for troubled resources. Proposes nothing
   * and never throws: what fails is listed in `degraded`.
   */
  async gatherEvidence(question: string, tools: Toolset, options: EvidenceOptions = {}): Promise<EvidencePack> {
    const degraded = new Degradations();
    const metricWindowMinutes = 60;
    const primary = options.primary ?? await degraded.attempt('Resource graph', [], () => this.findPrimary(question, tools));
    const views = await Promise.all(primary.map((r) => degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: r.id, depth: 2 }))));
    const related = uniqueResources([
      ...primary,
      ...views.flatMap((v) => (v?.dependencies ?? []).filter((n) => n.depth === 1).map((n) => n.resource)),
    ]).slice(0, maxMetricResources);
    const query = (options.runbookQuery ?? question).slice(0, 500);
    // One read for all of them: each cloud batches its resources (one GetMetricData per 500 queries).
    const [metricView, hits] = await Promise.all([
      related.length ? degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resources: related.map((r) => r.id), windowMinutes: metricWindowMinutes })) : undefined,
      degraded.attempt('Runbook search', [], () => tools.searchRunbooks.run({ query, resourceTypes: [...new Set(primary.map((r) => r.type))] })),
    ]);
    metricView?.failures.forEach((f) => degraded.notes.push(`Metrics unavailable: ${f}`));
    const summaries = metricView?.summaries ?? [];
    const noMetrics = metricView ? related.filter((r) => !summaries.some((s) => s.resourceId === r.id)) : [];
    const troubled = options.troubled ?? new Set<string>();
    const suggestions = await this.suggest(primary, related, summaries, hits, troubled, tools, degraded);
    return { question, primary, views, related, metricWindowMinutes, summaries, series: metricView?.series ?? [], noMetrics, hits, suggestions, degraded: degraded.notes };
  }

  private async findPrimary(question: string, tools: Toolset): Promise<CloudResource[]> {
    const mentioned = await tools.findResources.run({ query: question });
    if (mentioned.length > 0) return mentioned.slice(0, maxPrimary);
    const words = question.toLowerCase().split(/[^a-z0-9_.-]+/).filter((w) => w.length >= 3 && !stopWords.has(w));
    for (const word of words) {
      const found = await tools.findResources.run({ query: word });
      if (found.length > 0) return found.slice(0, maxPrimary);
    }
    return [];
  }

  /** The suggested actions of the best runbooks that fit a troubled resource under investigation. */
  private async suggest(primary: readonly CloudResource[], related: readonly CloudResource[], summaries: readonly MetricSummary[], hits: readonly RunbookHit[], troubled: ReadonlySet<string>, tools: Toolset, degraded: Degradations): Promise<SuggestedAction[]> {
    const suggestions: SuggestedAction[] = [];
    if (primary.length === 0) return suggestions;
    const runbookIds = [...new Set(hits.map((h) => h.chunk.runbookId))].slice(0, 2);
    const candidates = uniqueResources([...primary, ...related]);
    for (const runbookId of runbookIds) {
      const runbook = await degraded.attempt('Runbook search', undefined, () => tools.getRunbook.run({ runbookId }));
      for (const action of runbook?.actions ?? []) {
        const kind = findActionKind(action.kind);
        const target = candidates.find((r) => kind?.targets.includes(r.type) && (troubled.has(r.id) || isTroubled(r, summaries)));
        if (!kind || !target) continue;
        const title = runbook?.title ?? runbookId;
        suggestions.push({
          kind: action.kind, params: action.params, target, runbookId, runbookTitle: title,
          reason: action.reason ?? `Suggested by runbook "${title}" for ${target.name}.`,
        });
      }
    }
    return suggestions;
  }

  /**
   * Proposes the pack's suggested actions (pending approvals, never executions), at most two.
   * `skip` names kind+target pairs already proposed in this request, so nothing is proposed twice.
   */
  async proposeSuggestions(pack: EvidencePack, tools: Toolset, degraded: Degradations, skip: ReadonlySet<string> = new Set()): Promise<Proposals> {
    const created: ApprovalRequest[] = [];
    const notes: string[] = [];
    for (const suggestion of pack.suggestions) {
      if (created.length >= maxProposals) break;
      if (skip.has(proposalKey(suggestion.kind, suggestion.target.id))) continue;
      const result = await degraded.attempt('Approvals', undefined, () => tools.proposeAction.run({
        kind: suggestion.kind, resource: suggestion.target.id, params: suggestion.params, reason: suggestion.reason,
      }));
      if (result?.ok) created.push(result.approval);
      if (result?.ok && result.existing) notes.push(alreadyPendingNote(result.approval));
      else if (result && !result.ok) notes.push(result.message);
    }
    return { created, notes };
  }
}

export interface EvidenceOptions {
  /** Start from these resources instead of finding the ones the question names (alerts name theirs). */
  primary?: CloudResource[];
  /** Resource ids to treat as troubled whatever their metrics say (a firing alert's resources). */
  troubled?: ReadonlySet<string>;
  /** Runbook search text, when it should differ from the question. */
  runbookQuery?: string;
}

export interface Proposals {
  created: ApprovalRequest[];
  /** Why a suggested action was not proposed (not enabled in this channel, …). */
  notes: string[];
}

/** Identifies one proposal within a request: an action kind on one target. */
export function proposalKey(kind: string, targetId: string): string {
  return `${kind}\u0000${targetId}`;
}

/** The planner's answer from its evidence: findings, resources, dependencies, metrics, runbooks, approvals. */
export function renderEvidence(pack: EvidencePack, proposals: Proposals = { created: [], notes: [] }): Reply {
  const { primary, views, summaries, hits } = pack;
  const parts: ReplyPart[] = [];
  const findings = describeFindings(primary, views, summaries, hits);
  parts.push({ kind: 'text', markdown: findings.markdown });
  parts.push(...evidenceParts(pack));
  for (const approval of proposals.created) parts.push({ kind: 'approval', approval });
  if (proposals.notes.length > 0) parts.push({ kind: 'text', markdown: proposals.notes.map((n) => `_${n}_`).join('\n') });
  return { summary: findings.summary, parts };
}

/** The evidence itself, without conclusions: resource cards, dependencies, metrics and runbook citations. */
export function evidenceParts(pack: EvidencePack): ReplyPart[] {
  const parts: ReplyPart[] = [];
  if (pack.primary.length > 0) {
    const cards: ResourceCard[] = pack.primary.map((resource) => ({ resource, relation: 'named in the question' }));
    parts.push({ kind: 'resources', title: 'Resources', resources: cards });
  }
  for (const view of pack.views) if (view?.resource && (view.dependencies.length || view.dependents.length)) parts.push(...dependencyParts(view));
  if (pack.summaries.length > 0) parts.push({ kind: 'metrics', title: `Metrics, last ${pack.metricWindowMinutes} min`, summaries: pack.summaries });
  if (pack.hits.length > 0) parts.push({ kind: 'citations', citations: pack.hits.slice(0, 3).map(citation) });
  return parts;
}

/** Worth acting on: degraded state, or a metric past its threshold. */
function isTroubled(resource: CloudResource, summaries: readonly MetricSummary[]): boolean {
  return !['running', 'available', 'active', 'ok', 'healthy'].includes(resource.state.toLowerCase())
    || summaries.some((s) => s.resourceId === resource.id && s.anomaly !== undefined);
}

function describeFindings(primary: readonly CloudResource[], views: readonly (DependencyView | undefined)[], summaries: readonly MetricSummary[], hits: readonly RunbookHit[]): { summary: string; markdown: string } {
  if (primary.length === 0) {
    const runbookLine = hits[0] ? ` The closest runbook is *${hits[0].chunk.title}*.` : '';
    return {
      summary: 'No resource named in the question was found in this channel\'s accounts',
      markdown: `I could not find a resource named in your question among the accounts this channel can use. Name it as it appears in your cloud, or try \`/cloud resource <name>\`.${runbookLine}`,
    };
  }
  const lines: string[] = [];
  for (const resource of primary) {
    const view = views.find((v) => v?.resource?.id === resource.id);
    const anomalies = summaries.filter((s) => s.anomaly);
    const own = anomalies.filter((s) => s.resourceId === resource.id);
    const downstream = anomalies.filter((s) => s.resourceId !== resource.id && view?.dependencies.some((d) => d.resource.id === s.resourceId));
    const parts = [`*${resource.name}* (${resource.type}, ${resource.region}) is *${resource.state}*.`];
    if (own.length) parts.push(`Its ${own.map((s) => `${s.metric} is ${s.anomaly} (last ${s.last}${unit(s)})`).join('; ')}.`);
    if (downstream.length) parts.push(`Downstream, ${downstream.map((s) => `${s.resourceName} ${s.metric} is ${s.anomaly}`).join('; ')}.`);
    if (!own.length && !downstream.length) parts.push('No metric is past its threshold in the last hour.');
    if (view && view.dependents.length) parts.push(`${view.dependents.length} resource(s) depend on it: ${names(view.dependents.slice(0, 5))}.`);
    lines.push(parts.join(' '));
  }
  if (hits[0]) lines.push(`Relevant runbook: *${hits[0].chunk.title}* § ${hits[0].chunk.section}.`);
  const first = primary[0] as CloudResource;
  const firstAnomaly = summaries.find((s) => s.resourceId === first.id && s.anomaly);
  return {
    summary: `${first.name} is ${first.state}${firstAnomaly ? `: ${firstAnomaly.metric} ${firstAnomaly.anomaly}` : ''}`,
    markdown: lines.join('\n'),
  };
}

function dependencyParts(view: DependencyView): ReplyPart[] {
  const cards = (list: readonly Neighbour[], verb: string): ResourceCard[] => list.map((n) => ({ resource: n.resource, relation: `${verb} (${n.via.toLowerCase()}, ${n.depth} hop${n.depth > 1 ? 's' : ''})` }));
  const name = view.resource?.name ?? '';
  const parts: ReplyPart[] = [];
  if (view.dependencies.length) parts.push({ kind: 'resources', title: `${name} depends on`, resources: cards(view.dependencies, 'dependency') });
  if (view.dependents.length) parts.push({ kind: 'resources', title: `Depends on ${name} (blast radius)`, resources: cards(view.dependents, 'dependent') });
  if (parts.length === 0) parts.push({ kind: 'text', markdown: `No dependencies of ${name} are recorded.` });
  return parts;
}

export function citation(hit: RunbookHit): Citation {
  return { runbookId: hit.chunk.runbookId, title: hit.chunk.title, section: hit.chunk.section, score: Math.round(hit.score * 100) / 100 };
}

function names(list: readonly Neighbour[]): string {
  return list.map((n) => n.resource.name).join(', ');
}

/** A chart of the metric that stands out most: past its threshold, else off its baseline, else the first. */
async function chartOf(summaries: readonly MetricSummary[], sourced: readonly SourcedSeries[]): Promise<ChartImage | undefined> {
  const notable = summaries.find((s) => s.anomaly) ?? summaries.find((s) => s.baseline?.departs) ?? summaries[0];
  const series = notable && sourced.find((s) => s.series.resourceId === notable.resourceId && s.series.metric === notable.metric)?.series;
  return notable && series ? renderMetricChart(series, notable) : undefined;
}

/** An investigation draws its chain once the named resources have this many neighbours: fewer read fine as a list. */
const minChainForDiagram = 3;

function chainSize(pack: EvidencePack): number {
  const ids = new Set<string>();
  for (const view of pack.views) for (const n of [...(view?.dependencies ?? []), ...(view?.dependents ?? [])]) ids.add(n.resource.id);
  return ids.size;
}

function diagramPart(title: string, format: 'png' | 'mermaid', view: DiagramView): ReplyPart {
  return { kind: 'diagram', title, format, alt: view.alt, mermaid: view.mermaid, ...(view.image ? { image: view.image } : {}) };
}

function unit(summary: MetricSummary): string {
  return summary.unit === 'Percent' ? '%' : summary.unit ? ` ${summary.unit}` : '';
}

function uniqueResources(resources: readonly CloudResource[]): CloudResource[] {
  const seen = new Map<string, CloudResource>();
  for (const r of resources) if (!seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()];
}
