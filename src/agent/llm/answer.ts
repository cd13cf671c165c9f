import type { Citation, Reply, ReplyPart } from '../../reply.ts';
import type { EvidencePack } from '../evidence-pack.ts';
import { evidenceParts } from '../investigation-render.ts';
import type { RunBudget, StopReason } from './bounds.ts';
import type { ToolRecord } from './agent-tools.ts';

/** How one agent investigation went, for the status line, logs, counters and audit. */
export interface AgentUsage {
  model: string;
  outcome: 'answered' | 'bounded' | 'fallback';
  llmCalls: number;
  tokensIn: number;
  tokensOut: number;
  tokensEstimated: boolean;
  toolCalls: number;
  ms: number;
}

export function usageOf(budget: RunBudget, model: string, outcome: AgentUsage['outcome'], ms: number): AgentUsage {
  return {
    model, outcome, llmCalls: budget.llmCalls, tokensIn: budget.tokensIn, tokensOut: budget.tokensOut,
    tokensEstimated: budget.tokensEstimated, toolCalls: budget.toolCalls, ms,
  };
}

/** One line per bound that stopped the agent, saying what it could not finish. */
export function stopNotes(budget: RunBudget): string[] {
  const { bounds } = budget;
  const text: Record<StopReason, string> = {
    llm_calls: `Stopped at the limit of ${bounds.maxLlmCalls} model calls: the model wanted to look further, so the answer may be incomplete.`,
    tool_calls: `Stopped at the limit of ${bounds.maxToolCalls} tool calls: further lookups the model asked for were not run.`,
    loop: 'Stopped a loop of identical tool calls; the model answered with what it had.',
    time: `Stopped at the time limit of ${Math.round(bounds.timeoutMs / 1000)} s before the model finished; this is the evidence-based answer with what the tools found.`,
    empty_answer: 'The model gave no usable answer (empty, or a malformed tool call); this is the evidence-based answer.',
  };
  return [...budget.stops].map((reason) => text[reason]);
}

export function statusLine(usage: AgentUsage): string {
  const tokens = `${usage.tokensEstimated ? '~' : ''}${usage.tokensIn.toLocaleString('en-US')}→${usage.tokensOut.toLocaleString('en-US')} tokens`;
  const calls = `${usage.llmCalls} LLM call${usage.llmCalls === 1 ? '' : 's'}`;
  const tools = `${usage.toolCalls} tool call${usage.toolCalls === 1 ? '' : 's'}`;
  return `Agent · ${usage.model} · ${calls} · ${tokens} · ${tools} · ${(usage.ms / 1000).toFixed(1)} s`;
}

/** The model's answer first, then the evidence it was given, the approvals it proposed and the status. */
export function agentReply(input: { answer: string; evidenceSummary: string; pack: EvidencePack; record: ToolRecord; status: string; degraded: readonly string[] }): Reply {
  const { answer, pack, record } = input;
  const parts: ReplyPart[] = [{ kind: 'text', markdown: answer }];
  const evidence = evidenceParts(pack);
  const citations = mergeCitations(evidence, [...record.citations.values()]);
  parts.push(...evidence.filter((p) => p.kind !== 'citations'));
  if (citations.length > 0) parts.push({ kind: 'citations', citations });
  for (const approval of record.proposals.values()) parts.push({ kind: 'approval', approval });
  if (record.refusals.length > 0) parts.push({ kind: 'text', markdown: record.refusals.map((n) => `_Not proposed: ${n}_`).join('\n') });
  parts.push({ kind: 'status', text: input.status, degraded: input.degraded });
  return { summary: summaryOf(answer) || input.evidenceSummary, parts };
}

function mergeCitations(evidence: readonly ReplyPart[], fetched: readonly Citation[]): Citation[] {
  const fromEvidence = evidence.flatMap((p) => (p.kind === 'citations' ? p.citations : []));
  const seen = new Set<string>();
  const out: Citation[] = [];
  for (const c of [...fromEvidence, ...fetched]) {
    const key = `${c.runbookId}\u0000${c.section}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out.slice(0, 5);
}

/** The first sentence or line of the answer, as plain text, for notifications and the thread memory. */
function summaryOf(answer: string): string {
  const first = answer.split('\n').map((l) => l.replace(/^[#>*\-\s]+/, '').replace(/[*_`]/g, '').trim()).find((l) => l.length > 0) ?? '';
  return first.length <= 150 ? first : `${first.slice(0, 149)}…`;
}
