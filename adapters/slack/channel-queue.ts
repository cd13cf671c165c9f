import type { FetchFunction } from '@slack/web-api';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from '../../src/logging.ts';

/** Default bound of one Web API attempt (SLACK_API_TIMEOUT_SECONDS). */
export const defaultSlackCallTimeoutMs = 10_000;

/** A 429 is retried after its Retry-After this many times before the caller sees it. */
const maxRateLimitRetries = 3;
/** A Retry-After longer than this is not waited for here (the caller gets the 429). */
const maxRetryAfterMs = 120_000;
const defaultRetryAfterMs = 1_000;

type FetchRequestInit = Parameters<FetchFunction>[1];
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * Per-channel outbound queues for the Slack Web API, as the transport (`fetch`) of every WebClient
 * the adapter and Bolt create. Slack rate-limits posting per channel (about one message a second),
 * so calls that name a channel run one at a time per channel, in order, and a 429 waits out its
 * Retry-After and resends within that channel's queue only: other channels keep flowing. (The
 * WebClient's own 429 handling would pause every call of the client.) Calls without a channel pass
 * straight through.
 *
 * Every attempt is bounded by `callTimeoutMs`, counted from when it is sent (not while it waits its
 * turn): a call Slack never answers holds its channel for that long, then fails with a timeout and
 * the channel moves on. The WebClient's retry sends it again later, behind what queued meanwhile.
 */
export class ChannelQueues {
  private readonly queues = new Map<string, { limit: LimitFunction; users: number }>();

  constructor(
    private readonly log: Logger,
    private readonly base: FetchFunction = (url, init) => fetch(url, init as RequestInit),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly callTimeoutMs = defaultSlackCallTimeoutMs,
  ) {}

  readonly fetch: FetchFunction = (url, init) => {
    const channel = channelOf(init);
    if (!channel) return this.attempt(url, init);
    return this.inChannel(channel, () => this.sendHonouringRetryAfter(url, init, channel));
  };

  /** One attempt, aborted after the call timeout (or when the caller gives up first). */
  private async attempt(url: string | URL, init: FetchRequestInit | undefined): Promise<FetchResponse> {
    const timeout = AbortSignal.timeout(this.callTimeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await this.base(url, { ...init, signal });
    } catch (error) {
      if (!timeout.aborted) throw error;
      this.log.warn({ method: methodOf(url), timeoutMs: this.callTimeoutMs }, 'Slack did not answer in time; the call is abandoned (and retried by the client)');
      throw new Error(`Slack did not answer ${methodOf(url)} within ${this.callTimeoutMs} ms`, { cause: error });
    }
  }

  private async inChannel<T>(channel: string, work: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(channel);
    if (!queue) {
      queue = { limit: pLimit(1), users: 0 };
      this.queues.set(channel, queue);
    }
    queue.users += 1;
    try {
      return await queue.limit(work);
    } finally {
      // Idle channels are forgotten, so the map holds only channels with calls in flight.
      queue.users -= 1;
      if (queue.users === 0) this.queues.delete(channel);
    }
  }

  private async sendHonouringRetryAfter(url: string | URL, init: FetchRequestInit | undefined, channel: string): Promise<FetchResponse> {
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.attempt(url, init);
      if (response.status !== 429 || attempt >= maxRateLimitRetries) return response;
      const waitMs = retryAfterMs(response.headers.get('retry-after'));
      if (waitMs > maxRetryAfterMs) return response;
      this.log.warn({ channel, method: methodOf(url), retryAfterMs: waitMs, attempt: attempt + 1 }, 'Slack rate limit: this channel waits, others continue');
      await response.arrayBuffer().catch(() => undefined);
      await this.sleep(waitMs);
    }
  }
}

function channelOf(init: FetchRequestInit | undefined): string | undefined {
  const body = init?.body;
  if (typeof body === 'string') {
    const contentType = Object.entries(init?.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
    if (contentType.includes('application/json')) {
      try {
        const parsed = JSON.parse(body) as { channel?: unknown };
        return typeof parsed.channel === 'string' ? parsed.channel : undefined;
      } catch {
        return undefined;
      }
    }
    return new URLSearchParams(body).get('channel') ?? undefined;
  }
  if (body instanceof FormData) {
    const channel = body.get('channel') ?? body.get('channel_id');
    return typeof channel === 'string' ? channel : undefined;
  }
  return undefined;
}

function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : defaultRetryAfterMs;
}

function methodOf(url: string | URL): string {
  return String(url).split('/').pop()?.split('?')[0] ?? '';
}
