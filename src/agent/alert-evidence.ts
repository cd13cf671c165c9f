import { describeMetric, describeResourceRef, type Alert, type AlertResourceRef } from '../alerts/alert.ts';
import type { Reply, ReplyPart } from '../reply.ts';
import { sameMetric } from '../diagnosis/metric-meanings.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Toolset } from '../../tools/index.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { Degradations } from './evidence.ts';
import { renderEvidence } from './investigation-render.ts';
import { gatherEvidence, proposeSuggestions, withPictures } from './investigation.ts';

const maxAlertResources = 2;

/** An alert: the same diagnosis as a question, starting from the alert's own resources. */
export async function investigateAlert(alert: Alert, tools: Toolset, degraded: Degradations): Promise<Reply> {
  const pack = await gatherAlertEvidence(alert, tools);
  degraded.notes.push(...pack.degraded);
  // A resolved alert needs no remedy; a resource the alert does not name gets none either.
  const proposals = alert.status === 'firing' && !pack.possiblyRelated ? await proposeSuggestions(pack, tools, degraded) : undefined;
  const alerting = alert.status === 'firing' && !pack.possiblyRelated ? pack.primary.map((r) => r.id) : [];
  return alertReply(alert, pack, await withPictures(renderEvidence(pack, proposals), pack, tools, degraded, alerting));
}

/**
 * The evidence for an alert: it starts from the resources the alert names (provider ids, then exact
 * names, within the channel's accounts), treats them as troubled while the alert fires, reads its
 * metric as the symptom, and lists that metric first. When the alert names no resource the
 * organization has, only resources its text names word for word are investigated, as "possibly
 * related", and nothing is proposed for them.
 */
export async function gatherAlertEvidence(alert: Alert, tools: Toolset): Promise<EvidencePack> {
  const degraded = new Degradations();
  const named = await degraded.attempt('Resource graph', [], () => resolveAlertResources(alert, tools));
  const text = [alert.title, alert.summary].filter(Boolean).join('\n');
  const mentioned = named.length ? [] : await degraded.attempt('Resource graph', [], () => resourcesInText(text, tools));
  const pack = await gatherEvidence(text, tools, {
    primary: named.length ? named : mentioned,
    troubled: new Set(alert.status === 'firing' ? named.map((r) => r.id) : []),
    ...(alert.status === 'resolved' ? { recovered: named.map((r) => r.id) } : {}),
    runbookQuery: [alert.title, alert.metric?.name].filter(Boolean).join(' '),
    ...(alert.metric?.name ? { alertMetric: alert.metric.name } : {}),
    ...(alert.metric?.observed === undefined ? {} : { alertObserved: alert.metric.observed }),
    ...(named.length === 0 && mentioned.length > 0 ? { possiblyRelated: true } : {}),
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
 * Resources the alert's text names word for word (a whole token equal to the resource's name), for
 * an alert whose own resources are unknown here. Looser matches would tie a Datadog test
 * notification to whatever resource shares a word with it.
 */
async function resourcesInText(text: string, tools: Toolset): Promise<CloudResource[]> {
  const tokens = new Set(text.toLowerCase().split(/[^a-z0-9_.:/-]+/).filter((t) => t.length >= 3));
  const found = new Map<string, CloudResource>();
  for (const token of [...tokens].slice(0, 20)) {
    const candidates = await tools.findResources.run({ query: token.slice(0, 200) });
    for (const r of candidates) if (tokens.has(r.name.toLowerCase()) && !found.has(r.id)) found.set(r.id, r);
    if (found.size >= maxAlertResources) break;
  }
  return [...found.values()].slice(0, maxAlertResources);
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

/**
 * The answer to an alert, in the question's reply format: the evidence reply with a first line that
 * states the alert, resource cards labelled as named by the alert, and an honest line when none of
 * its resources is in the channel's accounts.
 */
export function alertReply(alert: Alert, pack: EvidencePack, evidenceReply: Reply): Reply {
  const alertLine = `*Alert:* ${alert.title} (${alert.status}, severity ${alert.severityRaw ?? alert.severity})${alert.metric ? `: ${describeMetric(alert.metric)}` : ''}.`;
  let summary = evidenceReply.summary;
  const subjectIds = new Set(pack.primary.map((r) => r.id));
  const label = pack.possiblyRelated ? 'possibly related (named in the alert text)' : 'named in the alert';
  const parts: ReplyPart[] = evidenceReply.parts.map((part) => (part.kind === 'resources' && part.title === 'Resources'
    ? { ...part, resources: part.resources.map((card) => (subjectIds.has(card.resource.id) ? { ...card, relation: label } : card)) }
    : part));
  const first = parts[0];
  const named = alert.resources.map(describeResourceRef).slice(0, 3);
  const unknownLine = named.length
    ? `The alert names ${named.join(', ')}, but none of them is a resource in the accounts this channel can use.`
    : 'The alert names no resource I can look up in the accounts this channel can use.';
  if (pack.primary.length === 0) {
    summary = `${alert.title}: none of its resources is in this channel's accounts`;
    const text = `${unknownLine} Nothing was investigated and nothing is proposed; if this is a test notification, no action is needed.`;
    parts.splice(0, first?.kind === 'text' ? 1 : 0, { kind: 'text', markdown: `${alertLine}\n${text}` });
  } else if (pack.possiblyRelated && first?.kind === 'text') {
    summary = `${alert.title}: names no known resource; ${pack.primary.map((r) => r.name).join(', ')} possibly related`;
    parts[0] = { kind: 'text', markdown: `${alertLine}\n${unknownLine} Its text mentions ${pack.primary.map((r) => r.name).join(' and ')}, so I looked there (possibly related):\n${first.markdown}` };
  } else if (first?.kind === 'text') {
    parts[0] = { kind: 'text', markdown: `${alertLine}\n${first.markdown}` };
  } else {
    parts.unshift({ kind: 'text', markdown: alertLine });
  }
  return { summary, parts, ...(evidenceReply.diagnosis ? { diagnosis: evidenceReply.diagnosis } : {}) };
}
