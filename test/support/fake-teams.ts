import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from './local-server.ts';

export interface ConnectorCall {
  /** send: POST …/activities; reply: POST …/activities/{replyToId}; update: PUT …/activities/{id}. */
  kind: 'send' | 'reply' | 'update';
  conversationId: string;
  activityId?: string;
  activity: Record<string, unknown>;
  authorization?: string;
}

/**
 * Teams refuses a bot message over ~100 KB with 413 MessageSizeTooBig (platform-rules §2.9); the
 * Microsoft 365 Agents Playground's connector refuses any body over 100 KB (body-parser's 100kb) the same way.
 */
export const teamsMaxBodyBytes = 100 * 1024;

export interface RefusedCall {
  kind: 'send' | 'reply' | 'update';
  conversationId: string;
  bytes: number;
}

interface Failure {
  status: number;
  headers: Record<string, string>;
}

/**
 * A local Bot Framework connector service: the `serviceUrl` of the activities the tests post. It
 * records every activity the bot sends, replies to or updates (Bot Connector REST API v3), answers
 * with a ResourceResponse `{ id }` as the real service does, refuses bodies over 100 KB with 413
 * as Teams does, and can be told to answer the next calls with an error such as Teams' 429 rate limit.
 */
export class FakeTeamsConnector {
  readonly calls: ConnectorCall[] = [];
  /** Calls refused with 413 because their body was over the size limit, as Teams refuses them. */
  readonly refused: RefusedCall[] = [];
  /** The size limit enforced (Teams' 100 KB unless a test narrows it to force a refusal). */
  maxBodyBytes = teamsMaxBodyBytes;
  private readonly failures: Failure[] = [];
  private server?: Server;
  private counter = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body, headers }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** A regional service URL, shaped like Teams' (`…/amer/<tenant>/`). */
  serviceUrl(tenantId: string): string {
    return `${this.url}/amer/${tenantId}/`;
  }

  /** The next `times` activity calls fail with this status (and headers, e.g. Retry-After). */
  failNext(status: number, times = 1, headers: Record<string, string> = {}): void {
    for (let i = 0; i < times; i += 1) this.failures.push({ status, headers });
  }

  reset(): void {
    this.calls.length = 0;
    this.refused.length = 0;
    this.failures.length = 0;
  }

  /** Calls of one kind, or in one conversation, in order. */
  sent(conversationId?: string): ConnectorCall[] {
    return this.calls.filter((c) => c.kind !== 'update' && (conversationId === undefined || c.conversationId === conversationId));
  }

  updatesOf(activityId: string): ConnectorCall[] {
    return this.calls.filter((c) => c.kind === 'update' && c.activityId === activityId);
  }

  /** Every text a person could see: messages, cards, updates. */
  visibleText(): string {
    return JSON.stringify(this.calls.map((c) => [c.activity.text, c.activity.attachments]));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/amer\/[^/]+\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
    if (!match?.[1]) return { status: 404, body: { error: { code: 'NotFound', message: `no route ${req.method} ${path}` } } };
    const failure = this.failures.shift();
    if (failure) return { status: failure.status, body: { error: { code: failure.status === 429 ? 'TooManyRequests' : 'ServiceError', message: 'injected failure' } }, headers: failure.headers };
    const conversationId = decodeURIComponent(match[1]);
    const activityId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const bytes = Buffer.byteLength(raw, 'utf8');
    if (bytes > this.maxBodyBytes) {
      this.refused.push({ kind: req.method === 'PUT' ? 'update' : activityId ? 'reply' : 'send', conversationId, bytes });
      return { status: 413, body: { error: { code: 'MessageSizeTooBig', message: `Message size too big: ${bytes} bytes (the limit is ${this.maxBodyBytes}).` } } };
    }
    const activity = JSON.parse(raw || '{}') as Record<string, unknown>;
    const authorization = req.headers.authorization;
    if (req.method === 'PUT' && activityId) {
      this.calls.push({ kind: 'update', conversationId, activityId, activity, ...(authorization ? { authorization } : {}) });
      return { status: 200, body: { id: activityId } };
    }
    if (req.method !== 'POST') return { status: 405, body: {} };
    this.counter += 1;
    const id = `1:bot-activity-${this.counter}`;
    this.calls.push({ kind: activityId ? 'reply' : 'send', conversationId, ...(activityId ? { activityId } : {}), activity: { ...activity, id }, ...(authorization ? { authorization } : {}) });
    // Typing indicators get no id back from Teams; messages do.
    return { status: 200, body: activity.type === 'typing' ? {} : { id } };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
