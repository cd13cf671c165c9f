import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { metricsRegistry, outcomeOf, serviceMetrics, surfaceOf } from '../observability/metrics.ts';
import type { Runtime } from '../runtime.ts';
import type { Readiness } from './readiness.ts';
import { isStoreUnavailable, sendStoreUnavailable } from './unavailable.ts';

/** Something that adds routes to the one HTTP server: the Slack adapter, the Teams adapter, … */
export interface HttpPlugin {
  readonly name: string;
  mount(app: Express): void;
  close?(): Promise<void>;
}

/** Set while shutting down: new work is refused so a load balancer sends it to another replica. */
export interface ServerState {
  draining: boolean;
}

export interface HttpAppOptions {
  /** Backend checks for /readyz; without it /readyz only reflects draining. */
  readiness?: Readiness;
  state?: ServerState;
}

export function createHttpApp(runtime: Runtime, plugins: readonly HttpPlugin[], options: HttpAppOptions = {}): Express {
  const app = express();
  const state = options.state ?? { draining: false };
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (state.draining) {
      res.status(503).json({ status: 'shutting_down', message: 'This replica is shutting down and takes no new work.' });
      return;
    }
    if (!options.readiness) {
      res.json({ status: 'ready', backends: runtime.describe });
      return;
    }
    const report = await options.readiness.check();
    const failed = report.backends.filter((b) => !b.ready);
    res.status(report.ready ? 200 : 503).json({
      status: report.ready ? 'ready' : 'unready',
      ...(failed.length > 0 ? { message: `Not ready: ${failed.map((b) => `${b.backend} (${b.detail})`).join('; ')}.` } : {}),
      backends: report.backends,
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
  // Requests and ack latency per surface, counted when the response is sent (the ack the platform sees).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const surface = surfaceOf(req.path);
    if (!surface) {
      next();
      return;
    }
    const stop = serviceMetrics.ackLatency.startTimer({ surface });
    res.once('finish', () => {
      stop();
      serviceMetrics.requests.inc({ surface, outcome: outcomeOf(res.statusCode) });
    });
    if (state.draining) {
      // Slack and Teams retry a 503, and by then another replica (or this one restarted) takes it.
      res.status(503).set('retry-after', '5').json({ error: 'shutting_down', message: 'This replica is shutting down; retry in a few seconds.' });
      return;
    }
    next();
  });
  for (const plugin of plugins) plugin.mount(app);
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `No route for ${req.method} ${req.path}.` });
  });
  // Express needs the four-argument signature to recognise an error handler.
  app.use((error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (isStoreUnavailable(error) && !res.headersSent) {
      runtime.logger.warn({ err: error, path: req.path }, 'request refused with 503: a store is unavailable');
      sendStoreUnavailable(res);
      return;
    }
    const status = error.status ?? 500;
    if (status >= 500) runtime.logger.error({ err: error, path: req.path }, 'request failed');
    const message = error.type === 'entity.too.large'
      ? `The request body is larger than ${runtime.config.maxBodyBytes} bytes.`
      : status >= 500 ? 'Internal error; the details are in the server log.' : error.message;
    res.status(status).json({ error: error.type ?? 'error', message });
  });
  return app;
}

export interface RunningServer {
  server: Server;
  /** Where a client on this machine reaches it (loopback when bound to every interface). */
  url: string;
  /** What the socket is actually bound to, from the server itself, e.g. `0.0.0.0:3000` or `[::1]:3000`. */
  bound: string;
  /** Whether that is every interface (reachable from other machines, subject to the firewall). */
  allInterfaces: boolean;
  close(): Promise<void>;
}

/** Node's limit on the request line plus headers (its default); ids in paths are at most 2 KB. */
export const maxHeaderBytes = 16 * 1024;

/**
 * Requests Node refuses before Express sees them (a request line or headers over the limit, a
 * malformed request) get Node's bare status line; answer them with the same JSON error body as
 * everything else, so a client can tell what to change.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, body] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', { error: 'headers_too_large', message: `The request line and headers are larger than ${maxHeaderBytes / 1024} KB. Resource and thread ids in paths are at most 2048 characters; send less in the URL and headers.` }]
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', { error: 'request_timeout', message: 'The request was not received in time; send it again.' }]
      : [400, 'Bad Request', { error: 'bad_request', message: 'The request is not valid HTTP/1.1.' }];
  const json = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
}

export async function listen(app: Express, port: number, host: string): Promise<RunningServer> {
  const server = createServer({ maxHeaderSize: maxHeaderBytes }, app);
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const boundHost = typeof address === 'object' && address ? address.address : host;
  const allInterfaces = boundHost === '0.0.0.0' || boundHost === '::';
  const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  return {
    server,
    url: `http://${allInterfaces ? '127.0.0.1' : bracket(boundHost)}:${actualPort}`,
    bound: `${bracket(boundHost)}:${actualPort}`,
    allInterfaces,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
