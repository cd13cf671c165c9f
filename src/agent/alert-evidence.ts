import { describeMetric, describeResourceRef, type Alert, type AlertResourceRef } from '../alerts/alert.ts';
import type { Reply, ReplyPart } from '../reply.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Toolset } from '../../tools/index.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { Degradations } from './evidence.ts';
import type { EvidenceOptions } from './planner.ts';

const maxAlertResources = 2;

export type GatherEvidence = (question: string, tools: Toolset, options: EvidenceOptions) => Promise<EvidencePack>;

/**
 * The evidence for an alert: it starts from the resources the alert names (provider ids, then exact
 * names, within the channel's accounts), treats them as troubled while the alert fires, searches
 * runbooks by its title and metric, and lists the alert's own metric first. Used by the
 * deterministic planner and available to any investigator that gathers with the planner.
 */
export async function gatherAlertEvidence(alert: Alert, tools: Toolset, gather: GatherEvidence): Promise<EvidencePack> {
  const degraded = new Degradations();
  const named = await degraded.attempt('Resource graph', [], () => resolveAlertResources(alert, tools));
  const pack = await gather(alert.title, tools, {
    // Nothing resolved: let the planner look for resources named in the title instead.
    ...(named.length > 0 ? { primary: named } : {}),
    troubled: new Set(alert.status === 'firing' ? named.map((r) => r.id) : []),
    runbookQuery: [alert.title, alert.metric?.name].filter(Boolean).join(' '),
  });
  if (alert.metric) {
    const name = alert.metric.name;
    pack.summaries.sort((a, b) => Number(sameMetric(b.metric, name)) - Number(sameMetric(a.metric, name)));
  }
  pack.degraded.unshift(...degraded.notes);
  return pack;
}

export async function resolveAlertResources(alert: Alert, tools: Toolset): Promise<CloudResource[]> {
  const found: CloudResource[] = [];
  for (const ref of alert.resources.slice(0, 6)) {
    const resource = await resolveAlertRef(ref, tools);
    if (resource && !found.some((r) => r.id === resource.id)) found.push(resource);
    if (found.length >= maxAlertResources) break;
  }
  if (found.length === 0 && alert.resources.length === 0) {
    const named = await resourceInName(alert.title, tools);
    if (named) found.push(named);
  }
  return found;
}

/**
 * Alarm names usually start with the resource: "checkout-api-cpu-high", "bastion-1-status-check".
 * Tries the longest dash-separated prefix of each word that is exactly a resource's name.
 */
async function resourceInName(title: string, tools: Toolset): Promise<CloudResource | undefined> {
  for (const word of title.toLowerCase().split(/[^a-z0-9_.-]+/).filter((w) => w.includes('-')).slice(0, 4)) {
    const pieces = word.split('-');
    for (let n = pieces.length - 1; n >= 1; n -= 1) {
      const candidate = pieces.slice(0, n).join('-');
      if (candidate.length < 3) break;
      const match = (await tools.findResources.run({ query: candidate })).find((r) => r.name.toLowerCase() === candidate);
      if (match) return match;
    }
  }
  return undefined;
}

/**
 * One alert resource in the channel's scope: by provider id (case-insensitive: Azure ids arrive in
 * either case), then by exact name. No fuzzy guess: a wrong resource is worse than none.
 */
async function resolveAlertRef(ref: AlertResourceRef, tools: Toolset): Promise<CloudResource | undefined> {
  if (ref.id) {
    const id = ref.id.toLowerCase();
    const byId = (await tools.findResources.run({ query: id.slice(-200) })).find((r) => r.id.toLowerCase() === id);
    if (byId) return byId;
  }
  if (ref.name) {
    const name = ref.name.toLowerCase();
    // A name stands in for an id only within the account the id names: a look-alike elsewhere is another resource.
    const account = ref.id ? accountOfId(ref.id) : undefined;
    return (await tools.findResources.run({ query: ref.name.slice(0, 200) })).find((r) => r.name.toLowerCase() === name && (!account || r.accountId.toLowerCase() === account));
  }
  return undefined;
}

/** The account an id belongs to: an ARN's account, an Azure subscription, a GCP project. */
function accountOfId(id: string): string | undefined {
  const arn = /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(id);
  const azure = /^\/subscriptions\/([^/]+)\//i.exec(id);
  const gcp = /^\/\/[^/]+\/projects\/([^/]+)\//.exec(id);
  return (arn?.[1] ?? azure?.[1] ?? gcp?.[1])?.toLowerCase();
}

/** CloudWatch says CPUUtilization, GCP a metric type path: compare loosely. */
function sameMetric(metric: string, alertMetric: string): boolean {
  const norm = (m: string): string => m.toLowerCase().replace(/[^a-z0-9]/g, '');
  const last = alertMetric.split('/').at(-1) ?? alertMetric;
  return norm(metric) === norm(alertMetric) || norm(metric) === norm(last);
}

/**
 * The answer to an alert, in the question's reply format: the evidence reply with a first line that
 * states the alert, resource cards labelled as named by the alert, and an honest line when none of
 * its resources is in the channel's accounts.
 */
export function alertReply(alert: Alert, pack: EvidencePack, evidenceReply: Reply): Reply {
  const alertLine = `*Alert:* ${alert.title} (${alert.status}, severity ${alert.severityRaw ?? alert.severity})${alert.metric ? `: ${describeMetric(alert.metric)}` : ''}.`;
  let summary = evidenceReply.summary;
  const parts: ReplyPart[] = evidenceReply.parts.map((part) => (part.kind === 'resources' && part.title === 'Resources'
    ? { ...part, resources: part.resources.map((card) => ({ ...card, relation: 'named in the alert' })) }
    : part));
  const first = parts[0];
  if (pack.primary.length === 0) {
    const named = alert.resources.map(describeResourceRef).slice(0, 3);
    const runbook = pack.hits[0] ? ` The closest runbook is *${pack.hits[0].chunk.title}* § ${pack.hits[0].chunk.section}.` : '';
    summary = `${alert.title}: none of its resources is in this channel's accounts`;
    const text = named.length
      ? `The alert names ${named.join(', ')}, but I found none of them among the accounts this channel can use.${runbook}`
      : `The alert names no resource I can look up, and its title names none I know.${runbook}`;
    parts.splice(0, first?.kind === 'text' ? 1 : 0, { kind: 'text', markdown: `${alertLine}\n${text}` });
  } else if (first?.kind === 'text') {
    parts[0] = { kind: 'text', markdown: `${alertLine}\n${first.markdown}` };
  } else {
    parts.unshift({ kind: 'text', markdown: alertLine });
  }
  return { summary, parts };
}
