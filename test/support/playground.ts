import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { closeServer, listenOnLoopback } from './local-server.ts';

/** What the Playground's connector received from the bot, and what it answered. */
export interface ConnectorRecord {
  method: string;
  path: string;
  status: number;
  bytes: number;
  body: Record<string, unknown>;
  /** The start of the Playground's answer (its error message when it refused). */
  answer: string;
}

export interface PlaygroundConfig {
  tenantId: string;
  /** The bot's id as Teams spells it (`28:<app id>`) and its display name. */
  bot: { id: string; name: string };
  /** Who types in the browser: their Entra object id is what tenants.yaml grants roles to. */
  currentUser: { id: string; name: string; aadObjectId: string };
  teamName: string;
  channelName: string;
}

/**
 * The Microsoft 365 Agents Playground (Microsoft's Teams client emulator, npm
 * `@microsoft/m365agentsplayground`) started as its CLI is, offline: telemetry off (the flag and
 * the Application Insights statsbeat variable), no browser of its own. Its connector is reached
 * through a pass-through that records every call and holds each one briefly: the Playground's
 * page drops a reply that arrives within a few ms of the user's own post.
 */
export class Playground {
  readonly calls: ConnectorRecord[] = [];
  url = '';
  private child?: ChildProcess;
  private proxy?: Server;
  private output = '';

  constructor(private readonly options: { botUrl: string; workDir: string; config: PlaygroundConfig; replyDelayMs?: number }) {}

  async start(): Promise<this> {
    const port = await freePort();
    this.url = `http://localhost:${port}`;
    this.proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        void (async () => {
          await new Promise((resolve) => setTimeout(resolve, this.options.replyDelayMs ?? 300));
          const response = await fetch(`http://127.0.0.1:${port}${req.url ?? '/'}`, {
            method: req.method ?? 'GET',
            headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
            ...(raw.length ? { body: raw } : {}),
            signal: AbortSignal.timeout(10_000),
          }).catch(() => undefined);
          const text = response ? await response.text() : '';
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
          } catch { /* recorded as sent */ }
          this.calls.push({ method: req.method ?? 'GET', path: req.url ?? '/', status: response?.status ?? 502, bytes: raw.length, body, answer: text.slice(0, 500) });
          res.writeHead(response?.status ?? 502, { 'content-type': response?.headers.get('content-type') ?? 'application/json' });
          res.end(text);
        })();
      });
    });
    const proxyUrl = await listenOnLoopback(this.proxy);
    mkdirSync(this.options.workDir, { recursive: true });
    writeFileSync(join(this.options.workDir, '.m365agentsplayground.yml'), configYaml(this.options.config));
    const cli = join(dirname(createRequire(import.meta.url).resolve('@microsoft/m365agentsplayground/package.json')), 'cli.js');
    this.child = spawn(process.execPath, [
      cli, 'start', '--disable-telemetry', '--app-endpoint', `${this.options.botUrl}/api/messages`, '--channel-id', 'msteams',
      '--port', String(port), '--service-url', `${proxyUrl}/_connector`,
    ], {
      cwd: this.options.workDir,
      env: { ...process.env, APPLICATION_INSIGHTS_NO_STATSBEAT: 'true', TEAMSAPPTESTER_BROWSER: 'none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = this.child;
    child.stdout?.on('data', (chunk: Buffer) => { this.output += chunk.toString('utf8'); });
    child.stderr?.on('data', (chunk: Buffer) => { this.output += chunk.toString('utf8'); });
    const deadline = Date.now() + 60_000;
    while (!this.output.includes(`Listening on ${port}`)) {
      if (child.exitCode !== null) throw new Error(`The Agents Playground exited (${child.exitCode}): ${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`The Agents Playground did not start within 60 s: ${this.output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this;
  }

  log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await closeServer(this.proxy);
  }
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** The Playground's config file: tenant, bot, the person at the keyboard, five more users (it wants at least five), the chats, a team with its channels. */
function configYaml(config: PlaygroundConfig): string {
  const user = (id: string, name: string, aad: string): string => {
    const mail = `${name.split(' ')[0]?.toLowerCase() ?? 'user'}@example.com`;
    return `    id: ${id}\n    name: ${name}\n    userPrincipleName: ${mail}\n    aadObjectId: ${aad}\n    givenName: ${name.split(' ')[0]}\n    surname: ${name.split(' ')[1] ?? ''}\n    email: ${mail}\n`;
  };
  const others = ['Megan Bowen', 'Adele Vance', 'Isaiah Langer', 'Patti Fernandez', 'Lynne Robbins'];
  return [
    'version: "0.1.1"',
    `tenantId: ${config.tenantId}`,
    'bot:',
    `  id: "${config.bot.id}"`,
    `  name: ${config.bot.name}`,
    'currentUser:',
    user(config.currentUser.id, config.currentUser.name, config.currentUser.aadObjectId).replace(/^ {4}/gm, '  ').trimEnd(),
    'users:',
    ...others.map((name, i) => user(`user-id-${i + 1}`, name, `00000000-0000-0000-0000-0000000a${String(i + 1).padStart(4, '0')}`).replace(/^ {4}id/, '  - id').trimEnd()),
    'personalChat:',
    '  id: personal-chat-id',
    'groupChat:',
    '  id: group-chat-id',
    '  name: Group Chat',
    'team:',
    '  id: team-id',
    `  name: ${config.teamName}`,
    '  aadGroupId: 00000000-0000-0000-0000-00000000c0de',
    '  channels:',
    '    - id: channel-ops-id',
    `      name: ${config.channelName}`,
    '',
  ].join('\n');
}
