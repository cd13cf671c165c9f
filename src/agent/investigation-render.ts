import type { ApprovalRequest } from '../approvals/types.ts';
import { renderDiagnosis } from '../diagnosis/render.ts';
import type { MetricSummary } from '../metrics/source.ts';
import type { Citation, Reply, ReplyPart, ResourceCard } from '../reply.ts';
import type { RunbookHit } from '../stores/runbooks.ts';
import type { EvidencePack } from './evidence-pack.ts';
import { citation } from './reply-parts.ts';

export interface Proposals {
  created: ApprovalRequest[];
  /** Why a chosen action was not proposed (not enabled in this channel, …). */
  notes: string[];
}

/**
 * The investigation's answer: the diagnosis first (likely cause and chain, ruled out, not checked,
 * rules), who to call, the runbook's steps, then the evidence (resources, metrics, citations) and
 * the proposals. The structured diagnosis rides along as `reply.diagnosis`.
 */
export function renderEvidence(pack: EvidencePack, proposals: Proposals = { created: [], notes: [] }): Reply {
  const parts: ReplyPart[] = [];
  const diagnosis = pack.diagnosis;
  if (!diagnosis) return { summary: 'No evidence gathered', parts: [{ kind: 'text', markdown: 'No evidence could be gathered.' }] };
  const chosenRule = diagnosis.rules.findIndex((r) => pack.suggestions.some((s) => s.kind === r.actionKind && s.target.id === r.targetResourceId && s.runbookId === r.runbookId));
  const rendered = renderDiagnosis({
    diagnosis, subjects: pack.primary, walk: pack.walk ?? [], runbooks: pack.runbooks ?? [],
    ...(chosenRule >= 0 ? { chosen: chosenRule } : {}), ...(pack.possiblyRelated ? { possiblyRelated: true } : {}), ...(pack.readOnly ? { readOnly: true } : {}),
  });
  let markdown = rendered.markdown;

  if (pack.primary.length === 0 && pack.hits[0]) markdown += ` The closest runbook is [${pack.hits[0].chunk.runbookId} § ${sectionName(pack.hits[0])}].`;
  parts.push({ kind: 'text', markdown });
  if (rendered.responder.length) parts.push({ kind: 'facts', title: 'Who and where', facts: rendered.responder });
  if (rendered.runbookExcerpt) {
    const e = rendered.runbookExcerpt;
    parts.push({ kind: 'text', markdown: `*Runbook steps* [${e.runbookId} § ${e.section}]\n${e.text}` });
  }
  parts.push(...evidenceParts(pack));
  for (const approval of proposals.created) parts.push({ kind: 'approval', approval });
  if (proposals.notes.length > 0) parts.push({ kind: 'text', markdown: proposals.notes.map((n) => `_${n}_`).join('\n') });
  return { summary: rendered.summary, parts, diagnosis };
}

/** The evidence itself, without conclusions: resource cards, metrics (the bad ones first) and runbook citations. */
export function evidenceParts(pack: EvidencePack): ReplyPart[] {
  const parts: ReplyPart[] = [];
  const walk = pack.walk ?? pack.primary.map((resource) => ({ resource, role: 'subject' as const, depth: 0, relation: 'named' }));
  if (walk.length > 0) {
    const label = pack.possiblyRelated ? 'possibly related (named in the alert text)' : 'named in the question';
    const cards: ResourceCard[] = walk.map((node) => ({ resource: node.resource, relation: node.role === 'subject' ? label : node.relation }));
    parts.push({ kind: 'resources', title: 'Resources', resources: cards });
  }
  if (pack.summaries.length > 0) parts.push({ kind: 'metrics', title: `Metrics, last ${pack.metricWindowMinutes} min`, summaries: notableFirst(pack) });
  if (pack.hits.length > 0) parts.push({ kind: 'citations', citations: uniqueCitations(pack.hits).slice(0, 3) });
  return parts;
}

/** The cause's metrics first, then anything past its threshold, then the rest in walk order. */
function notableFirst(pack: EvidencePack): MetricSummary[] {
  const top = pack.diagnosis?.hypotheses[0];
  const rank = (s: MetricSummary): number => (top && s.resourceId === top.resourceId && s.metric === top.metric ? 0 : s.anomaly ? 1 : s.baseline?.departs ? 2 : 3);
  return pack.summaries.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map(({ s }) => s);
}

/** One citation per runbook section; an intro chunk (section named like the title) is the Overview. */
function uniqueCitations(hits: readonly RunbookHit[]): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const hit of hits) {
    const c = { ...citation(hit), section: sectionName(hit) };
    const key = `${c.runbookId}\u0000${c.section}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

function sectionName(hit: RunbookHit): string {
  return hit.chunk.section === hit.chunk.title ? 'Overview' : hit.chunk.section;
}
