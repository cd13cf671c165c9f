import type { KnownBlock } from '@slack/types';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import { findActionKind } from '../../src/approvals/catalog.ts';
import type { MetricSummary } from '../../src/metrics/source.ts';
import type { Reply, ReplyPart, ResourceCard } from '../../src/reply.ts';
import { responderFactList, responderFacts } from '../../src/resource-facts.ts';
import { approvalActionsBlockId, approvalBlockId, approveActionId, denyActionId, undoActionId } from './ids.ts';
import { escapeMrkdwn, truncate } from './mrkdwn.ts';

const maxBlocks = 50;
const maxSectionChars = 3000;
const maxListItems = 10;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Renders a platform-neutral reply as Block Kit, within Slack's block and length limits. */
export function renderReply(reply: Reply): SlackMessage {
  const blocks = reply.parts.flatMap(renderPart);
  if (blocks.length > maxBlocks) {
    blocks.splice(maxBlocks - 1, blocks.length, context(`… ${blocks.length - maxBlocks + 1} more block(s) left out to fit Slack's limit.`));
  }
  return { text: truncate(escapeMrkdwn(reply.summary), 3000), blocks };
}

/** About how much text Slack shows in one message before it collapses it; a message holds up to 50 blocks. */
const maxMessageChars = 12_000;
/** A reply longer than this many messages ends with a note of what was left out. */
const maxMessages = 10;

/**
 * Renders a reply as one or more messages for a thread: each within 50 blocks and ~12k characters,
 * each with fallback text. An approval card and its buttons stay in one message.
 */
export function renderReplyMessages(reply: Reply): SlackMessage[] {
  const units = reply.parts.flatMap((part): KnownBlock[][] => (part.kind === 'text' ? renderPart(part).map((b) => [b]) : [renderPart(part)]));
  const chunks: KnownBlock[][] = [];
  let current: KnownBlock[] = [];
  let chars = 0;
  for (const unit of units) {
    const size = unit.reduce((n, b) => n + blockChars(b), 0);
    if (current.length > 0 && (current.length + unit.length > maxBlocks || chars + size > maxMessageChars)) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(...unit);
    chars += size;
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current);
  if (chunks.length > maxMessages) {
    const leftOut = chunks.slice(maxMessages - 1).reduce((n, c) => n + c.length, 0);
    chunks.splice(maxMessages - 1, chunks.length, [context(`… ${leftOut} more block(s) of this answer left out; ask a narrower question to see them.`)]);
  }
  return chunks.map((blocks, i) => ({
    // The notification text carries data too (a resource name, a user's query, an alert title): escaped like the blocks.
    text: truncate(escapeMrkdwn(i === 0 ? reply.summary : `${reply.summary} (continued, ${i + 1}/${chunks.length})`), 3000),
    blocks,
  }));
}

/** A block's size for the per-message budget: its JSON, a safe over-estimate of the text it shows. */
function blockChars(block: KnownBlock): number {
  return JSON.stringify(block).length;
}

function renderPart(part: ReplyPart): KnownBlock[] {
  switch (part.kind) {
    case 'text':
      return splitSections(escapeMrkdwn(part.markdown));
    case 'facts':
      return [{
        type: 'section',
        ...(part.title ? { text: { type: 'mrkdwn', text: `*${escapeMrkdwn(part.title)}*` } } : {}),
        fields: part.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, 2000) })),
      }];
    case 'resources':
      return [section(`*${escapeMrkdwn(part.title)}*\n${listWithMore(part.resources.map(resourceLine))}`)];
    case 'metrics':
      return [
        section(`*${escapeMrkdwn(part.title)}*\n${listWithMore(part.summaries.map(metricLine))}`),
        ...(part.chart ? [context(`:chart_with_upwards_trend: Chart attached in this thread: ${escapeMrkdwn(part.chart.alt)}`)] : []),
      ];
    case 'diagram':
      return renderDiagram(part);
    case 'citations':
      return [context(part.citations.slice(0, 10).map((c) => `:book: [${escapeMrkdwn(c.runbookId)} § ${escapeMrkdwn(c.section)}] ${escapeMrkdwn(c.title)}`).join('   '))];
    case 'approval':
      return renderApproval(part.approval);
    case 'status':
      return [context(`${escapeMrkdwn(part.text)}${part.degraded.length ? `\n:warning: ${part.degraded.map(escapeMrkdwn).join('\n:warning: ')}` : ''}`)];
  }
}

/**
 * A diagram: the picture is uploaded into the thread after the answer (uploads.ts), so the message
 * carries its title and description; `--format mermaid` shows the Mermaid text as code instead.
 */
function renderDiagram(part: Extract<ReplyPart, { kind: 'diagram' }>): KnownBlock[] {
  if (part.format === 'png') return [section(`*${escapeMrkdwn(part.title)}*`), context(`:frame_with_picture: Diagram attached in this thread: ${escapeMrkdwn(part.alt)}`)];
  // Code blocks cannot span sections: the text is cut at line ends into fenced pieces.
  const pieces: string[] = [];
  let current = '';
  for (const line of escapeMrkdwn(part.mermaid).split('\n')) {
    if (current && current.length + line.length + 1 > maxSectionChars - 10) {
      pieces.push(current);
      current = '';
    }
    current += `${current ? '\n' : ''}${line}`;
  }
  if (current) pieces.push(current);
  return [section(`*${escapeMrkdwn(part.title)}* (Mermaid)`), ...pieces.map((piece) => section(`\`\`\`${piece}\`\`\``)), context(escapeMrkdwn(part.alt))];
}

/** The approval card: exactly what will run, and the buttons while it is pending. */
export function renderApproval(approval: ApprovalRequest): KnownBlock[] {
  const kind = findActionKind(approval.action.kind);
  const what = kind ? kind.describe(approval.action.params as never, approval.action.targetName) : approval.action.kind;
  const header = [
    `*Approval ${approval.state === 'pending' ? 'needed' : approval.state}:* ${escapeMrkdwn(what)}`,
    `\`${escapeMrkdwn(approval.action.kind)}\` · ${approval.risk} risk · needs ${approval.requiredRole} · account ${escapeMrkdwn(approval.action.accountId)}`,
    `Parameters: \`${escapeMrkdwn(JSON.stringify(approval.action.params))}\``,
    `Reason: ${escapeMrkdwn(approval.reason)}`,
    ...(approval.rollbackOf ? [`Undoes request \`${approval.rollbackOf}\``] : []),
    // Slack shows the date in the reader's time zone; the fallback is UTC.
    ...(approval.state === 'pending' ? [`Expires <!date^${Math.floor(Date.parse(approval.expiresAt) / 1000)}^{date_short_pretty} at {time}|${approval.expiresAt}>: an expired request can no longer be approved`] : []),
    ...(approval.dryRun ? [`Dry run (${escapeMrkdwn(approval.dryRun.executor)}): ${approval.dryRun.ok ? ':white_check_mark:' : ':x:'} ${escapeMrkdwn(approval.dryRun.message)}`] : []),
    ...(approval.execution ? [`Result (${escapeMrkdwn(approval.execution.executor)}): ${approval.execution.ok ? ':white_check_mark:' : ':x:'} ${escapeMrkdwn(approval.execution.message)}${approval.execution.providerCode ? ` (\`${escapeMrkdwn(approval.execution.providerCode)}\`)` : ''}`] : []),
    ...(approval.verification ? [`Verification: ${approval.verification.status} · ${escapeMrkdwn(approval.verification.message)}`] : []),
  ].join('\n');
  const card: KnownBlock = { type: 'section', block_id: approvalBlockId(approval.id), text: { type: 'mrkdwn', text: truncate(header, maxSectionChars) } };
  const rollback = approval.state === 'succeeded' ? approval.execution?.rollback : undefined;
  if (approval.state !== 'pending') {
    const decided: KnownBlock[] = [card, context(decisionLine(approval))];
    if (!rollback) return decided;
    // The button carries only the id; the rollback plan is read back from the stored request.
    return [...decided, {
      type: 'actions',
      block_id: approvalActionsBlockId(approval.id),
      elements: [{
        type: 'button', action_id: undoActionId, value: approval.id, text: { type: 'plain_text', text: 'Undo' },
        confirm: {
          title: { type: 'plain_text', text: 'Propose the undo?' },
          text: { type: 'mrkdwn', text: truncate(`${escapeMrkdwn(rollback.description)}. It needs approval like any other action.`, 300) },
          confirm: { type: 'plain_text', text: 'Propose undo' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      }],
    }];
  }
  return [card, {
    type: 'actions',
    block_id: approvalActionsBlockId(approval.id),
    elements: [
      {
        type: 'button', action_id: approveActionId, value: approval.id, style: 'primary', text: { type: 'plain_text', text: 'Approve' },
        ...(approval.risk === 'low' ? {} : {
          confirm: {
            title: { type: 'plain_text', text: 'Run this action?' },
            text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(what), 300) },
            confirm: { type: 'plain_text', text: 'Approve and run' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        }),
      },
      { type: 'button', action_id: denyActionId, value: approval.id, style: 'danger', text: { type: 'plain_text', text: 'Deny' } },
    ],
  }];
}

/** Replaces the card of one approval inside an existing message, keeping the rest of it. */
export function replaceApprovalBlocks(blocks: readonly KnownBlock[], approval: ApprovalRequest): KnownBlock[] {
  const ids = new Set([approvalBlockId(approval.id), approvalActionsBlockId(approval.id)]);
  const index = blocks.findIndex((b) => b.block_id !== undefined && ids.has(b.block_id));
  const rendered = renderApproval(approval);
  if (index === -1) return [...blocks, ...rendered];
  const rest = blocks.filter((b, i) => i < index || (i > index && !(b.block_id !== undefined && ids.has(b.block_id)) && !isDecisionContextOf(blocks, i, index)));
  rest.splice(index, 0, ...rendered);
  return rest;
}

// A decided card is followed by its decision context block, which has no block id of its own.
function isDecisionContextOf(blocks: readonly KnownBlock[], i: number, cardIndex: number): boolean {
  return i === cardIndex + 1 && blocks[i]?.type === 'context';
}

export function decisionLine(approval: ApprovalRequest): string {
  const last = approval.decisions.at(-1);
  const who = last ? `<@${last.by}>` : 'nobody';
  const icon = { approved: ':hourglass:', executing: ':hourglass:', succeeded: ':white_check_mark:', failed: ':x:', denied: ':no_entry_sign:', expired: ':clock3:', pending: ':grey_question:' }[approval.state];
  const verb = last?.decision === 'deny' ? 'Denied' : approval.state === 'expired' ? 'Expired' : 'Approved';
  const result = approval.result ? ` · ${escapeMrkdwn(approval.result)}` : '';
  return truncate(`${icon} ${verb} by ${who} · ${approval.state}${result}`, 3000);
}

/** One resource: its name links to the provider's console; owner, on-call, counts and last change follow when known. */
function resourceLine(card: ResourceCard): string {
  const r = card.resource;
  const facts = responderFacts(r);
  const name = facts.consoleUrl ? `*<${consoleHref(facts.consoleUrl)}|${escapeMrkdwn(r.name)}>*` : `*${escapeMrkdwn(r.name)}*`;
  const extra = responderFactList(facts).map((f) => `${f.label.toLowerCase()} ${escapeMrkdwn(f.value)}`);
  return `• ${name} \`${escapeMrkdwn(r.type)}\` ${escapeMrkdwn(r.region)} · ${escapeMrkdwn(r.state)}${extra.length ? ` · ${extra.join(' · ')}` : ''}${card.relation ? ` · _${escapeMrkdwn(card.relation)}_` : ''}`;
}

/** A URL inside Slack's `<url|label>`: the characters that would end it are escaped. */
function consoleHref(url: string): string {
  return url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
}

function metricLine(s: MetricSummary): string {
  const flag = s.anomaly ? ` :warning: ${escapeMrkdwn(s.anomaly)}` : s.baseline?.departs ? ` :warning: well ${s.baseline.direction} its baseline ${s.baseline.baseline}` : '';
  const change = s.change?.percent === undefined ? '' : `, ${s.change.percent >= 0 ? '+' : ''}${s.change.percent}% vs previous`;
  return `• *${escapeMrkdwn(s.resourceName)}* ${escapeMrkdwn(s.metric)}: last ${s.last} ${escapeMrkdwn(s.unit)} (avg ${s.avg}, p95 ${s.p95}, max ${s.max}, ${s.trend}${change})${flag} _${escapeMrkdwn(s.source)}_`;
}

function listWithMore(lines: readonly string[]): string {
  const shown = lines.slice(0, maxListItems);
  const more = lines.length - shown.length;
  return truncate([...shown, ...(more > 0 ? [`…and ${more} more`] : [])].join('\n'), maxSectionChars - 200);
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, maxSectionChars) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, 3000) }] };
}

/** Long text becomes several sections, cut at line breaks where possible. */
function splitSections(text: string): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let rest = text;
  while (rest.length > maxSectionChars) {
    const newline = rest.lastIndexOf('\n', maxSectionChars);
    const cut = newline > maxSectionChars / 2 ? newline : rest.lastIndexOf(' ', maxSectionChars) > 0 ? rest.lastIndexOf(' ', maxSectionChars) : maxSectionChars;
    blocks.push(section(rest.slice(0, cut)));
    rest = rest.slice(cut).trimStart();
  }
  if (rest) blocks.push(section(rest));
  return blocks;
}
