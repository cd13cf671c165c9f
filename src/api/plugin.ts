import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { BackgroundWork } from '../background.ts';
import type { Companion } from '../companion.ts';
import type { Logger } from '../logging.ts';
import { roleAtLeast } from '../request.ts';
import type { HttpPlugin } from '../server/http.ts';
import type { Stores } from '../stores/index.ts';
import { createHandlers, type HandlerCall, type HandlerResult } from './handlers.ts';
import { ApiKeyAuth } from './key-auth.ts';
import type { ApiPrincipal } from './keys.ts';
import type { LoginFailureLimits } from './login-guard.ts';
import { openApiDocument } from './openapi.ts';
import { RateLimiter, type RateLimits } from './rate-limit.ts';
import { expressPath, routeList, routes, type OperationId, type RouteInput, type RouteSpec, type Routes } from './routes.ts';
import { ErrorBody } from './schemas.ts';
import { SseStream, wantsEventStream } from './sse.ts';

export interface ApiPluginOptions {
  companion: Companion;
  stores: Stores;
  limits: RateLimits;
  /** Failed API-key logins a minute per source address and per key id, refused before hashing beyond that. */
  loginFailures?: LoginFailureLimits;
  maxBodyBytes: number;
  background: BackgroundWork;
  logger: Logger;
  now?: () => Date;
}


function sendError(res: Response, status: number, error: string, message: string): void {
  res.status(status).json(ErrorBody.parse({ error, message }));
}

/** Each documented path as a pattern, with the methods it answers (HEAD with GET, as Express does). */
const pathMethods: readonly { pattern: RegExp; methods: readonly string[] }[] = (() => {
  const byPath = new Map<string, Set<string>>([['/v1/openapi.json', new Set(['GET'])]]);
  for (const spec of routeList) (byPath.get(spec.path) ?? byPath.set(spec.path, new Set()).get(spec.path))?.add(spec.method.toUpperCase());
  return [...byPath].map(([path, methods]) => ({
    pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`),
    methods: [...methods, ...(methods.has('GET') ? ['HEAD'] : [])],
  }));
})();

/**
 * A documented path asked with a method it does not answer (TRACE, PUT, DELETE…) gets 405 with
 * `Allow`, before authentication: the methods are public in the OpenAPI document anyway.
 * OPTIONS is left to Express, which answers it with `Allow`.
 */
const methodGuard: RequestHandler = (req, res, next) => {
  const route = req.method === 'OPTIONS' ? undefined : pathMethods.find((p) => p.pattern.test(req.path));
  if (!route || route.methods.includes(req.method)) {
    next();
    return;
  }
  res.setHeader('Allow', route.methods.join(', '));
  sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; it answers ${route.methods.join(', ')} (see GET /v1/openapi.json).`);
};

/**
 * The HTTP API under /v1: API-key authentication, per-key and per-organization rate limits, an
 * audit event for every authenticated request, and the routes of src/api/routes.ts validated with
 * their zod schemas. `GET /v1/openapi.json` (no key needed) is generated from the same table.
 */
export function createApiPlugin(options: ApiPluginOptions): HttpPlugin {
  const now = options.now ?? (() => new Date());
  const log = options.logger.child({ surface: 'api' });
  const { stores, background } = options;
  const auth = new ApiKeyAuth({ stores, background, logger: log, now, ...(options.loginFailures ? { loginFailures: options.loginFailures } : {}) });
  const limiter = new RateLimiter(options.limits, () => now().getTime());
  const handlers = createHandlers({ companion: options.companion, stores });
  const document = openApiDocument();
  const principals = new WeakMap<Request, ApiPrincipal>();

  const authenticate: RequestHandler = async (req, res, next) => {
    const result = await auth.authenticate(req, res);
    if (!result.ok) {
      if (result.reason === 'rate_limited') {
        res.setHeader('Retry-After', String(result.retryAfterSeconds ?? 60));
        sendError(res, 429, 'rate_limited', result.message);
        return;
      }
      sendError(res, 401, 'unauthorized', result.message);
      return;
    }
    const { principal } = result;
    principals.set(req, principal);
    const rate = limiter.take(principal.orgId, principal.keyId);
    if (!rate.ok) {
      res.setHeader('Retry-After', String(rate.retryAfterSeconds));
      const who = rate.scope === 'key' ? `API key ${principal.keyId}` : `Organization "${principal.orgId}" (all its keys together)`;
      sendError(res, 429, 'rate_limited', `${who} may make ${rate.limitPerMinute} requests a minute; retry after ${rate.retryAfterSeconds} s.`);
      return;
    }
    next();
  };

  function principalOf(req: Request): ApiPrincipal {
    const principal = principals.get(req);
    if (!principal) throw new Error('API route reached without an authenticated key');
    return principal;
  }

  const requireRole = (spec: RouteSpec): RequestHandler => (req, res, next) => {
    const principal = principalOf(req);
    if (roleAtLeast(principal.role, spec.role)) {
      next();
      return;
    }
    sendError(res, 403, 'forbidden', `This API key has the ${principal.role} role; ${spec.summary.toLowerCase()} needs ${spec.role} or more. An admin can create a key with \`cloud-companion keys create --org ${principal.orgId} --role ${spec.role}\`.`);
  };

  function mount<K extends OperationId>(router: express.Router, id: K): void {
    const spec: RouteSpec = routes[id];
    const handler = handlers[id] as (input: RouteInput<Routes[K]>, call: HandlerCall) => Promise<HandlerResult>;
    const bodyParser = spec.body ? [express.json({ limit: options.maxBodyBytes })] : [];
    router[spec.method](expressPath(spec.path), requireRole(spec), ...bodyParser, async (req: Request, res: Response) => {
      const input = parseInput(spec, req);
      if (!input.ok) {
        sendError(res, 400, 'input_invalid', input.message);
        return;
      }
      let stream: SseStream | undefined;
      const call: HandlerCall = {
        principal: principalOf(req),
        ...(spec.stream && wantsEventStream(req.get('accept')) ? { openStream: () => (stream ??= new SseStream(res)) } : {}),
      };
      let result: HandlerResult;
      try {
        result = await handler(input.value as RouteInput<Routes[K]>, call);
      } catch (error) {
        if (!stream) throw error;
        log.error({ err: error, operation: id }, 'API stream failed');
        stream.send('error', { error: 'internal', message: 'The investigation failed; the details are in the server log. Try again.' });
        stream.end();
        return;
      }
      if ('streamed' in result) return;
      const schema: z.ZodType = spec.responses[result.status]?.schema ?? ErrorBody;
      res.status(result.status).json(schema.parse(result.body));
    });
  }

  return {
    name: 'api',
    mount(app) {
      const router = express.Router();
      router.use(methodGuard);
      router.get('/v1/openapi.json', (_req, res) => {
        res.json(document);
      });
      router.use('/v1', authenticate);
      for (const id of Object.keys(routes) as OperationId[]) mount(router, id);
      router.use('/v1', (req: Request, res: Response) => {
        sendError(res, 404, 'not_found', `No endpoint ${req.method} ${req.path.startsWith('/v1') ? req.path : `/v1${req.path}`}. The endpoints are listed in GET /v1/openapi.json.`);
      });
      router.use('/v1', (error: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
        if (error.type === 'entity.parse.failed') sendError(res, 400, 'input_invalid', `The body is not valid JSON (${error.message}). Send a JSON object with Content-Type: application/json.`);
        else if (error.type === 'entity.too.large') sendError(res, 413, 'too_large', `The request body is larger than ${options.maxBodyBytes} bytes.`);
        else next(error);
      });
      app.use(router);
    },
  };
}

type Parsed = { ok: true; value: { params: unknown; query: unknown; body: unknown } } | { ok: false; message: string };

/** Validates path parameters, query and body; one message lists every problem with where it is. */
function parseInput(spec: RouteSpec, req: Request): Parsed {
  const problems: string[] = [];
  const parse = (where: 'path' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): unknown => {
    if (!schema) return undefined;
    if (where === 'body' && (value === undefined || !req.is('application/json'))) {
      problems.push('body: send a JSON object with Content-Type: application/json');
      return undefined;
    }
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) problems.push(`${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
    return undefined;
  };
  const value = {
    params: parse('path', spec.params, req.params),
    query: parse('query', spec.query, { ...req.query }),
    body: parse('body', spec.body, req.body),
  };
  if (problems.length > 0) return { ok: false, message: `The request is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}` };
  return { ok: true, value };
}
