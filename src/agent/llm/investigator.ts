import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage } from '@langchain/core/messages';
import { createAgent } from 'langchain';
import { alertAsText, type Alert } from '../../alerts/alert.ts';
import { actionCatalog } from '../../approvals/catalog.ts';
import { describeError } from '../../errors.ts';
import type { Logger } from '../../logging.ts';
import { agentMetrics } from '../../observability/metrics.ts';
import type { Reply } from '../../reply.ts';
import type { Intent, RequestContext } from '../../request.ts';
import type { AuditLog } from '../../stores/audit.ts';
import type { TenantDirectory } from '../../tenancy/directory.ts';
import { actionAllowed } from '../../tenancy/policy.ts';
import type { Toolset } from '../../../tools/index.ts';
import { alertReply, gatherAlertEvidence } from '../alert-evidence.ts';
import { Degradations } from '../evidence.ts';
import type { EvidencePack } from '../evidence-pack.ts';
import type { InvestigationInput, Investigator } from '../investigator.ts';
import { gatherEvidence, proposeSuggestions, withPictures } from '../investigation.ts';
import { renderEvidence, type Proposals } from '../investigation-render.ts';
import type { DeterministicPlanner } from '../planner.ts';
import { emitProgress, type ProgressEvent } from '../progress.ts';
import { agentTools, ToolRecord } from './agent-tools.ts';
import { agentReply, statusLine, stopNotes, usageOf, type AgentUsage } from './answer.ts';
import { boundsMiddleware, messageText, ModelFailure, RunBudget, type AgentBounds } from './bounds.ts';
import { redactForeignIds, scopeViolations } from './guard.ts';
import { toolLabel } from './labels.ts';
import { textToolCallsMiddleware } from './text-tool-middleware.ts';
import { historyMessages } from './memory.ts';
import { describeModelFailure } from './model.ts';
import { requestMessage, systemPrompt, type TenantView } from './prompt.ts';

export interface AgentInvestigatorOptions {
  /** Gathers the evidence first, and answers every non-question command itself. */
  planner: DeterministicPlanner;
  /** The chat model (ChatOllama in production); undefined means none is configured. */
  model: BaseChatModel | undefined;
  /** How the model is named in status lines, logs and counters, e.g. "ollama qwen2.5:7b-instruct". */
  modelName: string;
  /** Where the model is served, for failure messages. */
  modelUrl?: string;
  bounds: AgentBounds;
  tenants: TenantDirectory;
  audit: AuditLog;
  logger: Logger;
  now?: () => number;
}

class TimeLimit extends Error {
  constructor() {
    super('time limit');
    this.name = 'TimeLimit';
  }
}

/**
 * The LLM investigator. Evidence first: the deterministic planner gathers it and it is reported at
 * once; then a LangChain agent (createAgent) with the request's tenant-bound tools reads it as a
 * compact cited pack and answers, usually in one or two model calls, within hard bounds. Without a
 * model, or when the model fails, the evidence-based answer stands and says why.
 */
export class AgentInvestigator implements Investigator {
  readonly name: string;
  private readonly now: () => number;

  constructor(private readonly options: AgentInvestigatorOptions) {
    this.name = options.model ? `agent (${options.modelName})` : 'deterministic planner (no model configured)';
    this.now = options.now ?? Date.now;
  }

  async investigate(input: InvestigationInput): Promise<Reply> {
    const question = questionOf(input.request.intent, input.request.context.source);
    // Commands (resource, deps, metrics, runbook, approvals, help) need no model.
    if (!question) return this.options.planner.investigate(input);
    const { request, tools, history, onProgress } = input;
    const context = request.context;
    const log = this.options.logger.child({ orgId: context.orgId, requestId: context.requestId, investigator: 'agent' });
    const emit = (event: ProgressEvent): void => emitProgress(onProgress, event, (error) => log.warn({ err: error, event: event.kind }, 'progress listener failed'));
    const started = this.now();

    const pack = question.alert
      ? await gatherAlertEvidence(question.alert, tools)
      : await gatherEvidence(question.text, tools);
    const leaks = scopeViolations(pack, context);
    if (leaks.length > 0) {
      // The tools are scoped; this would be a store bug. Never hand such evidence on.
      log.error({ leaks: leaks.slice(0, 5) }, 'evidence held data outside the request scope');
      agentMetrics.scopeViolations.inc();
      return this.finish(this.refusal(), { model: this.options.modelName, outcome: 'fallback', llmCalls: 0, tokensIn: 0, tokensOut: 0, tokensEstimated: false, toolCalls: 0, ms: this.now() - started }, context, log, emit);
    }
    const evidence = render(question, pack);
    emit({ kind: 'evidence', reply: { ...evidence, parts: [...evidence.parts, { kind: 'status', text: this.options.model ? 'Evidence gathered; the agent is working on an answer…' : 'Evidence gathered.', degraded: pack.degraded }] } });

    const budget = new RunBudget(this.options.bounds, this.now);
    const record = new ToolRecord();
    if (!this.options.model) {
      const reply = await this.deterministic(question, pack, tools, record, ['No model is configured, so this is the evidence-based answer. Set OLLAMA_BASE_URL (and OLLAMA_MODEL) to turn on the agent.'], 'Deterministic planner (no model configured)');
      return this.finish(reply, usageOf(budget, this.options.modelName, 'fallback', this.now() - started), context, log, emit);
    }

    const finished: string[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeLimit()), budget.remainingMs());
    try {
      const agent = createAgent({
        model: this.options.model,
        tools: agentTools(tools, {
          context, bounds: this.options.bounds, record,
          onScopeViolation: (tool, violations) => {
            log.error({ tool, violations: violations.slice(0, 5) }, 'tool output held data outside the request scope; withheld');
            agentMetrics.scopeViolations.inc();
          },
        }),
        systemPrompt: systemPrompt(await this.tenantView(context), this.options.bounds),
        middleware: [boundsMiddleware(budget, {
          onModelCall: (usage) => {
            agentMetrics.llmCalls.inc({ model: this.options.modelName });
            agentMetrics.tokens.inc({ model: this.options.modelName, direction: 'in' }, usage.tokensIn);
            agentMetrics.tokens.inc({ model: this.options.modelName, direction: 'out' }, usage.tokensOut);
          },
          // Labels quote the model's arguments, which may name another tenant's resource: never echo its ids into the chat.
          onToolStart: (call) => emit({ kind: 'tool_started', callId: call.id, tool: call.name, label: redactForeignIds(toolLabel(call.name, call.args), context.accountIds).text }),
          onToolEnd: (call, outcome) => {
            agentMetrics.toolCalls.inc({ tool: call.name, outcome });
            if (outcome === 'repeated' || outcome === 'over_limit') return;
            const label = redactForeignIds(toolLabel(call.name, call.args), context.accountIds).text;
            if (outcome === 'ok') finished.push(label);
            emit({ kind: 'tool_finished', callId: call.id, tool: call.name, label, ok: outcome === 'ok' });
          },
        }), textToolCallsMiddleware((reason) => log.info({ reason }, 'a tool call written as text was refused'))],
      });
      const messages = [
        ...historyMessages(history, this.options.bounds.historyTokens),
        new HumanMessage(requestMessage({ question: question.text, fromAlert: question.fromAlert, resolved: question.alert?.status === 'resolved', pack, budgetChars: this.options.bounds.evidenceChars })),
      ];
      const { bounds } = this.options;
      const result = await agent.invoke({ messages }, { signal: controller.signal, recursionLimit: 4 * (bounds.maxLlmCalls + bounds.maxToolCalls) + 10 });
      const last = result.messages.at(-1);
      const answer = last && last.getType() === 'ai' ? messageText(last).trim() : '';
      if (!answer) {
        budget.stops.add('empty_answer');
        const reply = await this.deterministic(question, pack, tools, record, [...stopNotes(budget), ...looked(finished)], this.agentStatus(budget, 'bounded', started));
        return this.finish(reply, usageOf(budget, this.options.modelName, 'bounded', this.now() - started), context, log, emit);
      }
      const { text, redacted } = redactForeignIds(answer, context.accountIds);
      const outcome = budget.stops.size > 0 ? 'bounded' : 'answered';
      const usage = usageOf(budget, this.options.modelName, outcome, this.now() - started);
      const degraded = [
        ...pack.degraded,
        ...stopNotes(budget),
        ...record.withheld.map((w) => `Withheld tool output outside this channel's accounts (${w.split(':')[0]}).`),
        ...(redacted > 0 ? [`Withheld ${redacted} id(s) from the answer that are not in this channel's accounts.`] : []),
      ];
      const headed = question.alert ? `*Alert:* ${question.alert.title} (${question.alert.status}).\n${text}` : text;
      const pictures = new Degradations();
      const reply = await this.pictured(agentReply({ answer: headed, evidenceSummary: evidence.summary, pack, record, status: statusLine(usage), degraded }), question, pack, tools, pictures);
      if (pictures.notes.length > 0) log.warn({ notes: pictures.notes }, 'pictures left out of the answer');
      return this.finish(reply, usage, context, log, emit);
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof TimeLimit) {
        budget.stops.add('time');
        const reply = await this.deterministic(question, pack, tools, record, [...stopNotes(budget), ...looked(finished)], this.agentStatus(budget, 'bounded', started));
        return this.finish(reply, usageOf(budget, this.options.modelName, 'bounded', this.now() - started), context, log, emit);
      }
      // LangChain wraps what middleware throws; the model failure is somewhere on the cause chain.
      const failure = causeOf(error, (e): e is ModelFailure => e instanceof ModelFailure);
      const why = failure
        ? describeModelFailure(failure.cause, this.options.modelName.replace(/^ollama /, ''), this.options.modelUrl)
        : `The agent failed: ${describeError(error)}`;
      log.warn({ err: error }, 'agent failed; answering from the evidence');
      const reply = await this.deterministic(question, pack, tools, record, [`${why} This is the evidence-based answer.`, ...looked(finished)], this.agentStatus(budget, 'fallback', started));
      return this.finish(reply, usageOf(budget, this.options.modelName, 'fallback', this.now() - started), context, log, emit);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The planner's answer from the evidence: its proposals (minus what the model already proposed),
   * and the model's own proposals, so nothing it created goes unshown.
   */
  private async deterministic(question: Question, pack: EvidencePack, tools: Toolset, record: ToolRecord, notes: readonly string[], status: string): Promise<Reply> {
    const degraded = new Degradations();
    // A resolved alert needs no remedy.
    const proposals = question.alert?.status === 'resolved'
      ? { created: [], notes: [] }
      : pack.possiblyRelated ? { created: [], notes: [] } : await proposeSuggestions(pack, tools, degraded, new Set(record.proposals.keys()));
    const reply = await this.pictured(render(question, pack, { created: [...record.proposals.values(), ...proposals.created], notes: [...record.refusals, ...proposals.notes] }), question, pack, tools, degraded);
    reply.parts.push({ kind: 'status', text: status, degraded: [...pack.degraded, ...degraded.notes, ...notes] });
    return reply;
  }

  /** The planner's pictures (metric chart, the affected chain's diagram), on whichever answer stands. */
  private pictured(reply: Reply, question: Question, pack: EvidencePack, tools: Toolset, degraded: Degradations): Promise<Reply> {
    const alerting = question.alert?.status === 'firing' && !pack.possiblyRelated ? pack.primary.map((r) => r.id) : [];
    return withPictures(reply, pack, tools, degraded, alerting);
  }

  private agentStatus(budget: RunBudget, outcome: AgentUsage['outcome'], started: number): string {
    return `Evidence-based answer · ${statusLine(usageOf(budget, this.options.modelName, outcome, this.now() - started))}`;
  }

  private refusal(): Reply {
    return {
      summary: 'The investigation was stopped: evidence held data outside this channel\'s accounts',
      parts: [
        { kind: 'text', markdown: 'I stopped this investigation because the evidence I gathered held data outside the accounts this channel may use. Nothing was shown or sent to the model. This is a bug; it has been logged.' },
        { kind: 'status', text: this.name, degraded: ['Evidence withheld (scope check).'] },
      ],
    };
  }

  private async tenantView(context: RequestContext): Promise<TenantView> {
    const org = await this.options.tenants.getOrganization(context.orgId);
    return {
      orgName: org?.name ?? context.orgId,
      accounts: (org?.accounts ?? []).filter((a) => context.accountIds.includes(a.accountId)).map((a) => ({ provider: a.provider, accountId: a.accountId, name: a.name })),
      actions: actionCatalog.filter((kind) => actionAllowed(context.allowedActions, kind.kind)),
    };
  }

  /** Logs, counts and audits one investigation, then reports the answer. */
  private async finish(reply: Reply, usage: AgentUsage, context: RequestContext, log: Logger, emit: (event: ProgressEvent) => void): Promise<Reply> {
    log.info({ ...usage }, 'agent investigation finished');
    agentMetrics.requests.inc({ outcome: usage.outcome });
    agentMetrics.latency.observe(usage.ms / 1000);
    try {
      await this.options.audit.append({
        orgId: context.orgId, at: new Date(this.now()).toISOString(), actor: context.actor.userId, type: 'agent.answered', subjectId: context.requestId,
        detail: { model: usage.model, outcome: usage.outcome, llmCalls: usage.llmCalls, tokensIn: usage.tokensIn, tokensOut: usage.tokensOut, tokensEstimated: usage.tokensEstimated, toolCalls: usage.toolCalls, ms: usage.ms },
      });
    } catch (error) {
      log.warn({ err: error }, 'could not write the agent.answered audit event');
    }
    emit({ kind: 'answer', reply });
    return reply;
  }
}

interface Question {
  text: string;
  /** Alert text is data from a monitoring system, never instructions. */
  fromAlert: boolean;
  alert?: Alert;
}

/** The evidence answer, in the alert's format when there is one. */
function render(question: Question, pack: EvidencePack, proposals?: Proposals): Reply {
  const reply = renderEvidence(pack, proposals);
  return question.alert ? alertReply(question.alert, pack, reply) : reply;
}

/** The text to investigate, for the intents an agent answers: questions and alerts. */
function questionOf(intent: Intent, source: RequestContext['source']): Question | undefined {
  // Text posted in an alert channel or by a webhook is an alert body: data, never instructions.
  if (intent.kind === 'ask') return { text: intent.question, fromAlert: source === 'alert' || source === 'webhook' };
  if (intent.kind === 'alert') return { text: alertAsText(intent.alert), fromAlert: true, alert: intent.alert };
  return undefined;
}

function looked(labels: readonly string[]): string[] {
  return labels.length ? [`Before stopping, the agent looked at: ${labels.join('; ')}.`] : [];
}

function causeOf<T>(error: unknown, match: (e: unknown) => e is T): T | undefined {
  for (let current = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (match(current)) return current;
  }
  return undefined;
}
