import { AIMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { messageText } from './bounds.ts';
import { readTextToolCall } from './text-tool-calls.ts';

let textCallCounter = 0;

/**
 * Turns a tool call that the model wrote as text (bare JSON, a ```json fence, <tool_call> tags) into a
 * real tool call when the tool is on offer, so small local models can use tools at all. A text call
 * that cannot run (unknown tool, or the final tool-less turn) becomes an empty reply: the bounds
 * middleware then asks once for a valid call or an answer, and otherwise the evidence answer stands.
 * The JSON never reaches the user as an answer. Sits inside the bounds middleware, which counts the
 * converted call like any other.
 */
export function textToolCallsMiddleware(onRefused: (reason: string) => void = () => {}) {
  return createMiddleware({
    name: 'CloudCompanionTextToolCalls',
    wrapModelCall: async (request, handler) => {
      const response = await handler(request);
      if ((response.tool_calls?.length ?? 0) > 0) return response;
      const offered = new Set((request.tools ?? []).flatMap((tool) => (typeof (tool as { name?: unknown }).name === 'string' ? [(tool as { name: string }).name] : [])));
      const reading = readTextToolCall(messageText(response), offered);
      if (reading.kind === 'none') return response;
      const usage = response.usage_metadata ? { usage_metadata: response.usage_metadata } : {};
      if (reading.kind === 'refused') {
        onRefused(reading.reason);
        return new AIMessage({ content: '', ...usage });
      }
      textCallCounter += 1;
      return new AIMessage({
        content: '',
        tool_calls: [{ id: `text_call_${textCallCounter}`, name: reading.call.name, args: reading.call.args, type: 'tool_call' }],
        ...usage,
      });
    },
  });
}
