import type { Activity } from 'botbuilder';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { Reply } from '../../src/reply.ts';
import { plain, truncate } from './markdown.ts';
import { attachment, decisionLine, renderApproval, renderReply, renderText, type AdaptiveCard } from './render.ts';

/** The activities the bot posts, shared by the turn handlers and the proactive chat channel. */
export function textMessage(markdown: string): Partial<Activity> {
  return { type: 'message', text: markdown, textFormat: 'markdown' };
}

export function cardMessage(content: AdaptiveCard, summary: string): Partial<Activity> {
  return { type: 'message', summary, attachments: [attachment(content)] };
}

export function approvalMessage(approval: ApprovalRequest): Partial<Activity> {
  return cardMessage(renderApproval(approval), approval.state === 'pending' ? `Approval needed: ${approval.action.kind} on ${approval.action.targetName}` : decisionLine(approval));
}

export function resultLine(approval: ApprovalRequest): string {
  const last = approval.decisions.at(-1);
  const icon = approval.state === 'succeeded' ? '✅' : '❌';
  return `${icon} **${plain(last?.byName ?? last?.by ?? 'Someone')}** approved "${approval.action.kind}" on ${plain(approval.action.targetName)}: ${plain(approval.result ?? approval.state)}`;
}

/** Chat content as activities: plain text as a card, a reply as its answer card then one card per approval. */
export function contentMessages(content: string | Reply): Partial<Activity>[] {
  if (typeof content === 'string') return [cardMessage(renderText(content), truncate(content, 250))];
  const rendered = renderReply(content);
  return [
    // Pictures too big for the card travel beside it in the same message, as inline image attachments
    // (the card carries their descriptions), so the answer stays one message.
    { ...cardMessage(rendered.answer, rendered.summary), ...(rendered.images.length ? { attachments: [attachment(rendered.answer), ...rendered.images.map(({ contentType, contentUrl, name }) => ({ contentType, contentUrl, name }))] } : {}) },
    ...rendered.approvals.map(approvalMessage),
    ...(rendered.approvalsLeftOut > 0 ? [textMessage(`${rendered.approvalsLeftOut} more approval request(s) are pending; ask \`approvals\` to see them.`)] : []),
  ];
}
