import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a real server (Neo4j's Bolt port, Weaviate's HTTP or gRPC port)
 * that a test can cut and restore: `cut()` drops every open connection at once and refuses new
 * ones, like a network partition or a crashed server; `slow(ms)` delays every chunk; `freeze()`
 * keeps every connection open but passes nothing either way (new connections are accepted and held
 * too), like a server that stopped answering or a stalled network, until `thaw()` lets the held
 * bytes through.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;
  private delayMs = 0;
  private frozen = false;
  private readonly held: (() => void)[] = [];
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  static forUrl(url: string): TcpProxy {
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    return new TcpProxy(parsed.hostname, port);
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      this.pipe(client, upstream);
      this.pipe(upstream, client);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server?.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  /** The target's URL with the proxy's host and port. */
  url(original: string): string {
    const parsed = new URL(original);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString().replace(/\/$/, '');
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const release of this.held.splice(0)) release();
  }

  async stop(): Promise<void> {
    this.held.length = 0;
    this.frozen = false;
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.down) return;
      if (this.frozen) {
        from.pause();
        this.held.push(() => {
          if (!this.down) to.write(chunk);
          from.resume();
        });
        return;
      }
      if (this.delayMs === 0) to.write(chunk);
      else {
        from.pause();
        setTimeout(() => {
          to.write(chunk);
          from.resume();
        }, this.delayMs);
      }
    });
    from.on('end', () => to.end());
  }
}
