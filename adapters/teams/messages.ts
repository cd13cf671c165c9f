import type { Activity } from 'botbuilder';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { Reply } from '../../src/reply.ts';
import { plain, toCardMarkdown, truncate } from './markdown.ts';
import { activityBudgetBytes, fitPicture, jsonBytes } from './pictures.ts';
import { adaptiveCardType, attachment, card, decisionLine, renderApproval, renderReply, renderText, type AdaptiveCard, type CardAttachment, type ImageAttachment } from './render.ts';

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
 * answer card alone (it replaces the placeholder, and Teams refuses to update a message into several
 * attachments: "Activity resulted into multiple skype activities"), then its pictures as picture
 * cards in one message (scaled down to share the budget; one that cannot stay legible there in a
 * message of its own), then one card per approval.
 */
export async function contentMessages(content: string | Reply): Promise<Partial<Activity>[]> {
  if (typeof content === 'string') return [cardMessage(renderText(content), truncate(content, 250))];
  const rendered = renderReply(content);
  const placed = await placePictures(rendered.images, activityBudgetBytes - envelopeReserveBytes - 512);
  const pictureMessage = (cards: CardAttachment[]): Partial<Activity> => ({
    type: 'message',
    summary: truncate(cards.map((c) => String(c.content.body[0]?.altText ?? 'A picture')).join('; '), 250),
    attachments: cards,
  });
  return [
    cardMessage(rendered.answer, rendered.summary),
    ...(placed.beside.length ? [pictureMessage(placed.beside)] : []),
    ...placed.alone.map((picture) => pictureMessage([picture])),
    ...(placed.leftOut.length ? [textMessage(`${placed.leftOut.map((name) => `"${plain(name)}"`).join(', ')} ${placed.leftOut.length === 1 ? 'is' : 'are'} too large for Teams even scaled down; \`cloud-companion diagram\` in a terminal draws it.`)] : []),
    ...rendered.approvals.map(approvalMessage),
    ...(rendered.approvalsLeftOut > 0 ? [textMessage(`${rendered.approvalsLeftOut} more approval request(s) are pending; ask \`approvals\` to see them.`)] : []),
  ];
}

/**
 * A picture as a card of its own (an Image with a data URI and its caption) beside the answer card:
 * Teams and the Agents Playground both render it, whereas a bare image/png attachment is not shown
 * by every Teams client (the Playground refuses it as an unknown attachment type).
 */
function pictureCard(image: ImageAttachment, contentUrl: string): CardAttachment {
  return attachment(card([
    { type: 'Image', url: contentUrl, altText: truncate(image.alt, 1000), size: 'Stretch' },
    { type: 'TextBlock', text: plain(truncate(image.alt, 500)), wrap: true, isSubtle: true, size: 'Small', spacing: 'Small' },
  ]));
}

/**
 * Shares the answer's remaining budget between its pictures, smallest first, so a small chart keeps
 * its size and a big diagram takes what is left. A picture that cannot fit beside the card at a
 * legible size travels alone, in a message of its own under the same budget.
 */
async function placePictures(images: readonly ImageAttachment[], budget: number): Promise<{ beside: CardAttachment[]; alone: CardAttachment[]; leftOut: string[] }> {
  const bySize = [...images].sort((a, b) => a.png.length - b.png.length);
  const beside = new Map<ImageAttachment, CardAttachment>();
  const alone = new Map<ImageAttachment, CardAttachment>();
  const leftOut: string[] = [];
  let remaining = budget;
  for (const [i, image] of bySize.entries()) {
    const overhead = jsonBytes(pictureCard(image, '')) + 1;
    const share = Math.floor(remaining / (bySize.length - i)) - overhead;
    const fitted = share > 0 ? await fitPicture(image.png, image, share) : undefined;
    if (fitted) {
      beside.set(image, pictureCard(image, fitted.contentUrl));
      remaining -= fitted.contentUrl.length + overhead;
      continue;
    }
    const single = await fitPicture(image.png, image, activityBudgetBytes - envelopeReserveBytes - overhead - 512, 240);
    if (single) alone.set(image, pictureCard(image, single.contentUrl));
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
  const [answer, ...others] = cards;
  const isPicture = (a: CardAttachment): boolean => a.content.body.some((e) => e.type === 'Image');
  if (!answer || (cards.length === all.length && !cards.some(isPicture))) return undefined;
  const notice = { type: 'TextBlock', text: toCardMarkdown('⚠️ The pictures were too large for Teams and are left out; ask `diagram <name>` for a diagram on its own.'), wrap: true, isSubtle: true, size: 'Small' };
  const stripped = { ...answer, content: { ...answer.content, body: [...answer.content.body.filter((e) => e.type !== 'Image'), notice] } };
  return { ...activity, attachments: [stripped, ...others.filter((a) => !isPicture(a))] };
}
