import type { z } from 'zod';
import type { Role } from '../request.ts';
import {
  ApprovalListResponse, ApprovalResponse, ApprovalsQuery, AskRequest, AskResponse, AuditQuery, AuditResponse,
  DecisionConflict, DecisionRequest, ErrorBody, DecisionResponse, IdParams, ResourceDetailResponse, ResourceListResponse,
  ResourceQuery, ResourceSearchQuery, ThreadParams, ThreadResponse,
} from './schemas.ts';

type AnyObject = z.ZodObject;

export interface ResponseSpec {
  description: string;
  schema: z.ZodType;
}

/**
 * One endpoint: the router mounts it and the OpenAPI document describes it from this same entry.
 * `role` is the least role a key needs. Common errors (400, 401, 403, 413, 429) are added to the
 * document for every route that can produce them.
 */
export interface RouteSpec<P extends AnyObject | undefined = AnyObject | undefined, Q extends AnyObject | undefined = AnyObject | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> {
  operationId: string;
  method: 'get' | 'post';
  /** OpenAPI form: `/v1/resources/{id}`. */
  path: string;
  summary: string;
  description: string;
  role: Role;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** `Accept: text/event-stream` streams the work instead (described here). */
  stream?: string;
}

function route<P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a handler receives: the validated path parameters, query and body. */
export interface RouteInput<R> {
  params: R extends RouteSpec<infer P, AnyObject | undefined, z.ZodType | undefined> ? Out<P> : never;
  query: R extends RouteSpec<AnyObject | undefined, infer Q, z.ZodType | undefined> ? Out<Q> : never;
  body: R extends RouteSpec<AnyObject | undefined, AnyObject | undefined, infer B> ? Out<B> : never;
}

const notFound = (what: string): ResponseSpec => ({ description: `No such ${what} in the key's organization (ids of other organizations are not found either).`, schema: ErrorBody });

export const routes = {
  ask: route({
    operationId: 'ask',
    method: 'post',
    path: '/v1/ask',
    summary: 'Ask a question or hand over an alert',
    description: 'Investigates within the key\'s organization, as a chat question would, and answers with the same reply parts chat shows. Pass the returned `threadId` to ask a follow-up in the same thread.',
    role: 'viewer',
    body: AskRequest,
    responses: {
      200: { description: 'The answer (JSON), or, with `Accept: text/event-stream`, the event stream below.', schema: AskResponse },
      404: notFound('thread'),
    },
    stream: 'Server-sent events, each with one JSON `data` line: `started` (StreamStarted); then, while the investigation works, `progress` (StreamProgress) as each step starts and, with the LLM agent, finishes, and `evidence` (StreamEvidence) once the evidence is gathered, before the model answers; then `reply` (AskResponse), and the stream ends. A failure after the stream started is sent as an `error` event (Error). Comment lines keep an idle stream open.',
  }),
  getThread: route({
    operationId: 'getThread',
    method: 'get',
    path: '/v1/threads/{id}',
    summary: 'Read a thread',
    description: 'The questions and answer summaries of one API thread, oldest first.',
    role: 'viewer',
    params: ThreadParams,
    responses: { 200: { description: 'The thread.', schema: ThreadResponse }, 404: notFound('thread') },
  }),
  searchResources: route({
    operationId: 'searchResources',
    method: 'get',
    path: '/v1/resources',
    summary: 'Search resources',
    description: 'Resources of the organization\'s accounts that the API may use (the organization\'s default channel policy), by text, type or tag.',
    role: 'viewer',
    query: ResourceSearchQuery,
    responses: { 200: { description: 'Matching resources, best first.', schema: ResourceListResponse } },
  }),
  getResource: route({
    operationId: 'getResource',
    method: 'get',
    path: '/v1/resources/{id}',
    summary: 'One resource with its dependencies',
    description: 'The resource, what it depends on and what depends on it (the blast radius), to `depth` hops. URL-encode the id: ARNs and Azure ids contain `/` and `:`.',
    role: 'viewer',
    params: IdParams,
    query: ResourceQuery,
    responses: { 200: { description: 'The resource and its neighbours.', schema: ResourceDetailResponse }, 404: notFound('resource') },
  }),
  listApprovals: route({
    operationId: 'listApprovals',
    method: 'get',
    path: '/v1/approvals',
    summary: 'List approval requests',
    description: 'Newest first; pending ones by default.',
    role: 'viewer',
    query: ApprovalsQuery,
    responses: { 200: { description: 'Approval requests.', schema: ApprovalListResponse } },
  }),
  getApproval: route({
    operationId: 'getApproval',
    method: 'get',
    path: '/v1/approvals/{id}',
    summary: 'One approval request',
    description: 'Its state, decisions and, once it ran, the executor\'s result.',
    role: 'viewer',
    params: IdParams,
    responses: { 200: { description: 'The approval request.', schema: ApprovalResponse }, 404: notFound('approval request') },
  }),
  decideApproval: route({
    operationId: 'decideApproval',
    method: 'post',
    path: '/v1/approvals/{id}/decision',
    summary: 'Approve or deny',
    description: 'The same rules as the chat buttons: operators may decide low-risk actions and admins all; the action kind must still be enabled in the channel the request was made in; the request must be pending and not expired. Of concurrent decisions exactly one applies, and an approved action runs once.',
    role: 'operator',
    params: IdParams,
    body: DecisionRequest,
    responses: {
      200: { description: 'Decided: denied, or approved and run.', schema: DecisionResponse },
      202: { description: 'Approved and stored; the action runs within minutes (or is failed with the reason), by this or another replica.', schema: DecisionResponse },
      503: { description: 'The approval store is unavailable: nothing was decided by this call; try again.', schema: ErrorBody },
      404: notFound('approval request'),
      409: { description: 'Already decided, or expired: nothing ran now.', schema: DecisionConflict },
    },
  }),
  listAudit: route({
    operationId: 'listAudit',
    method: 'get',
    path: '/v1/audit',
    summary: 'Read the audit log',
    description: 'The organization\'s audit events, oldest first: API key uses and changes, approval decisions, action results.',
    role: 'admin',
    query: AuditQuery,
    responses: { 200: { description: 'Audit events.', schema: AuditResponse } },
  }),
} as const;

export type Routes = typeof routes;
export type OperationId = keyof Routes;
export const routeList: readonly RouteSpec[] = Object.values(routes);

/** `/v1/resources/{id}` → `/v1/resources/:id` (Express). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
