import { z } from 'zod';

/**
 * Small local models often write a tool call as text instead of using the chat API's tool-call
 * field: a bare JSON object, a ```json fence, or Qwen's <tool_call> tags. This module recognises such
 * text so the agent can run the call (when the tool exists and tools are on offer) or refuse it
 * explicitly, instead of showing the JSON to the user as the answer.
 */
export interface TextToolCall {
  name: string;
  args: Record<string, unknown>;
}

export type TextToolCallReading =
  /** Ordinary prose: an answer. */
  | { kind: 'none' }
  | { kind: 'call'; call: TextToolCall }
  /** Looks like a tool call but cannot be run; `reason` is told to the model. */
  | { kind: 'refused'; reason: string };

/** Prose around a call longer than this means the text is an answer that happens to quote JSON. */
const maxSurroundingChars = 160;

const Args = z.union([
  z.record(z.string(), z.unknown()),
  // Some models send arguments as a JSON string.
  z.string().transform((text, ctx) => {
    try {
      return z.record(z.string(), z.unknown()).parse(JSON.parse(text));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'arguments are not a JSON object' });
      return z.NEVER;
    }
  }),
]);

/** The shapes models use: OpenAI's, Qwen's, Llama's and LangChain's older agents'. */
const CallShape = z.union([
  z.object({ name: z.string(), arguments: Args }),
  z.object({ name: z.string(), parameters: Args }),
  z.object({ function: z.object({ name: z.string(), arguments: Args.optional() }) }),
  z.object({ tool: z.string(), args: Args }),
  z.object({ tool: z.string(), tool_input: Args }),
  z.object({ action: z.string(), action_input: Args }),
  z.object({ name: z.string() }),
]);

function normalise(shape: z.infer<typeof CallShape>): TextToolCall {
  if ('function' in shape) return { name: shape.function.name, args: shape.function.arguments ?? {} };
  if ('arguments' in shape) return { name: shape.name, args: shape.arguments };
  if ('parameters' in shape) return { name: shape.name, args: shape.parameters };
  if ('tool_input' in shape) return { name: shape.tool, args: shape.tool_input };
  if ('args' in shape) return { name: shape.tool, args: shape.args };
  if ('action' in shape) return { name: shape.action, args: shape.action_input };
  return { name: shape.name, args: {} };
}

/** The JSON candidate in a text and how much prose surrounds it. */
function candidate(text: string): { json: string; surrounding: number } | undefined {
  const trimmed = text.trim();
  const tagged = /<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/.exec(trimmed);
  if (tagged?.[1]) return { json: tagged[1], surrounding: trimmed.length - tagged[0].length };
  const fences = [...trimmed.matchAll(/```(?:json|JSON|tool_call)?\s*\n?([\s\S]*?)```/g)];
  if (fences.length === 1 && fences[0]?.[1] !== undefined) return { json: fences[0][1].trim(), surrounding: trimmed.length - fences[0][0].length };
  if (fences.length > 1) return undefined;
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) return { json: trimmed, surrounding: 0 };
  return undefined;
}

/**
 * Reads a model's text as a tool call. `offered` is the set of tool names the model may call on this
 * turn (empty on the final, tool-less turn).
 */
export function readTextToolCall(text: string, offered: ReadonlySet<string>): TextToolCallReading {
  const found = candidate(text);
  if (!found || found.surrounding > maxSurroundingChars) return { kind: 'none' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(found.json);
  } catch {
    return { kind: 'none' };
  }
  const shape = CallShape.safeParse(parsed);
  if (!shape.success) return { kind: 'none' };
  const call = normalise(shape.data);
  if (offered.size === 0) return { kind: 'refused', reason: `no tools are available on this turn, so ${call.name} was not run` };
  if (!offered.has(call.name)) return { kind: 'refused', reason: `there is no tool called "${call.name.slice(0, 60)}"; the tools are ${[...offered].join(', ')}` };
  return { kind: 'call', call };
}
