import type { CloudResource } from '../stores/graph.ts';
import { failureFor, type MetricFailure, type MetricFailureReason } from './source.ts';

/**
 * A classified provider failure, thrown inside a source and turned into MetricFailure values at
 * its boundary: `read` never rejects into the chat.
 */
export class MetricsError extends Error {
  readonly reason: MetricFailureReason;
  /** Worth trying again (throttling, a transient server error). */
  readonly retryable: boolean;
  /** The provider's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(reason: MetricFailureReason, message: string, options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MetricsError';
    this.reason = reason;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Failures for every metric of these resources, for a call that failed as a whole. */
export function failAll(resources: readonly CloudResource[], source: string, error: MetricsError, metrics: (resource: CloudResource) => string[] = () => []): MetricFailure[] {
  return resources.map((resource) => failureFor(resource, source, error.reason, error.message, metrics(resource)));
}

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Network errors that mean the endpoint does not exist (a region or host that is not there). */
export function isUnknownHost(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code ?? (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** Network errors worth one more try: the connection dropped or was refused for a moment. */
export function isTransientNetwork(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code ?? (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'ECONNREFUSED' || code === 'EPIPE';
}
