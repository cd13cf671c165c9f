import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { messageText } from '../../src/agent/llm/bounds.ts';

const Verdict = z.object({
  present: z.array(z.number().int().min(1)).default([]),
  notes: z.string().optional(),
});

/**
 * The optional judge: a second model scores the answer's prose against the scenario's expected
 * elements (which of them the answer states, in any words). Deterministic checks stay the pass/fail
 * signal; the judge's score is reported beside them.
 */
export async function judgeAnswer(model: BaseChatModel, answer: string, elements: readonly string[]): Promise<{ score: number; missing: string[] }> {
  const list = elements.map((e, i) => `${i + 1}. ${e}`).join('\n');
  const response = await model.invoke([
    new SystemMessage('You grade an SRE assistant\'s answer. For each numbered expected element, decide whether the answer states it (same meaning, any words). Reply with JSON only: {"present": [numbers of the elements the answer states], "notes": "one short sentence"}.'),
    new HumanMessage(`Expected elements:\n${list}\n\nAnswer to grade:\n"""\n${answer}\n"""`),
  ]);
  const text = messageText(response);
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  const verdict = Verdict.safeParse(json ? safeJson(json) : undefined);
  if (!verdict.success) return { score: 0, missing: [...elements] };
  const present = new Set(verdict.data.present.filter((n) => n <= elements.length));
  return { score: present.size / Math.max(1, elements.length), missing: elements.filter((_, i) => !present.has(i + 1)) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
