import type { Activity } from 'botbuilder';
import type { Outbox } from './connector.ts';
import { withoutPictures } from './messages.ts';
import { failureOf } from './retry.ts';

/** Teams' answer to a message over its size limit (413 RequestEntityTooLarge, MessageSizeTooBig). */
export function isTooLarge(error: unknown): boolean {
  return failureOf(error).status === 413;
}

/**
 * Delivers an activity (post or update); if Teams refuses it as too large and it carries pictures,
 * delivers it again without them (the card says they were left out) rather than losing the answer.
 */
export async function deliverFitted<T>(activity: Partial<Activity>, deliver: (activity: Partial<Activity>) => Promise<T>): Promise<T> {
  try {
    return await deliver(activity);
  } catch (error) {
    const smaller = isTooLarge(error) ? withoutPictures(activity) : undefined;
    if (!smaller) throw error;
    return deliver(smaller);
  }
}

export function sendFitted(outbox: Outbox, activity: Partial<Activity>): Promise<string | undefined> {
  return deliverFitted(activity, (a) => outbox.send(a));
}

/** What the placeholder says when the answer could not be posted at all. */
export function undeliveredText(error: unknown): string {
  const { status } = failureOf(error);
  const why = status === 413 ? 'Teams refused it as too large' : status ? `Teams answered HTTP ${status}` : 'something went wrong while posting it';
  return `⚠️ I could not post the answer here (${why}). Ask again in a moment; \`cloud-companion ask\` in a terminal gives the same answer.`;
}
