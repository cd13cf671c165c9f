import { z } from 'zod';
import { roleAtLeast } from '../request.ts';
import { routeList, type RouteSpec } from './routes.ts';
import { apiSchemas, ErrorBody, StreamEvidence, StreamProgress, StreamStarted } from './schemas.ts';

type Json = Record<string, unknown>;

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });

function idOf(schema: z.ZodType, where: string): string {
  const id = apiSchemas.get(schema)?.id;
  if (!id) throw new Error(`${where}: the schema is not registered in apiSchemas, so the document cannot name it.`);
  return id;
}

/** A component as plain JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the document-level keys. */
function component(schema: unknown): Json {
  const { $schema: _s, $id: _i, ...rest } = schema as Json;
  return rest;
}

/** Ids a component refers to, transitively. */
function closure(roots: Iterable<string>, defs: Record<string, unknown>): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    JSON.stringify(defs[id], (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string') visit(value.replace('#/components/schemas/', ''));
      return value;
    });
  };
  for (const id of roots) visit(id);
  return seen;
}

function parameters(location: 'path' | 'query', shape: z.ZodObject | undefined): Json[] {
  if (!shape) return [];
  return Object.entries(shape.shape).map(([name, field]) => {
    const schema = component(z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any' }));
    const { description, ...rest } = schema;
    const required = location === 'path' || !(field as z.ZodType).safeParse(undefined).success;
    return { name, in: location, required, ...(description ? { description } : {}), schema: rest };
  });
}

const errorResponse = (description: string): Json => ({ description, content: { 'application/json': { schema: ref('Error') } } });

function operation(spec: RouteSpec): Json {
  const responses: Record<string, Json> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    const content: Json = { 'application/json': { schema: ref(idOf(response.schema, `${spec.operationId} ${status}`)) } };
    if (status === '200' && spec.stream) content['text/event-stream'] = { schema: { type: 'string', description: spec.stream } };
    responses[status] = { description: response.description, content };
  }
  const validated = Boolean(spec.params ?? spec.query ?? spec.body);
  if (validated) responses['400'] ??= errorResponse('The request is invalid; the message names each problem.');
  responses['401'] = errorResponse('No API key, or one that is invalid, revoked or expired; the message says which and what to do.');
  if (roleAtLeast(spec.role, 'operator')) responses['403'] ??= errorResponse(`The key's role is not enough: this needs ${spec.role} or more (or, for decisions, the rules of the approval).`);
  if (spec.body) responses['413'] = errorResponse('The body is too large.');
  responses['429'] = {
    ...errorResponse('Too many requests for this key or organization.'),
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } } },
  };
  const sorted = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    description: `${spec.description}\n\nNeeds a key with role **${spec.role}** or more.`,
    'x-required-role': spec.role,
    ...(spec.params || spec.query ? { parameters: [...parameters('path', spec.params), ...parameters('query', spec.query)] } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(idOf(spec.body, `${spec.operationId} body`)) } } } } : {}),
    responses: sorted,
  };
}

/**
 * The OpenAPI 3.1 document, assembled from the route table and the zod schemas the handlers
 * validate with. Request bodies are described as clients send them (defaults optional), responses
 * as the server sends them.
 */
export function openApiDocument(): Json {
  const options = { uri: (id: string) => `#/components/schemas/${id}`, unrepresentable: 'any' as const };
  const input = z.toJSONSchema(apiSchemas, { ...options, io: 'input' }).schemas;
  const output = z.toJSONSchema(apiSchemas, { ...options, io: 'output' }).schemas;
  const bodies = routeList.flatMap((r) => (r.body ? [idOf(r.body, r.operationId)] : []));
  const requestIds = closure(bodies, input);
  const responseIds = closure([...routeList.flatMap((r) => Object.values(r.responses).map((s) => idOf(s.schema, r.operationId))), idOf(ErrorBody, 'errors')], output);
  for (const id of requestIds) {
    if (responseIds.has(id) && JSON.stringify(input[id]) !== JSON.stringify(output[id])) {
      throw new Error(`Schema ${id} is used in requests and responses but differs between them; register two schemas.`);
    }
  }
  const schemas: Record<string, Json> = {};
  for (const id of Object.keys(output).sort()) schemas[id] = component(requestIds.has(id) ? input[id] : output[id]);
  for (const stream of [StreamStarted, StreamProgress, StreamEvidence]) idOf(stream, 'stream events');

  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of routeList) (paths[spec.path] ??= {})[spec.method] = operation(spec);
  paths['/v1/openapi.json'] = {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document',
      description: 'Needs no key.',
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Cloud Companion API',
      version: '1',
      description: [
        'Tenant-scoped answers for runbooks in CI, portals, workflows and scripts: the same investigations, resource graph, approvals and audit log as the chat surfaces.',
        '',
        'Authenticate with an API key in the `X-API-Key` header. An admin creates keys per organization with `cloud-companion keys create --org <id> --role viewer|operator|admin`; the key is shown once. A key acts within its organization only, with its role: `viewer` may ask and read, `operator` may also decide low-risk approvals, `admin` may decide all and read the audit log.',
        '',
        'Requests are limited per key and per organization; over the limit the answer is `429` with `Retry-After` in seconds.',
      ].join('\n'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'cc_<key id>_<secret>, from `cloud-companion keys create`.' } },
      schemas,
    },
  };
}
