import { helpText } from '../commands.ts';
import { analyseImpact, collectImpactGraph, type ImpactAnalysis, type ImpactedResource } from '../diagnosis/impact.ts';
import { healthOf } from '../diagrams/health.ts';
import type { Health } from '../diagrams/model.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { Reply, ReplyPart, ResourceCard } from '../reply.ts';
import type { Intent } from '../request.ts';
import { responderFactList, responderFacts } from '../resource-facts.ts';
import type { CloudResource, Neighbour } from '../stores/graph.ts';
import type { RunbookHit } from '../stores/runbooks.ts';
import type { Toolset } from '../../tools/index.ts';
import type { DependencyView } from '../../tools/resource-graph/dependencies.ts';
import type { Degradations } from './evidence.ts';
import { chartOf, citation, diagramPart } from './reply-parts.ts';

/** Intents answered by reading alone: everything but a question and an alert. */
export type CommandIntent = Exclude<Intent, { kind: 'ask' } | { kind: 'alert' }>;

export function isCommand(intent: Intent): intent is CommandIntent {
  return intent.kind !== 'ask' && intent.kind !== 'alert';
}

/**
 * The answers to commands (resource, deps, metrics, health, impact, runbook, approvals, diagram,
 * help). They only read: none of them proposes an action, whatever the evidence shows.
 */
export async function answerCommand(intent: CommandIntent, tools: Toolset, degraded: Degradations): Promise<Reply> {
  switch (intent.kind) {
    case 'help':
      return { summary: 'How to use Cloud Companion', parts: [{ kind: 'text', markdown: helpText }] };
    case 'resource':
      return resource(intent.name, tools, degraded);
    case 'deps':
      return deps(intent.name, intent.direction, tools, degraded);
    case 'metrics':
      return metrics(intent.name, intent.windowMinutes, intent.metric, tools, degraded);
    case 'health':
      return health(intent.name, tools, degraded);
    case 'impact':
      return impact(intent.name, tools, degraded);
    case 'runbook':
      return runbooks(intent.query, tools, degraded);
    case 'approvals':
      return approvals(tools, degraded);
    case 'diagram':
      return diagram(intent.target, intent.format, tools, degraded);
  }
}

async function resource(name: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const view = await degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: name, depth: 1 }));
  if (!view?.resource) return notFound(name, 'resource', tools, degraded);
  const r = view.resource;
  const { needs, partOf, contains } = split(view);
  const owner = responderFacts(r);
  return {
    summary: `${r.name}: ${r.type} in ${r.region}, ${r.state}${owner.owner ? `, owned by ${owner.owner}` : ''}`,
    parts: [
      { kind: 'resources', title: 'Resource', resources: [{ resource: r }] },
      { kind: 'facts', facts: [
        ...responderFactList(owner),
        { label: 'Depends on', value: names(needs.dependencies) || 'nothing recorded' },
        { label: 'Depended on by', value: names(needs.dependents) || 'nothing recorded' },
        ...(partOf.length ? [{ label: 'Part of', value: names(partOf) }] : []),
        ...(contains.length ? [{ label: 'Contains', value: names(contains) }] : []),
      ] },
    ],
  };
}

async function deps(name: string, direction: 'dependencies' | 'dependents' | undefined, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const view = await degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: name, depth: 3 }));
  if (!view?.resource) return notFound(name, 'deps', tools, degraded);
  const { needs, partOf, contains } = split(view);
  const target = view.resource.name;
  const parts = dependencyParts({ resource: view.resource, ...needs }, direction);
  const structure = [...(partOf.length ? [{ label: 'Part of', value: names(partOf) }] : []), ...(contains.length ? [{ label: 'Contains', value: names(contains) }] : [])];
  if (structure.length) parts.push({ kind: 'facts', title: 'Structure (not dependencies)', facts: structure });
  const summary = direction === 'dependents'
    ? `${needs.dependents.length} resource(s) depend on ${target}${needs.dependents.length ? `: ${names(needs.dependents.slice(0, 5))}` : ''}`
    : direction === 'dependencies'
      ? `${target} depends on ${needs.dependencies.length} resource(s)${needs.dependencies.length ? `: ${names(needs.dependencies.slice(0, 5))}` : ''}`
      : `${target} depends on ${needs.dependencies.length} resource(s); ${needs.dependents.length} depend on it`;
  return { summary, parts };
}

/** How a person's metric word ("cpu") finds the provider's metric names (CPUUtilization, cpu/utilization, Percentage CPU …). */
const metricWords: Record<string, RegExp> = {
  cpu: /cpu/i,
  memory: /mem/i,
  latency: /latency|responsetime|response_time|duration|request_latencies/i,
  errors: /5xx|4xx|error|fault|fail/i,
  connections: /connection/i,
  throttles: /throttl/i,
  backlog: /numberofmessages|backlog|undelivered|activemessage|ageofoldest|oldest_unacked/i,
  invocations: /invocation|request_count|requestcount/i,
  duration: /duration/i,
  iops: /iops/i,
  disk: /disk|storage|freeable|free_?space/i,
  storage: /storage|disk|free_?space/i,
  requests: /request/i,
};

async function metrics(name: string, windowMinutes: number, metric: string | undefined, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const view = await degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resource: name, windowMinutes }));
  if (!view?.resourceName) return notFound(name, 'metrics', tools, degraded);
  view.failures.forEach((f) => degraded.notes.push(`Metrics unavailable: ${f}`));
  const pattern = metric ? metricWords[metric] ?? new RegExp(metric.replace(/[^a-z0-9]/gi, ''), 'i') : undefined;
  const chosen = pattern ? view.summaries.filter((s) => pattern.test(s.metric)) : view.summaries;
  const missing = pattern !== undefined && chosen.length === 0;
  const shown = missing ? view.summaries : chosen;
  const chart = await degraded.attempt('Chart', undefined, () => chartOf(shown, view.series));
  const parts: ReplyPart[] = [];
  if (missing) parts.push({ kind: 'text', markdown: `No ${metric} metric is recorded for *${view.resourceName}*; these are the metrics it has.` });
  parts.push({ kind: 'metrics', title: `${metric && !missing ? `${capitalise(metric)} of` : 'Metrics of'} ${view.resourceName}, last ${windowMinutes} min`, summaries: shown, ...(chart ? { chart } : {}) });
  const headline = metric && !missing && shown[0] ? `${view.resourceName} ${shown[0].metric}: last ${shown[0].last}${unit(shown[0])} (p95 ${shown[0].p95}, max ${shown[0].max}, ${shown[0].trend})` : `${view.resourceName}: ${shown.length} metric(s) over ${windowMinutes} min`;
  return { summary: `${headline}${anomalyNote(shown)}`, parts };
}

/** "Is X healthy?": its state and metrics, and its direct dependencies'; a plain verdict, no proposal. */
async function health(name: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const view = await degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: name, depth: 1 }));
  if (!view?.resource) return notFound(name, 'health', tools, degraded);
  const target = view.resource;
  const needs = split(view).needs.dependencies.map((n) => n.resource);
  const read = [target, ...needs].slice(0, 6);
  const metricView = await degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resources: read.map((r) => r.id), windowMinutes: 60 }));
  metricView?.failures.forEach((f) => degraded.notes.push(`Metrics unavailable: ${f}`));
  const summaries = metricView?.summaries ?? [];
  const own = healthOf(target, summaries);
  const hasMetrics = summaries.some((s) => s.resourceId === target.id);
  const verdict = verdictText(target, own, hasMetrics);
  const depLines = needs.map((r) => ({ r, h: healthOf(r, summaries) }));
  const troubledDeps = depLines.filter((d) => d.h.health === 'critical' || d.h.health === 'warning');
  const lines = [verdict.markdown];
  if (needs.length) {
    lines.push(troubledDeps.length
      ? `Of what it depends on, ${troubledDeps.map((d) => `*${d.r.name}* is ${healthWord(d.h.health)} (${d.h.note ?? d.r.state})`).join('; ')}.`
      : `What it depends on looks healthy: ${needs.map((r) => r.name).join(', ')}.`);
  }
  if (own.health === 'critical' || own.health === 'warning' || troubledDeps.length) lines.push(`To find the cause, ask \`why is ${target.name} unhealthy?\`.`);
  const parts: ReplyPart[] = [
    { kind: 'text', markdown: lines.join('\n') },
    { kind: 'resources', title: 'Resource', resources: [{ resource: target }] },
  ];
  if (summaries.length) parts.push({ kind: 'metrics', title: `Metrics of ${target.name} and its dependencies, last 60 min`, summaries });
  return { summary: verdict.summary, parts };
}

function verdictText(target: CloudResource, own: { health: Health; note?: string }, hasMetrics: boolean): { summary: string; markdown: string } {
  switch (own.health) {
    case 'critical':
      return { summary: `${target.name} is not healthy: ${own.note ?? target.state}`, markdown: `*${target.name}* is *not healthy*: ${own.note ?? `state ${target.state}`} (state ${target.state}).` };
    case 'warning':
      return { summary: `${target.name} needs a look: ${own.note ?? target.state}`, markdown: `*${target.name}* *needs a look*: ${own.note ?? `state ${target.state}`}.` };
    case 'ok':
      return { summary: `${target.name} looks healthy`, markdown: `*${target.name}* looks *healthy*: state ${target.state}${hasMetrics ? ', no metric past its threshold or off its baseline in the last hour' : ' (no metrics recorded to confirm it)'}.` };
    case 'unknown':
      return { summary: `I cannot tell whether ${target.name} is healthy`, markdown: `I cannot tell whether *${target.name}* is healthy: its state is ${target.state} and no metric is recorded for it.` };
  }
}

function healthWord(health: Health): string {
  return health === 'critical' ? 'unhealthy' : health === 'warning' ? 'worth a look' : health;
}

/** Impacted resources whose metrics are read, at most: one batched read. */
const maxImpactMetricReads = 10;

/** "What would break if X went down?": dependents by path up to the user-facing entry points. */
async function impact(name: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const view = await degraded.attempt('Resource graph', undefined, () => tools.dependencies.run({ resource: name, depth: 1 }));
  if (!view?.resource) return notFound(name, 'impact', tools, degraded);
  const target = view.resource;
  const neighbourhood = await degraded.attempt('Resource graph', { resources: [target], edges: [] }, () => collectImpactGraph(target, {
    neighbours: async (id) => {
      const v = id === target.id ? view : await tools.dependencies.run({ resource: id, depth: 1 });
      return v.resource ? { incoming: v.dependents, outgoing: v.dependencies } : undefined;
    },
  }));
  const first = analyseImpact(target, neighbourhood.resources, neighbourhood.edges);
  const read = [target, ...first.impacted.map((i) => i.resource)].slice(0, maxImpactMetricReads);
  const metricView = await degraded.attempt('Metrics', undefined, () => tools.metrics.run({ resources: read.map((r) => r.id), windowMinutes: 60 }));
  metricView?.failures.forEach((f) => degraded.notes.push(`Metrics unavailable: ${f}`));
  const analysis = analyseImpact(target, neighbourhood.resources, neighbourhood.edges, metricView?.summaries ?? []);
  return impactReply(analysis, metricView?.summaries ?? []);
}

export function impactReply(analysis: ImpactAnalysis, summaries: readonly MetricSummary[]): Reply {
  const { target, impacted } = analysis;
  if (impacted.length === 0) {
    return {
      summary: `Nothing recorded depends on ${target.name}`,
      parts: [
        { kind: 'text', markdown: `If *${target.name}* went down, nothing recorded in this channel's accounts would break with it: no resource depends on it, routes to it or runs inside it. Dependencies the graph does not record (clients outside these accounts, hard-coded endpoints) would not show here.` },
        { kind: 'resources', title: 'Resource', resources: [{ resource: target }] },
      ],
    };
  }
  const entries = impacted.filter((i) => i.entryPoint);
  const unhealthy = impacted.filter((i) => i.health === 'critical' || i.health === 'warning');
  const direct = impacted.filter((i) => i.hops === 1 && !i.entryPoint);
  const further = impacted.filter((i) => i.hops > 1 && !i.entryPoint);
  const chain = (i: ImpactedResource): string => i.path.map((r) => r.name).join(' → ');
  const line = (i: ImpactedResource): string => `• *${i.resource.name}*: ${i.sees}${i.health === 'critical' || i.health === 'warning' ? ` _(already ${healthWord(i.health)}: ${i.healthNote ?? i.resource.state})_` : ''}`;
  const lines: string[] = [];
  lines.push(entries.length
    ? `If *${target.name}* went down, users would notice at ${entries.map((e) => `*${e.resource.name}*`).join(', ')}: ${entries.map((e) => `${e.sees} (${chain(e)})`).join('; ')}.`
    : `If *${target.name}* went down, ${impacted.length} resource(s) would be affected; none of them is a user-facing entry point recorded in the graph.`);
  if (direct.length) lines.push(`*Directly affected*\n${direct.map(line).join('\n')}`);
  if (further.length) lines.push(`*Further along the path*\n${further.map(line).join('\n')}`);
  const targetHealth = healthOf(target, summaries);
  if (targetHealth.health === 'critical' || targetHealth.health === 'warning') lines.push(`${target.name} itself is already ${healthWord(targetHealth.health)} (${targetHealth.note ?? target.state}).`);
  lines.push(unhealthy.length
    ? `*Already unhealthy*: ${unhealthy.map((i) => `${i.resource.name} (${i.healthNote ?? i.resource.state})`).join(', ')}. An outage would land on top of that.`
    : 'None of the affected resources is unhealthy right now.');
  if (analysis.truncated) lines.push('_The walk stopped at its bounds; more resources may be affected further out._');
  const cards: ResourceCard[] = impacted.map((i) => ({ resource: i.resource, relation: `${i.entryPoint ? 'entry point · ' : ''}${i.hops} hop${i.hops > 1 ? 's' : ''}: ${i.sees}` }));
  const parts: ReplyPart[] = [
    { kind: 'text', markdown: lines.join('\n') },
    { kind: 'resources', title: `Affected if ${target.name} went down`, resources: cards },
  ];
  const relevant = summaries.filter((s) => impacted.some((i) => i.resource.id === s.resourceId) && (s.anomaly || s.baseline?.departs));
  if (relevant.length) parts.push({ kind: 'metrics', title: 'What is already off among them, last 60 min', summaries: relevant });
  return {
    summary: `If ${target.name} went down: ${impacted.length} resource(s) affected${entries.length ? `, users see it at ${entries.map((e) => e.resource.name).join(', ')}` : ''}${unhealthy.length ? `; ${unhealthy.length} already unhealthy` : ''}`,
    parts,
  };
}

async function runbooks(query: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
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

async function approvals(tools: Toolset, degraded: Degradations): Promise<Reply> {
  const pending = await degraded.attempt('Approvals', [], () => tools.listApprovals.run({}));
  if (pending.length === 0) return { summary: 'No pending approval requests', parts: [{ kind: 'text', markdown: 'No pending approval requests.' }] };
  return {
    summary: `${pending.length} pending approval request(s)`,
    parts: pending.map((approval): ReplyPart => ({ kind: 'approval', approval })),
  };
}

async function diagram(target: string, format: 'png' | 'mermaid', tools: Toolset, degraded: Degradations): Promise<Reply> {
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

/**
 * A name that matched nothing: "did you mean …" from this channel's own resources (close spellings,
 * else the nearest of the kind the name implies), never a runbook or anything outside the scope.
 */
export async function notFound(name: string, command: string, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const s = await degraded.attempt('Resource graph', undefined, () => tools.similarResources.run({ name }));
  const head = `I found no resource called _${name}_ in the accounts this channel can use.`;
  if (s && s.misspellings.length > 0) {
    const [best] = s.misspellings as [CloudResource, ...CloudResource[]];
    const others = s.misspellings.slice(1);
    return {
      summary: `No resource "${name}" here; did you mean ${best.name}?`,
      parts: [{ kind: 'text', markdown: `${head} Did you mean *${best.name}*${others.length ? ` (or ${others.map((r) => `*${r.name}*`).join(', ')})` : ''}? Try \`/cloud ${command} ${best.name}\`.` }],
    };
  }
  if (s && s.related.length > 0) {
    const list = s.related.map((r) => `*${r.name}* (${r.type})`).join(', ');
    return {
      summary: `No resource "${name}" here; nearest${s.kind ? ` ${s.kind}s` : ''}: ${s.related.map((r) => r.name).join(', ')}`,
      parts: [{ kind: 'text', markdown: `${head} ${s.kind ? `The ${s.kind}s this channel can see that are nearest:` : 'The nearest names it can see:'} ${list}.` }],
    };
  }
  return {
    summary: `No resource "${name}" in this channel's accounts`,
    parts: [{ kind: 'text', markdown: `${head} Nothing here has a similar name${s?.kind ? ` and no ${s.kind} is visible to this channel` : ''}; check the name, or whether this channel may use the account it is in.` }],
  };
}

/** Dependencies and dependents proper, apart from containment (a cluster does not depend on its services, nor they on it). */
function split(view: DependencyView): { needs: { dependencies: Neighbour[]; dependents: Neighbour[] }; partOf: Neighbour[]; contains: Neighbour[] } {
  return {
    needs: { dependencies: view.dependencies.filter((n) => n.via !== 'CONTAINS'), dependents: view.dependents.filter((n) => n.via !== 'CONTAINS') },
    partOf: view.dependents.filter((n) => n.via === 'CONTAINS' && n.depth === 1),
    contains: view.dependencies.filter((n) => n.via === 'CONTAINS' && n.depth === 1),
  };
}

export function dependencyParts(view: DependencyView, direction?: 'dependencies' | 'dependents'): ReplyPart[] {
  const cards = (list: readonly Neighbour[], verb: string): ResourceCard[] => list.map((n) => ({ resource: n.resource, relation: `${verb} (${n.via.toLowerCase()}, ${n.depth} hop${n.depth > 1 ? 's' : ''})` }));
  const name = view.resource?.name ?? '';
  const parts: ReplyPart[] = [];
  if (direction !== 'dependents' && view.dependencies.length) parts.push({ kind: 'resources', title: `${name} depends on`, resources: cards(view.dependencies, 'dependency') });
  if (direction !== 'dependencies' && view.dependents.length) parts.push({ kind: 'resources', title: `Depends on ${name} (blast radius)`, resources: cards(view.dependents, 'dependent') });
  if (parts.length === 0) {
    const what = direction === 'dependents' ? `Nothing recorded depends on ${name}.` : direction === 'dependencies' ? `${name} depends on nothing recorded.` : `No dependencies of ${name} are recorded.`;
    parts.push({ kind: 'text', markdown: what });
  }
  return parts;
}

function names(list: readonly Neighbour[]): string {
  return list.map((n) => n.resource.name).join(', ');
}

function anomalyNote(summaries: readonly MetricSummary[]): string {
  const anomalies = summaries.filter((s) => s.anomaly);
  return anomalies.length ? `; ${anomalies.map((s) => `${s.metric} ${s.anomaly}`).join('; ')}` : '';
}

function unit(summary: MetricSummary): string {
  return summary.unit === 'Percent' ? '%' : summary.unit ? ` ${summary.unit}` : '';
}

function capitalise(word: string): string {
  return word === 'cpu' ? 'CPU' : word === 'iops' ? 'IOPS' : `${word.charAt(0).toUpperCase()}${word.slice(1)}`;
}
