import { responderFactList, responderFacts as factsOf } from '../resource-facts.ts';
import type { CloudResource } from '../stores/graph.ts';
import type { Runbook } from '../stores/runbooks.ts';
import { splitSections } from './actions.ts';
import { isQueueType } from './symptoms.ts';
import type { Diagnosis, Hypothesis, RuleMatch } from './types.ts';
import type { WalkNode } from './walk.ts';

/**
 * The diagnosis in words, for people: the likely cause and its chain first, then what was ruled out
 * and why, then what could not be checked, then the runbook rules and the runbook's own steps. Pure;
 * the investigation turns it into reply parts.
 */
export interface RenderInput {
  diagnosis: Diagnosis;
  subjects: readonly CloudResource[];
  walk: readonly WalkNode[];
  runbooks: readonly Runbook[];
  /** Index into diagnosis.rules of the rule whose action was chosen, if any. */
  chosen?: number;
  /** The subjects are free-text matches of an alert: say so, propose nothing. */
  possiblyRelated?: boolean;
  /** The question only asks (a hypothetical, "show me…"): rules are shown, nothing is proposed. */
  readOnly?: boolean;
}

export interface RenderedDiagnosis {
  summary: string;
  markdown: string;
  /** The runbook steps that fit: "[ecs-service-high-latency § Mitigation]" and the section's text. */
  runbookExcerpt?: { runbookId: string; section: string; text: string };
  /** Who to call and where to look, for the cause (and the subject when it differs). */
  responder: { label: string; value: string }[];
}

const maxExcerptChars = 1400;

export function renderDiagnosis(input: RenderInput): RenderedDiagnosis {
  const { diagnosis, subjects } = input;
  const names = subjects.map((s) => s.name).join(' and ');
  const lines: string[] = [];
  let summary: string;
  const top = diagnosis.hypotheses[0];
  const second = diagnosis.hypotheses[1];

  switch (diagnosis.verdict) {
    case 'cause': {
      const h = top as Hypothesis;
      summary = `Likely cause: ${h.chain.at(-1) ?? h.resourceName}`;
      lines.push(`*Likely cause: ${h.chain.at(-1) ?? h.resourceName}.*`);
      lines.push(chainSentence(h));
      lines.push(`Why this one: ${h.reasons.join('; ')}.`);
      break;
    }
    case 'ambiguous': {
      const a = top as Hypothesis;
      const b = second as Hypothesis;
      summary = `Two possible causes: ${a.chain.at(-1) ?? a.resourceName}, or ${b.chain.at(-1) ?? b.resourceName}`;
      lines.push(`*Two causes remain, and the evidence does not yet tell them apart:*`);
      lines.push(`1. ${chainSentence(a)}`);
      lines.push(`2. ${chainSentence(b)}`);
      if (diagnosis.discriminator) lines.push(`What would tell them apart: ${diagnosis.discriminator.replace(/^Two causes remain: [^.]*\.\s*/, '')}`);
      break;
    }
    case 'healthy':
      summary = `${names || 'Everything checked'} ${subjects.length > 1 ? 'look' : 'looks'} healthy: nothing on the path is past its threshold or off its baseline`;
      lines.push(`*Nothing is wrong that I can see.* ${names || 'The resources'} and the ${Math.max(0, input.walk.length - subjects.length)} resource(s) around ${subjects.length > 1 ? 'them' : 'it'} are within their thresholds and baselines over the last hour.`);
      break;
    case 'unknown':
      summary = subjects.length ? `Not enough evidence to diagnose ${names}` : 'No resource named in the question was found in this channel\'s accounts';
      lines.push(subjects.length
        ? `*I could not diagnose ${names}:* no metrics could be read for it or the resources on its path, and its state says nothing is wrong.`
        : 'I could not find a resource named in your question among the accounts this channel can use. Name it as it appears in your cloud, or try `/cloud resource <name>`.');
      break;
  }
  if (input.possiblyRelated && subjects.length) {
    lines.push(`_${names} ${subjects.length > 1 ? 'are' : 'is'} only possibly related: matched by name in the alert's text, not by the alert's own resource. Nothing is proposed for ${subjects.length > 1 ? 'them' : 'it'}._`);
  }

  // What else is off, except what the lead chain already shows (the entry point's symptom).
  const shownInChain = new Set(diagnosis.hypotheses.slice(0, diagnosis.verdict === 'ambiguous' ? 2 : 1).flatMap((h) => h.chain.map((link) => link.split(' ')[0])));
  const others = diagnosis.hypotheses.slice(diagnosis.verdict === 'ambiguous' ? 2 : 1).filter((h) => !shownInChain.has(h.resourceName)).slice(0, 3);
  if (others.length && diagnosis.verdict !== 'unknown') {
    lines.push(`*Also off:* ${others.map((h) => `${h.chain.at(-1) ?? h.resourceName}${consequence(h, input.walk)}`).join('; ')}.`);
  }
  if (diagnosis.ruledOut.length) {
    lines.push(`*Ruled out:* ${diagnosis.ruledOut.slice(0, 5).map((r) => `${r.resourceName} (${r.reason})`).join('; ')}.`);
  }
  const notChecked = [...diagnosis.notChecked.slice(0, 5), 'recent deployments and configuration changes (no change history is recorded for these resources)'];
  if (diagnosis.verdict !== 'unknown' || subjects.length) lines.push(`*Not checked:* ${notChecked.join('; ')}.`);

  const ruleLines = describeRules(diagnosis, input);
  if (ruleLines.length) lines.push(...ruleLines);

  const excerpt = excerptFor(input);
  const responder = responderFacts(input);
  return { summary, markdown: lines.join('\n'), ...(excerpt ? { runbookExcerpt: excerpt } : {}), responder };
}

function chainSentence(h: Hypothesis): string {
  const [first, ...rest] = h.chain;
  if (!first) return h.resourceName;
  return rest.length ? `${first}, because ${rest.join(', because ')}.` : `${first}.`;
}

function consequence(h: Hypothesis, walk: readonly WalkNode[]): string {
  const node = walk.find((n) => n.resource.id === h.resourceId);
  if (node?.role === 'entry') return ' (where users see it)';
  if (node && isQueueType(node.resource.type) && node.role === 'dependency') return ' (a separate backlog: a queue\'s depth does not slow its producers)';
  return '';
}

function describeRules(diagnosis: Diagnosis, input: RenderInput): string[] {
  if (diagnosis.rules.length === 0) {
    if (input.possiblyRelated || diagnosis.verdict !== 'cause') return diagnosis.verdict === 'ambiguous' ? ['_No action is proposed until one cause stands out._'] : [];
    return ['_No runbook action applies to this cause, so nothing is proposed._'];
  }
  const name = (id: string): string => input.walk.find((n) => n.resource.id === id)?.resource.name ?? id;
  const lines = ['*Runbook rules:*'];
  diagnosis.rules.forEach((rule, index) => {
    const chosen = index === input.chosen;
    const cite = `[${rule.runbookId}${rule.section ? ` § ${rule.section}` : ''}]`;
    const onCause = diagnosis.verdict === 'cause' && rule.hypothesisIndex === 0;
    const held = input.readOnly && onCause ? 'holds (not proposed: the question only asks)' : onCause ? 'holds (one action per cause: not proposed)' : 'holds, but not on the likely cause';
    const verdict = chosen ? 'holds: proposed' : rule.outcome === 'holds' ? held : rule.outcome === 'fails' ? 'does not hold' : 'could not be evaluated';
    const why = rule.when ? ` — \`${rule.when}\`${rule.explanation.length ? `: ${rule.explanation.join('; ')}` : ''}` : ` — ${rule.explanation.join('; ')}`;
    lines.push(`• \`${rule.actionKind}\` on ${name(rule.targetResourceId)} ${cite}: *${verdict}*${why}`);
  });
  return lines;
}

/** The runbook's steps that fit: the section of the chosen action, else how to confirm the likely cause. */
function excerptFor(input: RenderInput): RenderedDiagnosis['runbookExcerpt'] {
  const { diagnosis } = input;
  const chosen = input.chosen !== undefined ? diagnosis.rules[input.chosen] : undefined;
  const top = diagnosis.hypotheses[0];
  if (diagnosis.verdict === 'healthy' && !chosen) return undefined;
  const runbook = chosen
    ? input.runbooks.find((r) => r.id === chosen.runbookId)
    : input.runbooks.find((r) => top && r.resourceTypes.includes(top.resourceType)) ?? input.runbooks.find((r) => input.subjects.some((s) => r.resourceTypes.includes(s.type)));
  if (!runbook) return undefined;
  const sections = splitSections(runbook.body);
  const wanted: (s: { heading: string }) => boolean = chosen?.section
    ? (s) => s.heading === chosen.section
    : (s) => /diagnos|investigat|triage|check/i.test(s.heading);
  const section = sections.find(wanted) ?? sections.find((s) => /mitigat/i.test(s.heading)) ?? sections[0];
  if (!section?.text) return undefined;
  return { runbookId: runbook.id, section: section.heading, text: excerpt(section.text) };
}

/** The section's beginning, cut at a line, with any code block it opened closed again. */
export function excerpt(text: string, max = maxExcerptChars): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  const out: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size + line.length + 1 > max) break;
    out.push(line);
    size += line.length + 1;
  }
  const fences = out.filter((l) => /^\s*```/.test(l)).length;
  if (fences % 2 === 1) out.push('```');
  out.push('…');
  return out.join('\n');
}

function responderFacts(input: RenderInput): { label: string; value: string }[] {
  const top = input.diagnosis.hypotheses[0];
  const ids = [...new Set([...(top && input.diagnosis.verdict !== 'healthy' ? [top.resourceId] : []), ...input.subjects.map((s) => s.id)])];
  const facts: { label: string; value: string }[] = [];
  for (const id of ids.slice(0, 2)) {
    const resource = input.walk.find((n) => n.resource.id === id)?.resource ?? input.subjects.find((s) => s.id === id);
    if (!resource) continue;
    // One source for what a responder needs (owner, on-call, counts, last change, console), as on the resource cards.
    const known = factsOf(resource);
    const details: string[] = [`${resource.type}, ${resource.region}, state ${resource.state}`, ...responderFactList(known).map((f) => `${f.label.toLowerCase()} ${f.value}`)];
    if (known.consoleUrl) details.push(`console ${known.consoleUrl}`);
    facts.push({ label: resource.name, value: details.join(' · ') });
  }
  return facts;
}


export type { RuleMatch };
