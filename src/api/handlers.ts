import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { fingerprintOf, type Alert, type AlertResourceRef } from '../alerts/alert.ts';
import type { ApprovalRequest } from '../approvals/types.ts';
import { parseCommand } from '../commands.ts';
import type { Companion } from '../companion.ts';
import type { ConversationRef, Intent, RequestContext, RequestSource } from '../request.ts';
import type { Stores } from '../stores/index.ts';
import { channelPolicy } from '../tenancy/policy.ts';
import type { ApiPrincipal } from './keys.ts';
import type { OperationId, RouteInput, Routes } from './routes.ts';
import { AskResponse, StreamEvidence, StreamProgress, StreamStarted, type ApiAlert } from './schemas.ts';
import type { SseStream } from './sse.ts';
import { jsonReply } from '../reply.ts';

/** What a handler answers: a status and a body (checked against the route's response schema), or "already streamed". */
export type HandlerResult = { status: number; body: unknown } | { streamed: true };

export interface HandlerCall {
  principal: ApiPrincipal;
  /** Set when the client asked for server-sent events and the route streams. */
  openStream?: () => SseStream;
}

export type Handlers = { [K in OperationId]: (input: RouteInput<Routes[K]>, call: HandlerCall) => Promise<HandlerResult> };

export interface HandlerDeps {
  companion: Companion;
  stores: Pick<Stores, 'graph' | 'conversations' | 'approvals' | 'audit' | 'tenants'>;
}

const apiChannel = 'api';

export function fail(status: number, error: string, message: string): HandlerResult {
  return { status, body: { error, message } };
}

/** An API thread lives under the organization, in the `api` channel: keys of one organization share threads. */
function threadRef(orgId: string, threadId: string): ConversationRef {
  return { platform: 'api', workspaceId: orgId, channelId: apiChannel, threadId };
}

/** Where an API client's resource reference points: a provider id when it has one's form, else a name to look up. */
function resourceRef(ref: string): AlertResourceRef {
  if (ref.startsWith('arn:')) return { provider: 'aws', id: ref };
  if (ref.toLowerCase().startsWith('/subscriptions/')) return { provider: 'azure', id: ref };
  if (ref.startsWith('//') || ref.startsWith('projects/')) return { provider: 'gcp', id: ref };
  return { name: ref };
}

/** The API's alert as the core's Alert (source `api`), so it is investigated like any other alert. */
export function toAlert(input: z.output<typeof ApiAlert>): Alert {
  const summary = [input.summary, input.source ? `Reported by ${input.source}.` : undefined].filter(Boolean).join(' ');
  return {
    source: 'api',
    fingerprint: fingerprintOf('api', [input.source ?? '', input.title, ...input.resources].join('\u0000')),
    status: input.status,
    severity: input.severity,
    title: input.title,
    ...(summary ? { summary } : {}),
    resources: input.resources.map(resourceRef),
    ...(input.metric ? { metric: input.metric } : {}),
    links: input.links,
    raw: input,
  };
}

/** Tool names as a person reads them in a progress line. */
function toolLabel(tool: string): string {
  const words = tool.replace(/_/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}…`;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const { companion, stores } = deps;

  /** The key's request context: the organization's `api` channel policy, the key's own role. */
  async function contextOf(principal: ApiPrincipal, options: { threadId?: string; source: RequestSource }): Promise<RequestContext | undefined> {
    const context = await companion.contextForOrganization(principal.orgId, {
      platform: 'api', source: options.source, channelId: apiChannel, userId: `apikey:${principal.keyId}`, userName: principal.name,
      ...(options.threadId ? { threadId: options.threadId } : {}),
    });
    return context && { ...context, actor: { ...context.actor, role: principal.role } };
  }

  const orgGone = (principal: ApiPrincipal): HandlerResult => fail(403, 'forbidden', `The organization "${principal.orgId}" of this key is not configured any more; ask an admin to check tenants.yaml.`);

  async function threadExists(orgId: string, threadId: string): Promise<boolean> {
    return (await stores.conversations.history(orgId, threadRef(orgId, threadId), 1)).length > 0;
  }

  /** Approvals in accounts the API may not use are as invisible as their resources. */
  async function visibleApproval(principal: ApiPrincipal, id: string): Promise<{ approval: ApprovalRequest; context: RequestContext } | HandlerResult> {
    const context = await contextOf(principal, { source: 'api' });
    if (!context) return orgGone(principal);
    const approval = await stores.approvals.get(principal.orgId, id);
    if (!approval || !context.accountIds.includes(approval.action.accountId)) {
      return fail(404, 'not_found', `There is no approval request "${id}" in this organization. List them with GET /v1/approvals.`);
    }
    return { approval, context };
  }

  return {
    async ask({ body }, call) {
      const threadId = body.threadId ?? randomUUID();
      if (body.threadId && !(await threadExists(call.principal.orgId, body.threadId))) {
        return fail(404, 'not_found', `There is no thread "${body.threadId}" in this organization. Omit threadId to start a new thread, or use the threadId an earlier answer returned.`);
      }
      const context = await contextOf(call.principal, { threadId, source: body.alert ? 'alert' : 'api' });
      if (!context) return orgGone(call.principal);
      const intent: Intent = body.alert ? { kind: 'alert', alert: toAlert(body.alert) } : parseCommand(body.question ?? '');
      const { requestId } = context;
      const stream = call.openStream?.();
      if (!stream) {
        const reply = await companion.handle({ context, intent });
        return { status: 200, body: { requestId, threadId, reply: jsonReply(reply) } };
      }
      // Events pass through their documented schemas, as JSON answers do.
      stream.send('started', StreamStarted.parse({ requestId, threadId }));
      // Every tool start comes through onToolStart (planner and agent alike); the agent's own events add
      // the evidence, before the model answers, and how each of its steps ended.
      const reply = await companion.handle({ context, intent }, {
        onToolStart: (tool) => stream.send('progress', StreamProgress.parse({ requestId, step: `tool:${tool}`, label: toolLabel(tool), phase: 'started' })),
        onProgress: (event) => {
          if (event.kind === 'evidence') stream.send('evidence', StreamEvidence.parse({ requestId, threadId, reply: event.reply }));
          else if (event.kind === 'tool_finished') stream.send('progress', StreamProgress.parse({ requestId, step: `tool:${event.tool}`, label: event.label, phase: 'finished', ok: event.ok }));
        },
      });
      stream.send('reply', AskResponse.parse({ requestId, threadId, reply: jsonReply(reply) }));
      stream.end();
      return { streamed: true };
    },

    async getThread({ params }, call) {
      const messages = await stores.conversations.history(call.principal.orgId, threadRef(call.principal.orgId, params.id), 200);
      if (messages.length === 0) return fail(404, 'not_found', `There is no thread "${params.id}" in this organization. Threads are created by POST /v1/ask.`);
      return { status: 200, body: { threadId: params.id, messages } };
    },

    async searchResources({ query }, call) {
      const context = await contextOf(call.principal, { source: 'api' });
      if (!context) return orgGone(call.principal);
      const [key = '', ...value] = (query.tag ?? '').split('=');
      const resources = await stores.graph.findResources({ orgId: context.orgId, accountIds: context.accountIds }, {
        limit: query.limit,
        ...(query.q ? { text: query.q } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.tag ? { tag: value.length > 0 ? { key, value: value.join('=') } : { key } } : {}),
      });
      return { status: 200, body: { resources } };
    },

    async getResource({ params, query }, call) {
      const context = await contextOf(call.principal, { source: 'api' });
      if (!context) return orgGone(call.principal);
      const scope = { orgId: context.orgId, accountIds: context.accountIds };
      const resource = await stores.graph.getResource(scope, params.id);
      if (!resource) return fail(404, 'not_found', `There is no resource "${params.id}" in this organization's accounts. Search with GET /v1/resources?q=<name>, and URL-encode the id.`);
      const [dependencies, dependents] = await Promise.all([
        stores.graph.dependencies(scope, resource.id, query.depth),
        stores.graph.dependents(scope, resource.id, query.depth),
      ]);
      return { status: 200, body: { resource, dependencies, dependents } };
    },

    async listApprovals({ query }, call) {
      const context = await contextOf(call.principal, { source: 'api' });
      if (!context) return orgGone(call.principal);
      const approvals = await stores.approvals.list(call.principal.orgId, { limit: query.limit, ...(query.state === 'all' ? {} : { states: [query.state] }) });
      return { status: 200, body: { approvals: approvals.filter((a) => context.accountIds.includes(a.action.accountId)) } };
    },

    async getApproval({ params }, call) {
      const found = await visibleApproval(call.principal, params.id);
      return 'approval' in found ? { status: 200, body: { approval: found.approval } } : found;
    },

    async decideApproval({ params, body }, call) {
      const found = await visibleApproval(call.principal, params.id);
      if (!('approval' in found)) return found;
      const org = await stores.tenants.getOrganization(call.principal.orgId);
      if (!org) return orgGone(call.principal);
      // As if clicked where the request was made: that channel's policy decides which kinds may run.
      const where = found.approval.conversation;
      const context: RequestContext = { ...found.context, conversation: where, allowedActions: channelPolicy(org, where.platform, where.channelId).allowedActions };
      const outcome = await companion.decide(context, params.id, body.decision);
      switch (outcome.kind) {
        case 'executed':
        case 'denied':
          return { status: 200, body: { outcome: outcome.kind, approval: outcome.approval } };
        case 'accepted':
          return { status: 202, body: { outcome: outcome.kind, message: outcome.message, approval: outcome.approval } };
        case 'unavailable':
          return fail(503, 'unavailable', outcome.message);
        case 'already_decided':
          return { status: 409, body: { error: 'already_decided', message: `This request is already ${outcome.approval.state}${decidedBy(outcome.approval)}; nothing was run now.`, approval: outcome.approval } };
        case 'expired':
          return { status: 409, body: { error: 'expired', message: `This request expired at ${outcome.approval.expiresAt}; nothing was run. Ask again to get a new request.`, approval: outcome.approval } };
        case 'forbidden':
          return fail(403, 'forbidden', `${outcome.message} (This API key's role is ${call.principal.role}; an admin can create a key with a higher --role.)`);
        case 'not_found':
          return fail(404, 'not_found', outcome.message);
      }
    },

    async listAudit({ query }, call) {
      // Event times are UTC ISO strings compared as text: normalise the bound to the same form.
      const since = query.since ? new Date(query.since).toISOString() : undefined;
      const events = await stores.audit.list(call.principal.orgId, { limit: query.limit, ...(query.subjectId ? { subjectId: query.subjectId } : {}), ...(since ? { since } : {}) });
      return { status: 200, body: { events } };
    },
  };
}

function decidedBy(approval: ApprovalRequest): string {
  const last = approval.decisions.at(-1);
  return last ? ` (${last.decision === 'approve' ? 'approved' : 'denied'} by ${last.byName ?? last.by} at ${last.at})` : '';
}
