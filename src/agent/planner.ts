import { helpText } from '../commands.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { Reply, ReplyPart, ResourceCard } from '../reply.ts';
import type { Intent } from '../request.ts';
import type { Neighbour } from '../stores/graph.ts';
import type { RunbookHit } from '../stores/runbooks.ts';
import type { Toolset } from '../../tools/index.ts';
import type { DependencyView } from '../../tools/resource-graph/dependencies.ts';
import { investigateAlert } from './alert-evidence.ts';
import { Degradations } from './evidence.ts';
import { investigateQuestion } from './investigation.ts';
import type { InvestigationInput, Investigator } from './investigator.ts';
import { chartOf, citation, diagramPart } from './reply-parts.ts';

/**
 * The deterministic planner: answers the commands (resource, deps, metrics, runbooks, approvals,
 * diagram, help) itself and hands questions and alerts to the investigation (src/agent/investigation.ts
 * over the diagnosis stages of src/diagnosis/). It needs no LLM and always gives the same answer for
 * the same data.
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
    switch (intent.kind) {
      case 'help':
        return { summary: 'How to use Cloud Companion', parts: [{ kind: 'text', markdown: helpText }] };
      case 'resource':
        return this.resource(intent.name, tools, degraded);
      case 'deps':
        return this.deps(intent.name, tools, degraded);
      case 'metrics':
        return this.metrics(intent.name, intent.windowMinutes, tools, degraded);
      case 'runbook':
        return this.runbooks(intent.query, tools, degraded);
      case 'approvals':
        return this.approvals(tools, degraded);
      case 'diagram':
        return this.diagram(intent.target, intent.format, tools, degraded);
      case 'ask':
        return investigateQuestion(intent.question, tools, degraded);
      case 'alert':
        return investigateAlert(intent.alert, tools, degraded);
    }
  }

  private async resource(name: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const view = await degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: name, depth: 1 }));
    if (!view?.resource) return notFound(name);
    const r = view.resource;
    return {
      summary: `${r.name}: ${r.type} in ${r.region}, ${r.state}`,
      parts: [
        { kind: 'resources', title: 'Resource', resources: [{ resource: r }] },
        { kind: 'facts', facts: [
          { label: 'Depends on', value: names(view.dependencies) || 'nothing recorded' },
          { label: 'Depended on by', value: names(view.dependents) || 'nothing recorded' },
        ] },
      ],
    };
  }

  private async deps(name: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const view = await degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: name, depth: 3 }));
    if (!view?.resource) return notFound(name);
    return {
      summary: `${view.resource.name} depends on ${view.dependencies.length} resource(s); ${view.dependents.length} depend on it`,
      parts: dependencyParts(view),
    };
  }

  private async metrics(name: string, windowMinutes: number, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const view = await degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resource: name, windowMinutes }));
    if (!view?.resourceName) return notFound(name);
    view.failures.forEach((f) => degraded.notes.push(`Metrics unavailable: ${f}`));
    const chart = await degraded.attempt('Chart', undefined, () => chartOf(view.summaries, view.series));
    return {
      summary: `${view.resourceName}: ${view.summaries.length} metric(s) over ${windowMinutes} min${anomalyNote(view.summaries)}`,
      parts: [{ kind: 'metrics', title: `Metrics of ${view.resourceName}, last ${windowMinutes} min`, summaries: view.summaries, ...(chart ? { chart } : {}) }],
    };
  }

  private async diagram(target: string, format: 'png' | 'mermaid', tools: Toolset, degraded: Degradations): Promise<Reply> {
    const view = await degraded.attempt('Diagram', undefined, () => tools.diagram.run({ target, format, depth: 2 }));
    if (!view) return { summary: `I could not draw a diagram of ${target}`, parts: [{ kind: 'text', markdown: `I could not draw a diagram of _${target}_; the note below says why.` }] };
    if (!view.model) {
      return {
        summary: `No resource or account "${target}" in this channel's accounts`,
        parts: [{ kind: 'text', markdown: `I found no resource or account called _${target}_ among the accounts this channel can use. Name a resource, one of the channel's account ids, or \`all\`.` }],
      };
    }
    const model = view.model;
    const collapsed = model.totalResources - model.shownResources;
    return {
      summary: `Diagram of ${model.title}: ${model.shownResources} resource(s)${collapsed > 0 ? `, ${collapsed} more collapsed into groups` : ''}`,
      parts: [diagramPart(`Dependency diagram of ${model.title}`, format, view)],
    };
  }

  private async runbooks(query: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const hits = await degraded.attempt('Runbook search', [], () => tools.searchRunbooks.run({ query }));
    if (hits.length === 0) return { summary: `No runbook matches "${query}"`, parts: [{ kind: 'text', markdown: `No runbook matches _${query}_.` }] };
    const best = hits[0] as RunbookHit;
    return {
      summary: `Best match: ${best.chunk.title} § ${best.chunk.section}`,
      parts: [
        { kind: 'text', markdown: `*${best.chunk.title} § ${best.chunk.section}*\n${best.chunk.text}` },
        { kind: 'citations', citations: hits.map(citation) },
      ],
    };
  }

  private async approvals(tools: Toolset, degraded: Degradations): Promise<Reply> {
    const pending = await degraded.attempt('Approvals', [], () => tools.listApprovals.run({}));
    if (pending.length === 0) return { summary: 'No pending approval requests', parts: [{ kind: 'text', markdown: 'No pending approval requests.' }] };
    return {
      summary: `${pending.length} pending approval request(s)`,
      parts: pending.map((approval): ReplyPart => ({ kind: 'approval', approval })),
    };
  }
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

function notFound(name: string): Reply {
  return {
    summary: `No resource "${name}" in this channel's accounts`,
    parts: [{ kind: 'text', markdown: `I found no resource called _${name}_ in the accounts this channel can use. Check the name, or ask \`/cloud <question>\` to search.` }],
  };
}

function names(list: readonly Neighbour[]): string {
  return list.map((n) => n.resource.name).join(', ');
}

function anomalyNote(summaries: readonly MetricSummary[]): string {
  const anomalies = summaries.filter((s) => s.anomaly);
  return anomalies.length ? `; ${anomalies.map((s) => `${s.metric} ${s.anomaly}`).join('; ')}` : '';
}
