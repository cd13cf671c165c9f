import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';

/** One turn of a scripted tool-calling model. */
export type ScriptStep =
  /** Ask for tools (optionally with some text, as real models sometimes do). */
  | { tools: readonly { name: string; args: Record<string, unknown> }[]; text?: string }
  /** Answer in text. `{{id:name}}` is replaced by the id of the resource with that name as the model saw it in its input. */
  | { answer: string }
  /** Fail the way a model server fails. */
  | { error: string }
  /** Decide from what the model was sent. */
  | ((messages: readonly BaseMessage[]) => AIMessage);

let callCounter = 0;

/**
 * A tool-calling chat model that plays a script, one step per call (LangChain's own `fakeModel`,
 * which records every call). It reports no token usage, like a server that omits it, so the
 * agent's accounting falls back to its estimate.
 */
export function scriptedModel(steps: readonly ScriptStep[]) {
  const model = fakeModel();
  for (const step of steps) {
    if (typeof step === 'function') model.respond((messages) => step(messages));
    else if ('error' in step) model.respond(new Error(step.error));
    else if ('tools' in step) {
      model.respond(() => new AIMessage({
        content: step.text ?? '',
        tool_calls: step.tools.map((call) => ({ name: call.name, args: call.args, id: `call_${(callCounter += 1)}`, type: 'tool_call' as const })),
      }));
    } else model.respond((messages) => new AIMessage(fillIds(step.answer, messages)));
  }
  return model;
}

/** Text of every message a model call received, for assertions on what the model saw. */
export function seen(messages: readonly BaseMessage[]): string {
  return messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}

function fillIds(answer: string, messages: readonly BaseMessage[]): string {
  const text = seen(messages);
  return answer.replace(/\{\{id:([^}]+)\}\}/g, (_, name: string) => {
    const match = new RegExp(`${escape(name)} \\([^)]*\\)[^\\n]*? id=(\\S+)`).exec(text);
    return match?.[1] ?? `(no id for ${name})`;
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
