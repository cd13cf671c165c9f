import { createServer, type IncomingMessage, type Server } from 'node:http';
import { blockKitViolations } from './block-kit-limits.ts';
import { closeServer, listenOnLoopback } from './local-server.ts';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** The ts the fake answered with (chat.postMessage), so a test can follow threads. */
  ts?: string;
  /** When the call arrived (performance.now()), for benchmarks. */
  at: number;
  /** The bot token the call was made with. */
  token?: string;
  /** Accepted while another channel was inside the Retry-After of a 429 (set by rateLimitChannel). */
  whileChannelWaited?: string;
}

/** A file shared by `files.completeUploadExternal`: where it went, and the bytes that were uploaded. */
export interface SlackUpload {
  fileId: string;
  filename: string;
  title?: string;
  /** As sent to files.getUploadURLExternal (`alt_txt`). */
  altText?: string;
  channelId?: string;
  threadTs?: string;
  bytes: Buffer;
}

/**
 * A local stand-in for the Slack Web API (https://slack.com/api/<method>) and for response_url
 * endpoints. It records every call and answers in Slack's documented response shapes.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: { path: string; body: Record<string, unknown> }[] = [];
  /** Calls answered with HTTP 429 (not in `calls`: Slack did not act on them). */
  readonly rateLimited: SlackCall[] = [];
  /** Messages refused because they break a documented Block Kit limit (test/support/block-kit-limits.ts). */
  readonly blockKitViolations: { method: string; problems: string[]; args: Record<string, unknown> }[] = [];
  private limits: { method: string; skip: number; retryAfterSeconds: number; channel?: string }[] = [];
  /** Channels inside the Retry-After of a per-channel 429: channel → until (ms). */
  private readonly channelWindows = new Map<string, number>();
  /** Each posted message as it stands now (chat.update applied), by ts. */
  private readonly messages = new Map<string, SlackCall>();
  /** User groups (S… id → member user ids) that usergroups.users.list answers from. */
  readonly userGroups = new Map<string, string[]>();
  /** When set, usergroups.users.list fails with this Slack error code (e.g. missing_scope). */
  userGroupsError: string | undefined;
  /** Bot tokens the fake accepts, with the workspace each belongs to (auth.test answers with it). */
  readonly tokens = new Map<string, string>([['xoxb-test-token', 'T00000001']]);
  /** Where apps.connections.open sends Socket Mode apps (a FakeSocketMode). */
  socketModeUrl: string | undefined;
  /** OAuth codes oauth.v2.access exchanges: code → the installation Slack would report. */
  readonly oauthCodes = new Map<string, { teamId: string; teamName: string; installerId: string; botToken: string; enterpriseId?: string }>();
  private failures: { method: string; error: string }[] = [];
  /** Calls the fake took and never answers (hangChannel), as a Slack that stopped responding. */
  readonly hung: SlackCall[] = [];
  private hangs: { channel: string; skip: number; times: number }[] = [];
  private readonly held = new Set<() => void>();
  /** Files shared into channels, in order (files.completeUploadExternal). */
  readonly uploads: SlackUpload[] = [];
  /** Upload slots handed out by files.getUploadURLExternal, by file id, with their bytes once posted. */
  private readonly pending = new Map<string, { filename: string; length: number; altText?: string; bytes?: Buffer }>();
  private server?: Server;
  private tsCounter = 0;
  private fileCounter = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    this.releaseHung();
    await closeServer(this.server);
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/response/${id}`;
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Every text a person could see, across messages, updates, ephemerals and response_url posts. */
  visibleText(): string {
    return JSON.stringify([...this.calls.map((c) => [c.args.text, c.args.blocks]), ...this.responses.map((r) => r.body)]);
  }

  /** A posted message as people see it now (its latest chat.update applied). */
  latest(ts: string | undefined): SlackCall | undefined {
    return ts === undefined ? undefined : this.messages.get(ts);
  }

  /** The replies in a thread as people see them now, oldest first: posts with their latest update applied. */
  /**
   * The channel message a slash command from `userId` started (`<@U…> asked: …`). Tests on the
   * shared real stores look for it instead of taking the first message: another replica's sweeper
   * may post a due verification into the same channel first.
   */
  commandParent(userId: string): SlackCall | undefined {
    return this.callsOf('chat.postMessage').find((c) => c.args.thread_ts === undefined && typeof c.args.text === 'string' && c.args.text.startsWith(`<@${userId}> asked:`));
  }

  thread(threadTs: string): SlackCall[] {
    return [...this.messages.values()].filter((m) => m.args.thread_ts === threadTs).sort((a, b) => (a.ts ?? '').localeCompare(b.ts ?? ''));
  }

  /** Answers one later call of `method` (after `skip` more of them) with 429 and Retry-After, as Slack's rate limiter does. */
  rateLimitOnce(method: string, skip = 0, retryAfterSeconds = 1): void {
    this.limits.push({ method, skip, retryAfterSeconds });
  }

  /** Answers the next call of `method` with `{ ok: false, error }`, as Slack does for a missing scope or a disabled feature. */
  failOnce(method: string, error: string): void {
    this.failures.push({ method, error });
  }

  /** Answers one later call into `channel` (any method, after `skip` more) with 429 and Retry-After: Slack's per-channel posting limit. */
  rateLimitChannel(channel: string, skip = 0, retryAfterSeconds = 1): void {
    this.limits.push({ method: '*', channel, skip, retryAfterSeconds });
  }

  /** Takes `times` later calls into `channel` (after `skip` more) and never answers them, until releaseHung or stop. */
  hangChannel(channel: string, skip = 0, times = 1): void {
    this.hangs.push({ channel, skip, times });
  }

  /** Answers the held calls with a 500 (by then their caller gave up long ago). */
  releaseHung(): void {
    for (const release of this.held) release();
    this.held.clear();
  }

  /** Forgets the recorded calls; messages stay, so later updates of them still find them. */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.rateLimited.length = 0;
    this.uploads.length = 0;
    this.limits = [];
    this.failures = [];
    this.hangs = [];
    this.hung.length = 0;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; headers?: Record<string, string>; body: Record<string, unknown> }> {
    const body = await readBody(req);
    const raw = body.toString('utf8');
    const path = req.url ?? '/';
    // The upload URL is pre-signed (no token): Slack answers 200 "OK - <bytes>" to a raw or multipart POST.
    if (path.startsWith('/upload/v1/')) return this.receiveUpload(path, body);
    if (path.startsWith('/response/')) {
      const response = JSON.parse(raw) as Record<string, unknown>;
      this.responses.push({ path, body: response });
      const problems = blockKitViolations(response);
      if (problems.length > 0) {
        this.blockKitViolations.push({ method: 'response_url', problems, args: response });
        return { status: 400, body: { ok: false, error: 'invalid_blocks' } };
      }
      return { status: 200, body: { ok: true } };
    }
    const method = path.replace(/^\/api\//, '').split('?')[0] ?? '';
    const args = parseArgs(raw, req.headers['content-type'] ?? '');
    if (method === 'oauth.v2.access') return this.oauthAccess(args);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const teamId = this.tokens.get(token);
    if (!teamId) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const call: SlackCall = { method, args, token, at: performance.now() };
    const channel = typeof args.channel === 'string' ? args.channel : undefined;
    const until = channel ? this.channelWindows.get(channel) : undefined;
    if (until !== undefined && until > Date.now()) {
      // As Slack does: a call before the Retry-After has passed is refused again.
      this.rateLimited.push(call);
      return { status: 429, headers: { 'retry-after': String(Math.ceil((until - Date.now()) / 1000)) }, body: { ok: false, error: 'ratelimited' } };
    }
    const hang = channel ? this.hangs.find((h) => h.channel === channel) : undefined;
    if (hang && hang.skip > 0) hang.skip -= 1;
    else if (hang) {
      hang.times -= 1;
      if (hang.times <= 0) this.hangs = this.hangs.filter((h) => h !== hang);
      this.hung.push(call);
      return new Promise((resolve) => {
        this.held.add(() => resolve({ status: 500, body: { ok: false, error: 'fatal_error' } }));
      });
    }
    const limit = this.limits.find((l) => (l.channel ? l.channel === channel : l.method === method));
    if (limit && limit.skip > 0) limit.skip -= 1;
    else if (limit) {
      this.limits = this.limits.filter((l) => l !== limit);
      this.rateLimited.push(call);
      if (limit.channel) this.channelWindows.set(limit.channel, Date.now() + limit.retryAfterSeconds * 1000);
      return { status: 429, headers: { 'retry-after': String(limit.retryAfterSeconds) }, body: { ok: false, error: 'ratelimited' } };
    }
    const waiting = [...this.channelWindows].find(([other, end]) => other !== channel && end > Date.now());
    if (waiting) call.whileChannelWaited = waiting[0];
    this.calls.push(call);
    const failure = this.failures.find((f) => f.method === method);
    if (failure) {
      this.failures = this.failures.filter((f) => f !== failure);
      return { status: 200, body: { ok: false, error: failure.error } };
    }
    if (method === 'chat.postMessage' || method === 'chat.update' || method === 'chat.postEphemeral') {
      // As Slack does: a message that breaks a Block Kit limit is refused, with what is wrong.
      const problems = blockKitViolations(args);
      if (problems.length > 0) {
        this.blockKitViolations.push({ method, problems, args });
        return { status: 200, body: { ok: false, error: 'invalid_blocks', errors: problems } };
      }
    }
    switch (method) {
      case 'auth.test':
        return { status: 200, body: { ok: true, url: 'https://demo.slack.com/', team: 'Demo', user: 'cloud-companion', team_id: teamId, user_id: 'UBOT00001', bot_id: 'BBOT00001' } };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        call.ts = ts;
        this.messages.set(ts, { method: 'message', args: { ...args }, ts, at: call.at });
        return { status: 200, body: { ok: true, channel: args.channel, ts, message: { type: 'message', text: args.text, ts, bot_id: 'BBOT00001', ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}), ...(args.blocks ? { blocks: args.blocks } : {}) } } };
      }
      case 'chat.update': {
        const message = this.messages.get(String(args.ts));
        if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        message.args = { ...message.args, text: args.text, blocks: args.blocks };
        return { status: 200, body: { ok: true, channel: args.channel, ts: args.ts, text: args.text } };
      }
      case 'apps.connections.open':
        // Called with the app-level token; answers with the Socket Mode WebSocket to connect to.
        return { status: 200, body: this.socketModeUrl ? { ok: true, url: this.socketModeUrl } : { ok: false, error: 'not_allowed_token_type' } };
      case 'usergroups.users.list': {
        if (this.userGroupsError) return { status: 200, body: { ok: false, error: this.userGroupsError } };
        const users = this.userGroups.get(String(args.usergroup));
        return { status: 200, body: users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' } };
      }
      case 'chat.postEphemeral':
        return { status: 200, body: { ok: true, message_ts: this.nextTs() } };
      case 'files.getUploadURLExternal':
        return { status: 200, body: this.uploadUrl(args) };
      case 'files.completeUploadExternal':
        return { status: 200, body: this.completeUpload(args) };
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  }

  /** https://docs.slack.dev/reference/methods/files.getUploadURLExternal: filename and length required, alt_txt ≤ 1000. */
  private uploadUrl(args: Record<string, unknown>): Record<string, unknown> {
    const length = Number(args.length);
    if (typeof args.filename !== 'string' || !args.filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'missing_argument' };
    if (typeof args.alt_txt === 'string' && args.alt_txt.length > 1000) return { ok: false, error: 'alt_txt_too_large' };
    this.fileCounter += 1;
    const fileId = `F${String(this.fileCounter).padStart(9, '0')}`;
    this.pending.set(fileId, { filename: args.filename, length, ...(typeof args.alt_txt === 'string' ? { altText: args.alt_txt } : {}) });
    return { ok: true, upload_url: `${this.url}/upload/v1/${fileId}`, file_id: fileId };
  }

  private receiveUpload(path: string, body: Buffer): { status: number; body: Record<string, unknown> } {
    const slot = this.pending.get(path.slice('/upload/v1/'.length));
    if (!slot) return { status: 404, body: { ok: false } };
    slot.bytes = body;
    return { status: 200, body: { ok: true, text: `OK - ${body.length}` } };
  }

  /**
   * https://docs.slack.dev/reference/methods/files.completeUploadExternal: `files` is a JSON array of
   * {id, title}; `channel_id` shares them, `thread_ts` (with a channel) into that thread. A file whose
   * bytes never arrived, or arrived with another length than announced, is not shared.
   */
  private completeUpload(args: Record<string, unknown>): Record<string, unknown> {
    let files: { id?: unknown; title?: unknown }[];
    try {
      files = JSON.parse(String(args.files)) as { id?: unknown; title?: unknown }[];
    } catch {
      return { ok: false, error: 'invalid_arguments' };
    }
    if (!Array.isArray(files) || files.length === 0) return { ok: false, error: 'invalid_arguments' };
    if (args.thread_ts !== undefined && args.channel_id === undefined) return { ok: false, error: 'invalid_arguments' };
    const shared: SlackUpload[] = [];
    for (const file of files) {
      const slot = typeof file.id === 'string' ? this.pending.get(file.id) : undefined;
      if (!slot?.bytes || slot.bytes.length !== slot.length) return { ok: false, error: 'file_not_found' };
      shared.push({
        fileId: String(file.id), filename: slot.filename, bytes: slot.bytes,
        ...(typeof file.title === 'string' ? { title: file.title } : {}),
        ...(slot.altText !== undefined ? { altText: slot.altText } : {}),
        ...(typeof args.channel_id === 'string' ? { channelId: args.channel_id } : {}),
        ...(typeof args.thread_ts === 'string' ? { threadTs: args.thread_ts } : {}),
      });
    }
    for (const file of shared) this.pending.delete(file.fileId);
    this.uploads.push(...shared);
    return { ok: true, files: shared.map((f) => ({ id: f.fileId, name: f.filename, title: f.title ?? f.filename, mimetype: 'image/png', size: f.bytes.length })) };
  }

  /** oauth.v2.access: the client id and secret identify the app, the code one pending install (used once). */
  private oauthAccess(args: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    this.calls.push({ method: 'oauth.v2.access', args, at: performance.now() });
    const install = this.oauthCodes.get(String(args.code));
    if (!install || args.client_id !== 'test-client-id' || args.client_secret !== 'test-client-secret') return { status: 200, body: { ok: false, error: 'invalid_code' } };
    this.oauthCodes.delete(String(args.code));
    this.tokens.set(install.botToken, install.teamId);
    return {
      status: 200,
      body: {
        ok: true, access_token: install.botToken, token_type: 'bot', scope: 'commands,chat:write', bot_user_id: 'UBOT00001', app_id: 'A00000001',
        team: { id: install.teamId, name: install.teamName }, enterprise: install.enterpriseId ? { id: install.enterpriseId, name: 'Grid' } : null,
        authed_user: { id: install.installerId }, is_enterprise_install: false,
      },
    };
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** @slack/web-api posts form-encoded arguments, with objects (blocks) as JSON strings. */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = key === 'blocks' || key === 'attachments' ? JSON.parse(value) : value;
  }
  return args;
}
