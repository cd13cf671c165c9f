import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { findActionKind } from '../../src/approvals/catalog.ts';
import type { MetricSummary } from '../../src/metrics/source.ts';
import type { Reply, ReplyPart, ResourceCard } from '../../src/reply.ts';
import { responderFactList, responderFacts } from '../../src/resource-facts.ts';
import { approveVerb, denyVerb, undoVerb } from './ids.ts';
import { plain, toCardMarkdown, truncate } from './markdown.ts';

/**
 * Adaptive Cards for Teams: schema 1.5 (the newest Teams renders, and the first where Teams supports
 * Action.Execute), each card's JSON kept under 28 KB (the budget that is safe on every Teams path;
 * bot messages fail over ~100 KB). Platform-rules §2.6 and §2.9.
 */
export const cardVersion = '1.5';
export const cardSizeBudget = 28 * 1024;
export const adaptiveCardType = 'application/vnd.microsoft.card.adaptive';

const maxTextChars = 6000;
const maxListItems = 10;
const maxApprovalsPerReply = 10;

export type CardElement = Record<string, unknown> & { type: string };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  actions?: CardElement[];
  msteams?: { width: 'Full' };
}

export interface CardAttachment {
  contentType: typeof adaptiveCardType;
  content: AdaptiveCard;
}

/** The answer split the Teams way: one card for the findings, one per approval so each can be updated alone. */
export interface RenderedReply {
  summary: string;
  answer: AdaptiveCard;
  approvals: ApprovalRequest[];
  /** Approval requests not posted, to stay within Teams' per-thread rate limits. */
  approvalsLeftOut: number;
  /** Pictures too big to travel inside the card: they follow it as picture cards (adapters/teams/messages.ts). */
  images: ImageAttachment[];
}

/** A picture that follows the answer card, in a picture card of its own (a base64 data URI Image). */
export interface ImageAttachment {
  contentType: 'image/png';
  name: string;
  /** The picture in words (the card says it where the picture would have been). */
  alt: string;
  png: Uint8Array;
  width: number;
  height: number;
}

export function card(body: CardElement[], actions: CardElement[] = []): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: cardVersion,
    body,
    ...(actions.length ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

export function attachment(content: AdaptiveCard): CardAttachment {
  return { contentType: adaptiveCardType, content };
}

export function cardBytes(content: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(content), 'utf8');
}

export function renderReply(reply: Reply): RenderedReply {
  const approvals = reply.parts.flatMap((p) => (p.kind === 'approval' ? [p.approval] : []));
  const body: CardElement[] = [];
  const rest = reply.parts.filter((p) => p.kind !== 'approval');
  let leftOut = 0;
  const images: ImageAttachment[] = [];
  const fits = (elements: CardElement[]): boolean => cardBytes(card([...body, ...elements])) <= cardSizeBudget - 512;
  for (const part of rest) {
    // A chart or diagram travels inline (a data URI); when it would not fit, its description stands
    // in for it in the card and the picture follows as an image attachment.
    const picture = part.kind === 'metrics' ? part.chart : part.kind === 'diagram' ? part.image : undefined;
    const without = part.kind === 'metrics' ? { ...part, chart: undefined } : part.kind === 'diagram' ? { ...part, image: undefined } : part;
    const candidates = picture
      ? [renderPart(part), [...renderPart(without), text(`${part.kind === 'metrics' ? '📈' : '🖼️'} ${plain(picture.alt)} (The picture follows below.)`, { isSubtle: true, size: 'Small' })]]
      : part.kind === 'diagram' && part.format === 'mermaid'
        ? [renderPart(part), [heading(part.title), text(`The Mermaid text is too long for a card: \`cloud-companion diagram\` prints it. ${plain(part.alt)}`, { isSubtle: true, size: 'Small' })]]
        : [renderPart(part)];
    const index = candidates.findIndex(fits);
    const elements = candidates[index];
    if (leftOut > 0 || !elements) {
      leftOut += 1;
      continue;
    }
    body.push(...elements);
    if (picture && index > 0) images.push({ contentType: 'image/png', name: picture.fileName, alt: picture.alt, png: picture.png, width: picture.width, height: picture.height });
  }
  // A reply of approvals only (`approvals`) would otherwise be a card without a heading.
  if (approvals.length > 0 && rest.every((p) => p.kind === 'status')) body.unshift(text(`**${plain(reply.summary)}**`, { size: 'Medium' }));
  if (leftOut > 0) body.push(text(`… ${leftOut} more part(s) left out to fit Teams' card size limit.`, { isSubtle: true, size: 'Small' }));
  if (approvals.length > 0) body.push(text(`${approvals.length} approval request(s) follow in this thread.`, { isSubtle: true, size: 'Small' }));
  if (body.length === 0) body.push(text(toCardMarkdown(reply.summary)));
  return {
    summary: truncate(reply.summary, 250),
    answer: card(body),
    approvals: approvals.slice(0, maxApprovalsPerReply),
    approvalsLeftOut: Math.max(0, approvals.length - maxApprovalsPerReply),
    images,
  };
}

function dataUri(image: { mimeType: string; png: Uint8Array }): string {
  return `data:${image.mimeType};base64,${Buffer.from(image.png).toString('base64')}`;
}

function image(picture: { mimeType: string; png: Uint8Array; alt: string }): CardElement {
  return { type: 'Image', url: dataUri(picture), altText: truncate(picture.alt, 1000), size: 'Stretch' };
}

function renderPart(part: Exclude<ReplyPart, { kind: 'approval' }>): CardElement[] {
  switch (part.kind) {
    case 'text':
      return paragraphs(part.markdown);
    case 'facts':
      return [
        ...(part.title ? [heading(part.title)] : []),
        { type: 'FactSet', facts: part.facts.slice(0, 20).map((f) => ({ title: truncate(plain(f.label), 100), value: truncate(plain(f.value), 1000) })) },
      ];
    case 'resources':
      return [heading(part.title), { type: 'FactSet', facts: withMore(part.resources.map(resourceFact), (more) => ({ title: '…', value: `and ${more} more` })) }];
    case 'metrics':
      return [
        heading(part.title),
        ...withMore(part.summaries.map(metricLine), (more) => text(`…and ${more} more`, { isSubtle: true })),
        ...(part.chart ? [image(part.chart)] : []),
      ];
    case 'diagram':
      if (part.format === 'mermaid') {
        // One monospace TextBlock per line: Teams breaks lines inside a TextBlock only on blank lines.
        return [heading(`${part.title} (Mermaid)`), ...part.mermaid.trimEnd().split('\n').map((line) => text(plain(line), { fontType: 'Monospace', spacing: 'None', size: 'Small' })), text(plain(part.alt), { isSubtle: true, size: 'Small' })];
      }
      return [heading(part.title), ...(part.image ? [image(part.image)] : [text(plain(part.alt), { isSubtle: true, size: 'Small' })])];
    case 'citations':
      return [text(part.citations.slice(0, 10).map((c) => `📖 [${plain(c.runbookId)} § ${plain(c.section)}] ${plain(c.title)}`).join('\n\n'), { isSubtle: true, size: 'Small' })];
    case 'status':
      return [
        text(plain(part.text), { isSubtle: true, size: 'Small', separator: true }),
        ...part.degraded.map((d) => text(`⚠️ ${plain(d)}`, { color: 'Warning', size: 'Small' })),
      ];
  }
}

/** The approval card: exactly what will run, and Approve/Deny while it is pending. */
export function renderApproval(approval: ApprovalRequest): AdaptiveCard {
  const kind = findActionKind(approval.action.kind);
  const what = kind ? kind.describe(approval.action.params as never, approval.action.targetName) : approval.action.kind;
  const body: CardElement[] = [
    text(`**Approval ${approval.state === 'pending' ? 'needed' : approval.state}:** ${plain(what)}`, { size: 'Medium' }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Action', value: plain(approval.action.kind) },
        { title: 'Risk', value: `${approval.risk} · needs ${approval.requiredRole}` },
        { title: 'Account', value: plain(approval.action.accountId) },
        { title: 'Parameters', value: truncate(plain(JSON.stringify(approval.action.params)), 1000) },
        { title: 'Reason', value: truncate(plain(approval.reason), 1000) },
        ...(approval.state === 'pending' ? [{ title: 'Expires', value: `${approval.expiresAt.slice(0, 16).replace('T', ' ')} UTC` }] : []),
        ...outcomeFacts(approval),
      ],
    },
  ];
  if (approval.state !== 'pending') {
    const decided = [...body, text(decisionLine(approval), { weight: 'Bolder', color: decisionColor(approval), separator: true })];
    const rollback = approval.state === 'succeeded' ? approval.execution?.rollback : undefined;
    if (!rollback) return card(decided);
    // Undo asks first, as Slack's confirm dialog does; the action carries only the id, the plan is read back from the store.
    const undo = {
      type: 'Action.ShowCard',
      title: 'Undo…',
      card: {
        type: 'AdaptiveCard',
        body: [text(`Propose the undo? ${plain(rollback.description)}. It needs approval like any other action.`)],
        actions: [{ type: 'Action.Execute', title: 'Propose undo', verb: undoVerb, data: { approvalId: approval.id } }],
      },
    };
    return card(decided, [undo]);
  }
  const data = { approvalId: approval.id };
  const approve = { type: 'Action.Execute', title: 'Approve', verb: approveVerb, data, style: 'positive' };
  const deny = { type: 'Action.Execute', title: 'Deny', verb: denyVerb, data, style: 'destructive' };
  if (approval.risk === 'low') return card(body, [approve, deny]);
  // Medium and high risk: Approve opens a confirmation naming the action, as Slack's confirm dialog does.
  const confirm = {
    type: 'Action.ShowCard',
    title: 'Approve…',
    card: { type: 'AdaptiveCard', body: [text(`Run this action? ${plain(what)}`)], actions: [{ ...approve, title: 'Approve and run' }] },
  };
  return card(body, [confirm, deny]);
}

/** What Slack's card shows too: the undone request, the dry run, the result and the later verification. */
function outcomeFacts(approval: ApprovalRequest): { title: string; value: string }[] {
  const mark = (ok: boolean): string => (ok ? '✅' : '❌');
  return [
    ...(approval.rollbackOf ? [{ title: 'Undoes', value: `request ${approval.rollbackOf}` }] : []),
    ...(approval.dryRun ? [{ title: `Dry run (${plain(approval.dryRun.executor)})`, value: truncate(`${mark(approval.dryRun.ok)} ${plain(approval.dryRun.message)}`, 1000) }] : []),
    ...(approval.execution ? [{
      title: `Result (${plain(approval.execution.executor)})`,
      value: truncate(`${mark(approval.execution.ok)} ${plain(approval.execution.message)}${approval.execution.providerCode ? ` (${plain(approval.execution.providerCode)})` : ''}`, 1000),
    }] : []),
    ...(approval.verification ? [{ title: 'Verification', value: truncate(`${approval.verification.status} · ${plain(approval.verification.message)}`, 1000) }] : []),
  ];
}

export function decisionLine(approval: ApprovalRequest): string {
  const last = approval.decisions.at(-1);
  const who = last ? plain(last.byName ?? last.by) : 'nobody';
  const icon = { approved: '⏳', executing: '⏳', succeeded: '✅', failed: '❌', denied: '🚫', expired: '🕒', pending: '❔' }[approval.state];
  const verb = last?.decision === 'deny' ? 'Denied' : approval.state === 'expired' ? 'Expired' : 'Approved';
  const result = approval.result ? ` · ${plain(approval.result)}` : '';
  return truncate(`${icon} ${verb} by ${who} · ${approval.state}${result}`, 2000);
}

function decisionColor(approval: ApprovalRequest): string {
  if (approval.state === 'succeeded') return 'Good';
  if (approval.state === 'failed' || approval.state === 'denied') return 'Attention';
  return 'Default';
}

/** The placeholder shown while an investigation runs. */
export function renderProgress(step: string): AdaptiveCard {
  return card([text(`⏳ ${plain(step)}`, { isSubtle: true })]);
}

export function renderText(markdown: string): AdaptiveCard {
  return card(paragraphs(markdown));
}

/** One TextBlock per line: Teams only breaks lines inside a TextBlock on a blank line. */
function paragraphs(markdown: string): CardElement[] {
  return toCardMarkdown(truncate(markdown, maxTextChars)).split('\n').filter((line) => line.trim()).map((line, i) => text(line, i === 0 ? {} : { spacing: 'Small' }));
}

/** One resource as a fact: owner, on-call, counts and last change when known, and a link to open it in the provider's console. */
function resourceFact(cardItem: ResourceCard): { title: string; value: string } {
  const r = cardItem.resource;
  const facts = responderFacts(r);
  const extra = responderFactList(facts).map((f) => `${f.label.toLowerCase()} ${f.value}`);
  const text = truncate(plain(`${r.type} · ${r.region} · ${r.state}${extra.length ? ` · ${extra.join(' · ')}` : ''}${cardItem.relation ? ` · ${cardItem.relation}` : ''}`), 500);
  // The link is ours (built from the resource id, each part URL-encoded), so it is added after defusing.
  return { title: truncate(plain(r.name), 100), value: facts.consoleUrl ? `${text} · [console](${facts.consoleUrl.replace(/\)/g, '%29')})` : text };
}

function metricLine(s: MetricSummary): CardElement {
  const flag = s.anomaly ? ` ⚠️ ${plain(s.anomaly)}` : '';
  return text(truncate(`**${plain(s.resourceName)}** ${plain(s.metric)}: last ${s.last} ${plain(s.unit)} (avg ${s.avg}, max ${s.max}, ${s.trend})${flag} _${plain(s.source)}_`, 1000), {
    spacing: 'None',
    ...(s.anomaly ? { color: 'Attention' } : {}),
  });
}

function withMore<T>(items: readonly T[], more: (count: number) => T): T[] {
  const shown = items.slice(0, maxListItems);
  return items.length > shown.length ? [...shown, more(items.length - shown.length)] : shown;
}

function heading(title: string): CardElement {
  return text(`**${plain(title)}**`, { spacing: 'Medium' });
}

function text(value: string, options: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text: value, wrap: true, ...options };
}
