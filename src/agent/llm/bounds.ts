import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { describeError } from '../../errors.ts';

/** Limits of one agent investigation. Small local models loop and take minutes per call. */
export const AgentBounds = z.object({
  /** Model calls per request, the final (tool-less) answer included. */
  maxLlmCalls: z.number().int().min(1).max(20),
  /** Tool calls the model may make per request. */
  maxToolCalls: z.number().int().min(0).max(50),
  /** Wall time of the agent phase; past it the evidence answer stands with what the tools found. */
  timeoutMs: z.number().int().min(1000).max(3_600_000),
  /** One tool call; a store or provider that hangs fails this call, not the request. */
  toolTimeoutMs: z.number().int().min(100).max(600_000),
  /** Earlier turns of the thread given to the model, in estimated tokens (chars / 4). */
  historyTokens: z.number().int().min(0).max(32_000),
  /** The evidence pack handed to the model, in characters. */
  evidenceChars: z.number().int().min(500).max(64_000),
  /** One tool output handed to the model, in characters. */
  toolOutputChars: z.number().int().min(200).max(16_000),
  /** Approval requests the model may create per request. */
  maxProposals: z.number().int().min(0).max(10),
});
export type AgentBounds = z.infer<typeof AgentBounds>;

export const defaultAgentBounds: AgentBounds = {
  maxLlmCalls: 4,
  maxToolCalls: 6,
  timeoutMs: 180_000,
  toolTimeoutMs: 20_000,
  historyTokens: 1500,
  evidenceChars: 6000,
  toolOutputChars: 2500,
  maxProposals: 2,
};

/** Why the agent stopped short; each becomes a line in the reply saying what was not finished. */
export type StopReason = 'llm_calls' | 'tool_calls' | 'loop' | 'time' | 'empty_answer';

export type ToolOutcome = 'ok' | 'error' | 'timeout' | 'repeated' | 'over_limit';

export interface BudgetObserver {
  onModelCall?(usage: { tokensIn: number; tokensOut: number; estimated: boolean }): void;
  onToolStart?(call: { id: string; name: string; args: Record<string, unknown> }): void;
  onToolEnd?(call: { id: string; name: string; args: Record<string, unknown> }, outcome: ToolOutcome): void;
}

/** Counters of one request, shared by the bounds middleware and the investigator. */
export class RunBudget {
  llmCalls = 0;
  toolCalls = 0;
  tokensIn = 0;
  tokensOut = 0;
  /** True when a model did not report usage and tokens were estimated from characters. */
  tokensEstimated = false;
  repeatedCalls = 0;
  readonly stops = new Set<StopReason>();
  private readonly seen = new Set<string>();
  private readonly deadline: number;

  constructor(readonly bounds: AgentBounds, private readonly now: () => number = Date.now) {
    this.deadline = now() + bounds.timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - this.now());
  }

  /** The next model call must answer without tools. */
  mustAnswer(): boolean {
    return this.llmCalls + 1 >= this.bounds.maxLlmCalls || this.stops.has('tool_calls') || this.stops.has('loop');
  }

  /** Registers a tool call; says whether it may run. */
  admitTool(name: string, args: unknown): 'run' | 'repeated' | 'over_limit' {
    const signature = `${name}:${stableJson(args)}`;
    if (this.seen.has(signature)) {
      this.repeatedCalls += 1;
      // One repeat is refused with a hint; a second means the model is looping: it must answer.
      if (this.repeatedCalls >= 2) this.stops.add('loop');
      return 'repeated';
    }
    if (this.toolCalls >= this.bounds.maxToolCalls) {
      this.stops.add('tool_calls');
      return 'over_limit';
    }
    this.seen.add(signature);
    this.toolCalls += 1;
    return 'run';
  }

  recordUsage(response: AIMessage, sent: readonly BaseMessage[]): { tokensIn: number; tokensOut: number; estimated: boolean } {
    const usage = response.usage_metadata;
    const reported = usage !== undefined && (usage.input_tokens > 0 || usage.output_tokens > 0);
    const tokensIn = reported ? usage.input_tokens : estimateTokens(sent.map(messageText).join('\n'));
    const tokensOut = reported ? usage.output_tokens : estimateTokens(messageText(response) + JSON.stringify(response.tool_calls ?? []));
    if (!reported) this.tokensEstimated = true;
    this.tokensIn += tokensIn;
    this.tokensOut += tokensOut;
    return { tokensIn, tokensOut, estimated: !reported };
  }
}

/** Raised when the model server fails (unreachable, 5xx, model missing): the evidence answer stands. */
export class ModelFailure extends Error {
  constructor(cause: unknown) {
    super(describeError(cause), { cause });
    this.name = 'ModelFailure';
  }
}

const finalTurnNote = '[Cloud Companion] No more tool calls are available. Answer now, from the evidence and tool results above: what is wrong, the evidence (cited), what you propose, and what you could not check.';
const emptyTurnNote = '[Cloud Companion] Your last reply had no text and no valid tool call. Tool arguments must be a JSON object matching the tool\'s schema. Call one tool correctly, or answer in text.';

/**
 * Enforces the bounds inside LangChain's agent loop: counts model calls and tokens, makes the last
 * allowed call tool-less (so the model answers with what it found), refuses tool calls past the
 * limit or repeated with identical arguments, and gives each tool call its own timeout. Tool
 * failures become error results the model can read; model failures become ModelFailure.
 */
export function boundsMiddleware(budget: RunBudget, observer: BudgetObserver = {}) {
  return createMiddleware({
    name: 'CloudCompanionBounds',
    wrapModelCall: async (request, handler) => {
      let messages = request.messages;
      let retried = false;
      for (;;) {
        if (budget.llmCalls >= budget.bounds.maxLlmCalls) {
          budget.stops.add('llm_calls');
          return new AIMessage({ content: '' });
        }
        const final = budget.mustAnswer();
        const sent = final ? [...messages, new HumanMessage(finalTurnNote)] : messages;
        budget.llmCalls += 1;
        let response: AIMessage;
        try {
          response = await handler({ ...request, messages: sent, ...(final ? { tools: [] } : {}) });
        } catch (error) {
          throw new ModelFailure(error);
        }
        observer.onModelCall?.(budget.recordUsage(response, sent));
        if (final && (response.tool_calls?.length ?? 0) > 0) {
          // Asked for tools it no longer has: keep the text, drop the calls, so the loop ends here.
          if (!budget.stops.has('tool_calls') && !budget.stops.has('loop')) budget.stops.add('llm_calls');
          return new AIMessage({ content: response.content, ...(response.usage_metadata ? { usage_metadata: response.usage_metadata } : {}) });
        }
        if (isEmpty(response) && !retried && budget.llmCalls < budget.bounds.maxLlmCalls) {
          // Small models emit malformed tool arguments (dropped by the client) or nothing at all: say so once.
          retried = true;
          messages = [...messages, new HumanMessage(emptyTurnNote)];
          continue;
        }
        if (isEmpty(response)) budget.stops.add('empty_answer');
        return response;
      }
    },
    wrapToolCall: async (request, handler) => {
      const call = { id: request.toolCall.id ?? request.toolCall.name, name: request.toolCall.name, args: request.toolCall.args };
      const refuse = (content: string, outcome: ToolOutcome): ToolMessage => {
        observer.onToolEnd?.(call, outcome);
        return new ToolMessage({ content, tool_call_id: call.id, name: call.name, status: 'error' });
      };
      const admitted = budget.admitTool(call.name, call.args);
      if (admitted === 'repeated') {
        return refuse(`Not run again: ${call.name} was already called with these arguments and its result is above. Use that result, or answer.`, 'repeated');
      }
      if (admitted === 'over_limit') {
        return refuse(`Not run: the limit of ${budget.bounds.maxToolCalls} tool calls for this request is reached. Answer with what you have.`, 'over_limit');
      }
      observer.onToolStart?.(call);
      const timeoutMs = Math.min(budget.bounds.toolTimeoutMs, Math.max(1, budget.remainingMs()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        const result = await Promise.race([handler(request), timeout]);
        if (result === 'timeout') return refuse(`${call.name} did not answer within ${Math.round(timeoutMs / 1000)} s; its data is unavailable for now.`, 'timeout');
        observer.onToolEnd?.(call, ToolMessage.isInstance(result) && result.status === 'error' ? 'error' : 'ok');
        return result;
      } catch (error) {
        return refuse(`${call.name} failed: ${describeToolError(error)}`, 'error');
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

function isEmpty(message: AIMessage): boolean {
  return messageText(message).trim() === '' && (message.tool_calls?.length ?? 0) === 0;
}

/** The text of a message, whether its content is a string or content blocks. */
export function messageText(message: BaseMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : '')).join('');
}

/** ~4 characters per token: good enough for budgets, and labelled as an estimate where shown. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function describeToolError(error: unknown): string {
  const text = describeError(error);
  // Schema errors quote the whole input; keep the part a small model can act on.
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
