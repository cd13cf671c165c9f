import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import type { ConversationMessage } from '../../stores/conversations.ts';
import { estimateTokens } from './bounds.ts';
import { neutralize } from './fence.ts';

const summaryLineChars = 160;

/**
 * Earlier turns of this one thread (the caller loads them per organization and conversation, so
 * no other thread or tenant can appear here), newest kept verbatim within the token budget and
 * older ones folded into one short summary message. Returns them oldest first.
 */
export function historyMessages(history: readonly ConversationMessage[], tokenBudget: number): BaseMessage[] {
  if (tokenBudget <= 0 || history.length === 0) return [];
  const kept: ConversationMessage[] = [];
  let used = 0;
  let index = history.length - 1;
  // The summary of what does not fit gets a quarter of the budget; recent turns get the rest.
  const recentBudget = Math.floor(tokenBudget * 0.75);
  for (; index >= 0; index -= 1) {
    const turn = history[index] as ConversationMessage;
    const cost = estimateTokens(turn.text) + 4;
    if (used + cost > recentBudget) break;
    kept.unshift(turn);
    used += cost;
  }
  const older = history.slice(0, index + 1);
  const messages: BaseMessage[] = [];
  if (older.length > 0) {
    const summaryBudgetChars = (tokenBudget - used) * 4;
    const lines: string[] = [];
    let chars = 0;
    // Newest of the older turns first: they matter most when the budget runs out.
    for (const turn of [...older].reverse()) {
      const line = `${turn.role === 'user' ? 'Asked' : 'Answered'}: ${clip(turn.text, summaryLineChars)}`;
      if (chars + line.length > summaryBudgetChars) break;
      lines.unshift(line);
      chars += line.length + 1;
    }
    const dropped = older.length - lines.length;
    const header = `Earlier in this thread (summarised${dropped > 0 ? `; ${dropped} older turn(s) left out` : ''}):`;
    messages.push(new HumanMessage(neutralize([header, ...lines].join('\n'))));
    // Keep the user/assistant alternation that chat templates expect.
    messages.push(new AIMessage('Noted.'));
  }
  for (const turn of kept) {
    messages.push(turn.role === 'user' ? new HumanMessage(neutralize(turn.text)) : new AIMessage(neutralize(turn.text)));
  }
  return messages;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
