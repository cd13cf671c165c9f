import type { EvidenceSources } from './evidence/setup.ts';
import { randomUUID } from 'node:crypto';
import type { Investigator } from './agent/investigator.ts';
import type { ProgressListener } from './agent/progress.ts';
import { alertAsText } from './alerts/alert.ts';
import type { ApprovalService, DecisionOutcome, ProposeResult } from './approvals/service.ts';
import { describeError } from './errors.ts';
import type { Logger } from './logging.ts';
import type { MetricsSource } from './metrics/source.ts';
import { memoryText, type Reply } from './reply.ts';
import { isReadOnly, type CompanionRequest, type ConversationRef, type Platform, type RequestContext, type RequestSource } from './request.ts';
import type { Stores } from './stores/index.ts';
import type { WorkspaceIds } from './tenancy/directory.ts';
import type { Organization } from './tenancy/organization.ts';
import type { RoleResolver } from './tenancy/groups.ts';
import type { InvestigationSlots } from './agent/slots.ts';
import { channelPolicy } from './tenancy/policy.ts';
import { buildToolset } from '../tools/index.ts';
import { observeTools } from '../tools/observe.ts';
import { inSpan } from './observability/tracing.ts';

/** What an adapter knows about a message before tenancy is applied: platform ids only. */
export interface Inbound {
  platform: Platform;
  workspace: WorkspaceIds;
  /** Key used in conversation refs: Slack `enterprise:team`, Teams tenant id. */
  workspaceKey: string;
  channelId: string;
  threadId?: string;
  userId: string;
  userName?: string;
  source: RequestSource;
}

/** What a surface may watch while a request runs. */
export interface HandleOptions {
  /** Called as each tool starts, e.g. to update a "working on it" placeholder. */
  onToolStart?: (toolName: string) => void;
  /** Evidence ready (post it at once), agent tool started/finished, answer ready: see ProgressEvent. */
  onProgress?: ProgressListener;
  /** Taken in line at once, the investigation starts only after this settles (e.g. the placeholder is posted, so progress has somewhere to go). */
  ready?: Promise<unknown>;
}

export type ContextResolution =
  | { ok: true; context: RequestContext }
  | { ok: false; reason: 'unknown_tenant' | 'unavailable'; message: string };

export const onboardingText = [
  'This workspace is not connected to a Cloud Companion organization yet, so I cannot show any cloud data here.',
  'An admin can connect it by adding this workspace id to an organization\'s `bindings` in `tenants.yaml` (see the README, "Tenants"), then restarting the bot.',
].join(' ');

interface Deps {
  stores: Stores;
  approvals: ApprovalService;
  metrics: readonly MetricsSource[];
  evidence?: EvidenceSources;
  investigator: Investigator;
  logger: Logger;
  /** Member entries, group roles (from the platform's directory) and the default role. */
  roles: RoleResolver;
  /** Caps concurrent investigations (default: unlimited). */
  slots?: InvestigationSlots;
}

/**
 * The platform-neutral core: maps platform ids to a tenant-scoped context, answers requests and
 * decides approvals. Adapters call it; it never calls them.
 */
export class Companion {
  constructor(private readonly deps: Deps) {}

  get investigatorName(): string {
    return this.deps.investigator.name;
  }

  async resolveContext(inbound: Inbound): Promise<ContextResolution> {
    let org: Organization | undefined;
    try {
      org = await this.deps.stores.tenants.resolve(inbound.platform, inbound.workspace);
    } catch (error) {
      // Fail closed: without the tenant's roles and policies nothing may be read or run.
      this.deps.logger.error({ platform: inbound.platform, err: error }, 'tenants store unavailable');
      return { ok: false, reason: 'unavailable', message: `I cannot read this workspace's settings right now (${describeError(error)}), so I cannot answer or run anything. Try again in a minute.` };
    }
    if (!org) {
      this.deps.logger.warn({ platform: inbound.platform, workspace: inbound.workspace }, 'request from an unbound workspace');
      const ids = Object.entries(inbound.workspace).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(', ');
      return { ok: false, reason: 'unknown_tenant', message: `${onboardingText} (Workspace: ${ids}.)` };
    }
    return { ok: true, context: await this.buildContext(org, inbound) };
  }

  /** For surfaces that name the organization themselves (CLI, API keys): no workspace binding needed. */
  async contextForOrganization(orgId: string, inbound: Omit<Inbound, 'workspace' | 'workspaceKey'>): Promise<RequestContext | undefined> {
    const org = await this.deps.stores.tenants.getOrganization(orgId);
    return org && await this.buildContext(org, { ...inbound, workspace: {}, workspaceKey: orgId });
  }

  private async buildContext(org: Organization, inbound: Inbound): Promise<RequestContext> {
    const policy = channelPolicy(org, inbound.platform, inbound.channelId);
    const conversation: ConversationRef = {
      platform: inbound.platform, workspaceId: inbound.workspaceKey, channelId: inbound.channelId,
      ...(inbound.threadId ? { threadId: inbound.threadId } : {}),
    };
    return {
      orgId: org.id,
      requestId: randomUUID(),
      source: inbound.source,
      actor: { platform: inbound.platform, userId: inbound.userId, role: await this.deps.roles.roleOf(org, inbound, inbound.workspaceKey), ...(inbound.userName ? { displayName: inbound.userName } : {}) },
      conversation,
      accountIds: policy.accountIds,
      allowedActions: policy.allowedActions,
    };
  }

  /** How many investigations run and wait now, so a surface can say "queued" instead of "working". */
  get queue(): { running: number; waiting: number; limit: number } {
    const slots = this.deps.slots;
    return slots ? { running: slots.running, waiting: slots.waiting, limit: slots.limit } : { running: 0, waiting: 0, limit: Number.POSITIVE_INFINITY };
  }

  /** Answers one request, when a slot is free. Never throws: a failure becomes a reply that says what went wrong. */
  async handle(request: CompanionRequest, options: HandleOptions = {}): Promise<Reply> {
    const start = async (): Promise<Reply> => {
      await options.ready?.catch(() => undefined);
      return this.handleNow(request, options);
    };
    return this.deps.slots ? this.deps.slots.run(start) : start();
  }

  private async handleNow(request: CompanionRequest, options: HandleOptions): Promise<Reply> {
    const { context } = request;
    const { conversation } = context;
    return inSpan('companion.handle', {
      'companion.org': context.orgId, 'companion.request': context.requestId, 'companion.intent': request.intent.kind,
      'companion.platform': conversation.platform, 'companion.channel': conversation.channelId, ...(conversation.threadId ? { 'companion.thread': conversation.threadId } : {}),
    }, () => this.answer(request, options));
  }

  private async answer(request: CompanionRequest, options: HandleOptions): Promise<Reply> {
    const { context } = request;
    // Every line of a request names its tenant, request and thread, so one conversation can be followed through the logs.
    const log = this.deps.logger.child({
      orgId: context.orgId, requestId: context.requestId, source: context.source, channel: context.conversation.channelId,
      ...(context.conversation.threadId ? { thread: context.conversation.threadId } : {}),
    });
    const started = Date.now();
    const { conversations } = this.deps.stores;
    // An alert is remembered as its text, so a follow-up question in its thread has the alert in its history.
    const question = request.intent.kind === 'ask' ? request.intent.question : request.intent.kind === 'alert' ? alertAsText(request.intent.alert) : request.intent.kind;
    const channel = { platform: context.conversation.platform, channel: context.conversation.channelId, source: context.source };
    // The audit trail of a request starts with what was asked, before anything it leads to.
    const [history] = await Promise.all([
      conversations.history(context.orgId, context.conversation).catch(() => []),
      this.deps.stores.audit.append({ orgId: context.orgId, at: new Date(started).toISOString(), actor: context.actor.userId, type: 'question.asked', subjectId: context.requestId, detail: { ...channel, intent: request.intent.kind, text: question.slice(0, 1000), args: commandArgs(request) } })
        .catch((error: unknown) => log.warn({ err: error }, 'audit of the question failed')),
    ]);
    let reply: Reply;
    const toolsUsed: string[] = [];
    try {
      const tools = observeTools(buildToolset(context, { graph: this.deps.stores.graph, runbooks: this.deps.stores.runbooks, metrics: this.deps.metrics, approvals: this.deps.approvals, ...(this.deps.evidence ? { evidence: this.deps.evidence } : {}) }, { readOnly: isReadOnly(request.intent) }), (name) => {
        toolsUsed.push(name);
        options.onToolStart?.(name);
      });
      reply = await this.deps.investigator.investigate({ request, tools, history, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    } catch (error) {
      log.error({ err: error }, 'investigation failed');
      reply = { summary: 'The investigation failed', parts: [{ kind: 'text', markdown: `Something went wrong while investigating: ${describeError(error)}` }, { kind: 'status', text: this.deps.investigator.name, degraded: [describeError(error)] }] };
    }
    const answer = reply;
    await Promise.allSettled([
      // One after the other: concurrent appends may commit the answer before its question.
      (async () => {
        try {
          await conversations.append(context.orgId, context.conversation, { role: 'user', text: question, actorId: context.actor.userId, at: new Date(started).toISOString() });
        } finally {
          await conversations.append(context.orgId, context.conversation, { role: 'assistant', text: memoryText(answer), at: new Date().toISOString() });
        }
      })(),
      // Which tools gathered the answer.
      this.deps.stores.audit.append({ orgId: context.orgId, at: new Date().toISOString(), actor: context.actor.userId, type: 'tools.used', subjectId: context.requestId, detail: { ...channel, tools: toolsUsed.join(','), count: toolsUsed.length, answer: reply.summary.slice(0, 500) } }),
    ]);
    log.info({ intent: request.intent.kind, ms: Date.now() - started, parts: reply.parts.length }, 'answered');
    return reply;
  }

  async decide(context: RequestContext, approvalId: string, decision: 'approve' | 'deny'): Promise<DecisionOutcome> {
    // Role and channel policy are re-read by the approval service at click time, not taken from the context.
    const outcome = await this.deps.approvals.decide({ orgId: context.orgId, approvalId, decision, actor: context.actor, channel: context.conversation });
    this.deps.logger.info({ orgId: context.orgId, requestId: context.requestId, approvalId, decision, outcome: outcome.kind }, 'approval decision');
    return outcome;
  }

  /** The Undo button of a succeeded reversible action: a new pending request that restores the prior state. */
  async proposeRollback(context: RequestContext, approvalId: string): Promise<ProposeResult> {
    const result = await this.deps.approvals.proposeRollback(context, approvalId);
    this.deps.logger.info({ orgId: context.orgId, requestId: context.requestId, approvalId, outcome: result.ok ? result.approval.id : result.reason }, 'rollback requested');
    return result;
  }
}

/** The arguments of a command (`resource checkout-db` → {"name":"checkout-db"}), for the audit log; questions and alerts are their text. */
function commandArgs(request: CompanionRequest): string | null {
  if (request.intent.kind === 'ask' || request.intent.kind === 'alert') return null;
  const { kind: _kind, ...args } = request.intent;
  return Object.keys(args).length > 0 ? JSON.stringify(args) : null;
}
