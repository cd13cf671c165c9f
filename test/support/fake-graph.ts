import { createServer, type IncomingMessage, type Server } from 'node:http';
import nock from 'nock';
import { closeServer, listenOnLoopback } from './local-server.ts';

export interface GraphCall { userId: string; groupIds: string[]; authorization?: string }

/**
 * A local Microsoft Graph answering `POST /v1.0/users/{id}/checkMemberGroups` in Graph's documented
 * shape (`{ value: [group ids] }`), from a table of group members; records every call. `failWith`
 * makes it answer with a Graph error instead (e.g. 503, or 403 Authorization_RequestDenied).
 */
export class FakeGraph {
  readonly calls: GraphCall[] = [];
  /** Group object id → member object ids (transitive membership already flattened). */
  readonly members = new Map<string, string[]>();
  failWith: { status: number; code: string } | undefined;
  private server?: Server;
  url = '';

  get graphUrl(): string {
    return `${this.url}/v1.0`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/v1\.0\/users\/([^/]+)\/checkMemberGroups$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match?.[1]) return { status: 404, body: { error: { code: 'Request_ResourceNotFound', message: 'Unknown path.' } } };
    const userId = decodeURIComponent(match[1]);
    const { groupIds } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { groupIds: string[] };
    this.calls.push({ userId, groupIds, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (this.failWith) return { status: this.failWith.status, body: { error: { code: this.failWith.code, message: 'The fake Graph was told to fail.' } } };
    if (req.headers.authorization !== `Bearer ${entraAccessToken}`) return { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } } };
    return { status: 200, body: { value: groupIds.filter((g) => this.members.get(g)?.includes(userId)) } };
  }
}

/** The app-only token the fake Entra hands out, for Graph and the Bot Connector alike. */
export const entraAccessToken = 'fake-entra-app-token';

export interface TokenRequest { tenant: string; clientId: string; scope: string }

/**
 * Microsoft Entra's token endpoint (client credentials grant), faked with nock because MSAL only
 * talks to https authorities: every `POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`
 * is answered with a bearer token and recorded. Call the returned `done` to remove the interceptor.
 */
export function fakeEntraTokens(): { requests: TokenRequest[]; done: () => void } {
  const requests: TokenRequest[] = [];
  nock('https://login.microsoftonline.com').persist()
    .post(/^\/[^/]+\/oauth2\/v2\.0\/token/)
    .reply(200, (uri, body) => {
      const form = new URLSearchParams(typeof body === 'string' ? body : '');
      requests.push({ tenant: uri.split('/')[1] ?? '', clientId: form.get('client_id') ?? '', scope: form.get('scope') ?? '' });
      return { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: entraAccessToken };
    });
  return { requests, done: () => nock.cleanAll() };
}
