import { z } from 'zod';
import type { ApprovalRequest } from '../approvals/types.ts';
import type { Reply } from '../reply.ts';
import type { AuditEvent } from '../stores/audit.ts';
import type { ConversationMessage } from '../stores/conversations.ts';
import type { CloudResource, Neighbour } from '../stores/graph.ts';

/**
 * The HTTP API's wire formats. Handlers validate requests with these schemas and pass every
 * response through them, and the OpenAPI document is generated from them (src/api/openapi.ts), so
 * the document cannot drift from what the server does.
 *
 * Domain objects that other modules own and extend (replies, approvals, metric summaries) are
 * documented with their stable fields and let further fields through; the compile-time checks at
 * the end fail if a documented field is renamed or removed.
 */

/** Named schemas: each becomes `#/components/schemas/<id>` in the OpenAPI document. */
export const apiSchemas = z.registry<{ id: string }>();

const text = (max: number) => z.string().trim().min(1).max(max);

export const ErrorBody = z.object({
  error: z.string().meta({ description: 'Stable code: unauthorized, forbidden, not_found, conflict, input_invalid, rate_limited, …' }),
  message: z.string().meta({ description: 'What went wrong and what to do about it, for a person.' }),
}).meta({ description: 'Every error response.' }).register(apiSchemas, { id: 'Error' });

// ---------------------------------------------------------------------------------------------
// Domain objects
// ---------------------------------------------------------------------------------------------

export const CloudResourceOut = z.object({
  id: z.string().meta({ description: "The provider's own id: ARN, Azure resource id or GCP full resource name." }),
  provider: z.enum(['aws', 'azure', 'gcp']),
  accountId: z.string(),
  type: z.string().meta({ description: 'Normalised type, e.g. aws.ecs.service, azure.vm, gcp.compute.instance.' }),
  name: z.string(),
  region: z.string(),
  state: z.string(),
  tags: z.record(z.string(), z.string()),
}).register(apiSchemas, { id: 'CloudResource' });

export const NeighbourOut = z.object({
  resource: CloudResourceOut,
  depth: z.number().int().meta({ description: 'Hops from the resource (1 = direct).' }),
  via: z.enum(['DEPENDS_ON', 'CONTAINS', 'ROUTES_TO', 'ATTACHED_TO']),
}).register(apiSchemas, { id: 'Neighbour' });

const ConversationRefOut = z.looseObject({
  platform: z.enum(['slack', 'teams', 'cli', 'api']),
  workspaceId: z.string(),
  channelId: z.string(),
  threadId: z.string().optional(),
});

export const ApprovalOut = z.looseObject({
  id: z.string(),
  orgId: z.string(),
  action: z.looseObject({
    kind: z.string().meta({ description: 'Action kind from the catalog, e.g. aws.ecs.scale.' }),
    params: z.record(z.string(), z.unknown()),
    targetResourceId: z.string(),
    targetName: z.string(),
    accountId: z.string(),
  }),
  risk: z.enum(['low', 'medium', 'high']),
  requiredRole: z.enum(['viewer', 'operator', 'admin']),
  reason: z.string(),
  requestedBy: z.string(),
  conversation: ConversationRefOut,
  state: z.enum(['pending', 'approved', 'executing', 'succeeded', 'failed', 'denied', 'expired']),
  createdAt: z.string(),
  expiresAt: z.string(),
  decisions: z.array(z.looseObject({ decision: z.enum(['approve', 'deny']), by: z.string(), byName: z.string().optional(), at: z.string() })),
  result: z.string().optional().meta({ description: 'What the executor reported, once it ran.' }),
}).meta({ description: 'An approval request: a proposed action waiting for (or past) a decision.' }).register(apiSchemas, { id: 'ApprovalRequest' });

const MetricSummaryOut = z.looseObject({
  resourceId: z.string(),
  resourceName: z.string(),
  metric: z.string(),
  unit: z.string(),
  windowMinutes: z.number(),
  min: z.number(),
  max: z.number(),
  avg: z.number(),
  last: z.number(),
  trend: z.enum(['rising', 'falling', 'flat']),
  threshold: z.number().optional(),
  anomaly: z.string().optional(),
  source: z.string(),
}).register(apiSchemas, { id: 'MetricSummary' });

const ReplyPartOut = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('text'), markdown: z.string() }),
  z.looseObject({ kind: z.literal('facts'), title: z.string().optional(), facts: z.array(z.object({ label: z.string(), value: z.string() })) }),
  z.looseObject({ kind: z.literal('resources'), title: z.string(), resources: z.array(z.looseObject({ resource: CloudResourceOut, relation: z.string().optional() })) }),
  z.looseObject({ kind: z.literal('metrics'), title: z.string(), summaries: z.array(MetricSummaryOut) }),
  z.looseObject({ kind: z.literal('citations'), citations: z.array(z.looseObject({ runbookId: z.string(), title: z.string(), section: z.string(), score: z.number() })) }),
  z.looseObject({ kind: z.literal('approval'), approval: ApprovalOut }),
  z.looseObject({ kind: z.literal('status'), text: z.string(), degraded: z.array(z.string()) }),
  z.looseObject({ kind: z.literal('diagram'), title: z.string(), format: z.enum(['png', 'mermaid']), alt: z.string().meta({ description: 'The diagram in words.' }), mermaid: z.string().meta({ description: 'The diagram as Mermaid flowchart text.' }) }),
]).register(apiSchemas, { id: 'ReplyPart' });

export const ReplyOut = z.object({
  summary: z.string().meta({ description: 'One plain-text line.' }),
  parts: z.array(ReplyPartOut).meta({ description: 'Ordered parts: text (Markdown), facts, resources, metrics, citations, approval requests, status.' }),
}).meta({ description: 'An answer, platform-neutral: the same parts Slack and Teams render.' }).register(apiSchemas, { id: 'Reply' });

export const ConversationMessageOut = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  actorId: z.string().optional(),
  at: z.string(),
}).register(apiSchemas, { id: 'ThreadMessage' });

export const AuditEventOut = z.object({
  at: z.string(),
  actor: z.string().meta({ description: 'Who acted: a chat user id, `apikey:<key id>`, `cli:<user>`.' }),
  type: z.string().meta({ description: 'e.g. api.request, api_key.created, approval.approved, action.succeeded.' }),
  subjectId: z.string(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
}).register(apiSchemas, { id: 'AuditEvent' });

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

const threadId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'use up to 128 letters, digits, dots, dashes, colons and underscores');

export const ApiAlert = z.strictObject({
  title: text(500),
  summary: z.string().max(4000).optional(),
  severity: z.enum(['critical', 'error', 'warning', 'info']).default('warning'),
  status: z.enum(['firing', 'resolved']).default('firing'),
  resources: z.array(text(2048)).max(20).default([]).meta({ description: 'Resource ids (ARN, Azure resource id, GCP full resource name) or names.' }),
  metric: z.strictObject({
    name: text(256),
    namespace: z.string().max(256).optional(),
    statistic: z.string().max(64).optional(),
    unit: z.string().max(64).optional(),
    threshold: z.number().optional(),
    comparison: z.string().max(64).optional().meta({ description: 'e.g. GreaterThanThreshold, >, COMPARISON_GT.' }),
    observed: z.number().optional().meta({ description: 'The value that crossed the threshold.' }),
  }).optional().meta({ description: 'The metric that fired, when there is one.' }),
  source: text(100).optional().meta({ description: 'Where the alert came from, e.g. a monitoring tool.' }),
  links: z.array(z.strictObject({ label: text(200), url: z.url() })).max(10).default([]),
}).meta({ description: 'An alert to investigate: the investigation starts from its resources and metric; a resolved alert gets no proposals.' }).register(apiSchemas, { id: 'Alert' });

export const AskRequest = z.strictObject({
  question: text(4000).optional().meta({ description: 'A question, or a command in the /cloud grammar: `deps checkout-db`, `metrics checkout-api 6h`, `runbook rds cpu`, `approvals`.' }),
  alert: ApiAlert.optional(),
  threadId: threadId.optional().meta({ description: 'Continue this thread (from an earlier answer); omit to start a new one.' }),
}).superRefine((body, ctx) => {
  if (Boolean(body.question) === Boolean(body.alert)) ctx.addIssue({ code: 'custom', message: 'send either "question" or "alert", not both and not neither' });
}).meta({
  description: 'Send exactly one of `question` and `alert`.',
  // The superRefine above as JSON Schema, so generated clients and validators enforce it too.
  oneOf: [{ required: ['question'] }, { required: ['alert'] }],
}).register(apiSchemas, { id: 'AskRequest' });

export const DecisionRequest = z.strictObject({
  decision: z.enum(['approve', 'deny']),
}).register(apiSchemas, { id: 'DecisionRequest' });

export const ThreadParams = z.object({ id: threadId });
export const IdParams = z.object({ id: z.string().min(1).max(2048).meta({ description: 'URL-encoded.' }) });

export const ResourceSearchQuery = z.strictObject({
  q: z.string().trim().max(200).optional().meta({ description: 'Free text matched against names, ids and tag values.' }),
  type: z.string().trim().max(100).optional().meta({ description: 'Exact type, e.g. aws.ecs.service.' }),
  tag: z.string().regex(/^[^=]{1,256}(=.{0,1024})?$/, 'use key or key=value').optional().meta({ description: '`key` or `key=value`.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const ResourceQuery = z.strictObject({
  depth: z.coerce.number().int().min(1).max(3).default(1).meta({ description: 'Hops of dependencies and dependents to include.' }),
});

const approvalStates = ['pending', 'approved', 'executing', 'succeeded', 'failed', 'denied', 'expired'] as const;
export const ApprovalsQuery = z.strictObject({
  state: z.enum([...approvalStates, 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const AuditQuery = z.strictObject({
  subjectId: z.string().max(2048).optional().meta({ description: 'Only events about this subject (an approval id, a key id, …).' }),
  since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Only events at or after this time (ISO 8601).' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

export const AskResponse = z.object({
  requestId: z.string(),
  threadId: z.string().meta({ description: 'Send it back as `threadId` to ask a follow-up in the same thread.' }),
  reply: ReplyOut,
}).register(apiSchemas, { id: 'AskResponse' });

export const ThreadResponse = z.object({
  threadId: z.string(),
  messages: z.array(ConversationMessageOut).meta({ description: 'Oldest first: questions and answer summaries.' }),
}).register(apiSchemas, { id: 'Thread' });

export const ResourceListResponse = z.object({ resources: z.array(CloudResourceOut) }).register(apiSchemas, { id: 'ResourceList' });

export const ResourceDetailResponse = z.object({
  resource: CloudResourceOut,
  dependencies: z.array(NeighbourOut).meta({ description: 'What it needs (outgoing edges).' }),
  dependents: z.array(NeighbourOut).meta({ description: 'What needs it: the blast radius.' }),
}).register(apiSchemas, { id: 'ResourceDetail' });

export const ApprovalListResponse = z.object({ approvals: z.array(ApprovalOut) }).register(apiSchemas, { id: 'ApprovalList' });
export const ApprovalResponse = z.object({ approval: ApprovalOut }).register(apiSchemas, { id: 'ApprovalDetail' });

export const DecisionResponse = z.object({
  outcome: z.enum(['executed', 'denied', 'accepted']).meta({ description: '`executed`: approved and run (see `approval.state` and `approval.result`); `denied`: nothing runs; `accepted` (202): approved and stored, but the action runs later (a store outage, or another replica runs it) or is failed with the reason: poll `GET /v1/approvals/{id}`.' }),
  message: z.string().optional().meta({ description: 'With `accepted`: what happens next.' }),
  approval: ApprovalOut,
}).register(apiSchemas, { id: 'DecisionResult' });

export const DecisionConflict = z.object({
  error: z.enum(['already_decided', 'expired']),
  message: z.string(),
  approval: ApprovalOut,
}).register(apiSchemas, { id: 'DecisionConflict' });

export const AuditResponse = z.object({ events: z.array(AuditEventOut).meta({ description: 'Oldest first: the last `limit` matching events.' }) }).register(apiSchemas, { id: 'AuditLog' });

/** Server-sent events of `POST /v1/ask` with `Accept: text/event-stream`. */
export const StreamStarted = z.object({ requestId: z.string(), threadId: z.string() }).register(apiSchemas, { id: 'StreamStarted' });
export const StreamProgress = z.object({
  requestId: z.string(),
  step: z.string().meta({ description: 'What the investigation is doing, e.g. `tool:get_metrics`.' }),
  label: z.string().meta({ description: 'The same, for a person.' }),
  phase: z.enum(['started', 'finished']),
  ok: z.boolean().optional().meta({ description: 'With `finished`: whether the step succeeded.' }),
}).register(apiSchemas, { id: 'StreamProgress' });
export const StreamEvidence = z.object({
  requestId: z.string(),
  threadId: z.string(),
  reply: ReplyOut.meta({ description: 'The evidence gathered so far (resources, metrics, runbook sections), before the model answers.' }),
}).register(apiSchemas, { id: 'StreamEvidence' });

// ---------------------------------------------------------------------------------------------
// The documented fields must exist on the types the core returns.
// ---------------------------------------------------------------------------------------------

/** Fields only: readonly-ness and index signatures (of the loose schemas) aside. */
type Fields<T> = T extends readonly (infer E)[] ? Fields<E>[] : T extends object ? { -readonly [K in keyof T as string extends K ? never : K]: Fields<T[K]> } : T;
type Assignable<T, U> = [Fields<T>] extends [Fields<U>] ? true : false;
const documentedShapesMatch: [
  Assignable<Reply, z.input<typeof ReplyOut>>,
  Assignable<ApprovalRequest, z.input<typeof ApprovalOut>>,
  Assignable<CloudResource, z.input<typeof CloudResourceOut>>,
  Assignable<Neighbour, z.input<typeof NeighbourOut>>,
  Assignable<ConversationMessage, z.input<typeof ConversationMessageOut>>,
  Assignable<Omit<AuditEvent, 'orgId'>, z.input<typeof AuditEventOut>>,
] = [true, true, true, true, true, true];
void documentedShapesMatch;
