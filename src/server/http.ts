import { createServer, type Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Runtime } from '../runtime.ts';

/** Something that adds routes to the one HTTP server: the Slack adapter, the Teams adapter, … */
export interface HttpPlugin {
  readonly name: string;
  mount(app: Express): void;
  close?(): Promise<void>;
}

export function createHttpApp(runtime: Runtime, plugins: readonly HttpPlugin[]): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready', backends: runtime.describe });
  });
  for (const plugin of plugins) plugin.mount(app);
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `No route for ${req.method} ${req.path}.` });
  });
  // Express needs the four-argument signature to recognise an error handler.
  app.use((error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
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
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Express, port: number, host: string): Promise<RunningServer> {
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    server,
    url: `http://${shownHost}:${actualPort}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
