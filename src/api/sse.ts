import type { Response } from 'express';

/**
 * Server-sent events on one response (the WHATWG `text/event-stream` format): named events with a
 * JSON `data` line each, and a comment every `heartbeatMs` so proxies keep an idle stream open
 * while an investigation works.
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(private readonly res: Response, heartbeatMs = 15_000) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx buffers responses unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => this.stop());
  }

  /** False once the client has gone: the work may go on, but nothing more is sent. */
  get open(): boolean {
    return !this.ended && !this.res.writableEnded && !this.res.destroyed;
  }

  send(event: string, data: unknown): void {
    // JSON.stringify never emits a raw newline, so one `data:` line carries the whole payload.
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    this.stop();
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): void {
    if (this.open) this.res.write(chunk);
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
  }
}

/** Whether the client asked for a stream (`Accept: text/event-stream`). */
export function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.trim().split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}
