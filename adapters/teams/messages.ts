import type { Activity } from 'botbuilder';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { Reply } from '../../src/reply.ts';
import { plain, toCardMarkdown, truncate } from './markdown.ts';
import { activityBudgetBytes, fitPicture, jsonBytes } from './pictures.ts';
import { adaptiveCardType, attachment, decisionLine, renderApproval, renderReply, renderText, type AdaptiveCard, type CardAttachment, type ImageAttachment } from './render.ts';

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

/** Held back from the budget for what botbuilder adds to an activity (from, recipient, conversation, ids). */
const envelopeReserveBytes = 2 * 1024;

/**
 * Chat content as activities, each within Teams' size budget (adapters/teams/pictures.ts): the
 * answer card with the pictures that fit beside it (scaled down if need be), a picture that does not
 * in a message of its own, then one card per approval.
 */
export async function contentMessages(content: string | Reply): Promise<Partial<Activity>[]> {
  if (typeof content === 'string') return [cardMessage(renderText(content), truncate(content, 250))];
  const rendered = renderReply(content);
  const answer = cardMessage(rendered.answer, rendered.summary);
  const placed = await placePictures(rendered.images, activityBudgetBytes - envelopeReserveBytes - jsonBytes(answer));
  return [
    placed.beside.length ? { ...answer, attachments: [attachment(rendered.answer), ...placed.beside] } : answer,
    ...placed.alone.map((picture) => ({ type: 'message', summary: truncate(picture.name, 250), attachments: [picture] })),
    ...(placed.leftOut.length ? [textMessage(`${placed.leftOut.map((name) => `"${plain(name)}"`).join(', ')} ${placed.leftOut.length === 1 ? 'is' : 'are'} too large for Teams even scaled down; \`cloud-companion diagram\` in a terminal draws it.`)] : []),
    ...rendered.approvals.map(approvalMessage),
    ...(rendered.approvalsLeftOut > 0 ? [textMessage(`${rendered.approvalsLeftOut} more approval request(s) are pending; ask \`approvals\` to see them.`)] : []),
  ];
}

interface PictureAttachment {
  contentType: 'image/png';
  contentUrl: string;
  name: string;
}

/**
 * Shares the answer's remaining budget between its pictures, smallest first, so a small chart keeps
 * its size and a big diagram takes what is left. A picture that cannot fit beside the card at a
 * legible size travels alone, in a message of its own under the same budget.
 */
async function placePictures(images: readonly ImageAttachment[], budget: number): Promise<{ beside: PictureAttachment[]; alone: PictureAttachment[]; leftOut: string[] }> {
  const bySize = [...images].sort((a, b) => a.png.length - b.png.length);
  const beside = new Map<ImageAttachment, PictureAttachment>();
  const alone = new Map<ImageAttachment, PictureAttachment>();
  const leftOut: string[] = [];
  let remaining = budget;
  for (const [i, image] of bySize.entries()) {
    const overhead = jsonBytes({ contentType: image.contentType, contentUrl: '', name: image.name }) + 1;
    const share = Math.floor(remaining / (bySize.length - i)) - overhead;
    const fitted = share > 0 ? await fitPicture(image.png, image, share) : undefined;
    if (fitted) {
      beside.set(image, { contentType: image.contentType, contentUrl: fitted.contentUrl, name: image.name });
      remaining -= fitted.contentUrl.length + overhead;
      continue;
    }
    const single = await fitPicture(image.png, image, activityBudgetBytes - envelopeReserveBytes - overhead - 512, 240);
    if (single) alone.set(image, { contentType: image.contentType, contentUrl: single.contentUrl, name: image.name });
    else leftOut.push(image.name);
  }
  // In the reply's own order.
  return {
    beside: images.flatMap((image) => beside.get(image) ?? []),
    alone: images.flatMap((image) => alone.get(image) ?? []),
    leftOut,
  };
}

/** The activity without its pictures (beside the card or inside it), saying so in the card: for a message Teams refused as too large. */
export function withoutPictures(activity: Partial<Activity>): Partial<Activity> | undefined {
  const all = activity.attachments ?? [];
  const cards = all.filter((a) => a.contentType === adaptiveCardType) as CardAttachment[];
  const hadInline = cards.some((a) => a.content.body.some((e) => e.type === 'Image'));
  if (cards.length === all.length && !hadInline) return undefined;
  const notice = { type: 'TextBlock', text: toCardMarkdown('⚠️ The pictures were too large for Teams and are left out; ask `diagram <name>` for a diagram on its own.'), wrap: true, isSubtle: true, size: 'Small' };
  const stripped = cards.map((a, i) => ({ ...a, content: { ...a.content, body: [...a.content.body.filter((e) => e.type !== 'Image'), ...(i === 0 ? [notice] : [])] } }));
  return { ...activity, attachments: stripped };
}
