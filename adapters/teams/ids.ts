/** Shared by the card renderer and the invoke handler, so a button and its handler cannot drift apart. */
export const approveVerb = 'cloud_companion.approve';
export const denyVerb = 'cloud_companion.deny';
/** Undo a succeeded reversible action: proposes the rollback as a new request (as Slack's Undo button). */
export const undoVerb = 'cloud_companion.undo';

const messageIdMarker = ';messageid=';

/**
 * A Teams channel thread is addressed as `<channel id>;messageid=<root message id>`: posting to that
 * conversation id lands in the thread. This is also the thread id the core keys conversations by.
 */
export function threadConversationId(channelId: string, rootMessageId: string): string {
  return `${channelId}${messageIdMarker}${rootMessageId}`;
}

/** Splits a conversation id into its channel (or chat) id and, for a channel thread, the root message id. */
export function splitConversationId(conversationId: string): { channelId: string; rootMessageId?: string } {
  const at = conversationId.indexOf(messageIdMarker);
  if (at === -1) return { channelId: conversationId };
  const rootMessageId = conversationId.slice(at + messageIdMarker.length);
  return { channelId: conversationId.slice(0, at), ...(rootMessageId ? { rootMessageId } : {}) };
}
