import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

/**
 * A local stand-in for Slack's Socket Mode WebSocket (the URL apps.connections.open hands out): it
 * greets each connection with `hello`, delivers envelopes (`slash_commands`, `events_api`,
 * `interactive`) with an `envelope_id`, and records the acks the app sends back as
 * `{ envelope_id, payload }`, as Slack's documented protocol has it.
 */
export class FakeSocketMode {
  readonly acks: { envelope_id: string; payload?: unknown }[] = [];
  private server?: WebSocket.Server;
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Map<string, () => void>();
  url = '';

  async start(): Promise<this> {
    this.server = new WebSocket.Server({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => this.server?.once('listening', () => resolve()));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/link/?ticket=test-ticket`;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (!message.envelope_id) return;
        this.acks.push({ envelope_id: message.envelope_id, payload: message.payload });
        this.waiting.get(message.envelope_id)?.();
      });
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'applink-fake', approximate_connection_time: 18060 }, connection_info: { app_id: 'A00000001' } }));
    });
    return this;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Delivers one envelope to every connected app and resolves with its id once the app acked it. */
  async deliver(type: 'slash_commands' | 'events_api' | 'interactive', payload: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    const envelopeId = randomUUID();
    const acked = new Promise<void>((resolve) => this.waiting.set(envelopeId, resolve));
    const envelope = { envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', ...extra };
    for (const socket of this.sockets) socket.send(JSON.stringify(envelope));
    await acked;
    return envelopeId;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
    });
  }
}
