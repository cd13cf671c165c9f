import { describeError } from '../errors.ts';
import { MetricsError } from '../metrics/failure.ts';
import { failureFor, type MetricFailure, type MetricFailureReason } from '../metrics/source.ts';
import { evidenceMetrics } from '../observability/metrics.ts';
import type { CloudResource } from '../stores/graph.ts';

/**
 * What change and log sources share with the metrics sources: the same request scope (a resource
 * outside the channel's accounts is refused before any API call), the same failure values and
 * reasons, and the same "never rejects" contract.
 */
export interface EvidenceRequest {
  orgId: string;
  /** Accounts the channel may use. */
  accountIds: readonly string[];
  resources: readonly CloudResource[];
  /** How far back from now to look. */
  windowMinutes: number;
}

export type EvidenceFailure = MetricFailure;

export interface EvidenceResult<T> {
  items: T[];
  failures: EvidenceFailure[];
}

export interface EvidenceSource<T> {
  readonly name: string;
  supports(orgId: string, resource: CloudResource): boolean;
  /** Never rejects: what cannot be read comes back as failures with their reason. */
  read(request: EvidenceRequest): Promise<EvidenceResult<T>>;
}

export function outOfScope(resource: CloudResource, source: string): EvidenceFailure {
  return failureFor(resource, source, 'out_of_scope', `${resource.name} is in account ${resource.accountId}, which this channel may not use.`);
}

const phrases: Record<MetricFailureReason, string> = {
  out_of_scope: 'is outside this channel\'s accounts',
  unknown_account: 'is in an account this organization has not configured',
  credentials: 'rejected the credentials, or none were found',
  access_denied: 'refused access',
  throttled: 'is throttling requests; try again in a minute',
  timeout: 'did not answer in time; try again, or ask for a shorter window',
  not_found: 'does not know this resource, region or project',
  invalid_request: 'rejected the query',
  unsupported: 'does not support this',
  unavailable: 'is unavailable',
};

/**
 * Re-labels a failure classified by the metrics providers' mappers (one set of error codes for
 * each cloud) for the API that failed, and names the permission the bot lacks when access was denied.
 */
export function evidenceError(classified: MetricsError, service: string, permission: string): MetricsError {
  const cause = classified.cause as { message?: string } | undefined;
  const detail = cause?.message ? ` (${cause.message.slice(0, 300)})` : '';
  const message = classified.reason === 'access_denied'
    ? `${service} refused access${detail}. Grant the bot ${permission}.`
    : `${service} ${phrases[classified.reason]}${detail}.`;
  return new MetricsError(classified.reason, message, {
    retryable: classified.retryable,
    ...(classified.retryAfterMs === undefined ? {} : { retryAfterMs: classified.retryAfterMs }),
    cause: classified.cause ?? classified,
  });
}

/**
 * Azure clients page through async iterators, where a retry of ours would restart the listing: their
 * own pipeline retries throttling (429 with Retry-After) and 5xx instead, twice, and the deadline's
 * abort signal still bounds the whole read.
 */
export const azureRetry = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 };

export type EvidenceKind = 'changes' | 'logs';

/**
 * Reads evidence of one kind for an investigation's resources: scope first, then each resource to
 * the first source that serves it, sources in parallel under a backstop timeout, every read and
 * failure counted. Never rejects.
 */
export async function readEvidence<T>(kind: EvidenceKind, sources: readonly EvidenceSource<T>[], request: EvidenceRequest, timeoutMs = 30_000): Promise<EvidenceResult<T> & { unserved: CloudResource[] }> {
  const failures: EvidenceFailure[] = [];
  const unserved: CloudResource[] = [];
  const bySource = new Map<EvidenceSource<T>, CloudResource[]>();
  for (const resource of request.resources) {
    if (!request.accountIds.includes(resource.accountId)) {
      failures.push(outOfScope(resource, kind));
      continue;
    }
    const source = sources.find((s) => s.supports(request.orgId, resource));
    if (!source) unserved.push(resource);
    else bySource.set(source, [...(bySource.get(source) ?? []), resource]);
  }
  const reads = [...bySource.entries()].map(async ([source, resources]) => {
    const stop = evidenceMetrics.latency.startTimer({ kind, source: source.name });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MetricsError('timeout', `${source.name} did not answer within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
      });
      const result = await Promise.race([source.read({ ...request, resources }), timeout]);
      evidenceMetrics.reads.inc({ kind, source: source.name, outcome: result.failures.length ? 'partial' : 'ok' });
      return result;
    } catch (error) {
      evidenceMetrics.reads.inc({ kind, source: source.name, outcome: 'error' });
      const reason = error instanceof MetricsError ? error.reason : 'unavailable';
      return { items: [] as T[], failures: resources.map((r) => failureFor(r, source.name, reason, describeError(error))) };
    } finally {
      clearTimeout(timer);
      stop();
    }
  });
  const results = await Promise.all(reads);
  const all = [...failures, ...results.flatMap((r) => r.failures)];
  for (const failure of all) evidenceMetrics.failures.inc({ kind, source: failure.source, reason: failure.reason });
  return { items: results.flatMap((r) => r.items), failures: all, unserved };
}

/**
 * A short-lived cache in front of a source, per organization, resource and window (and query):
 * repeated questions during one incident cost one provider call. Answers with failures are not
 * kept, so a throttled or denied read is tried again next time.
 */
export class CachedEvidenceSource<T extends { resourceId: string }> implements EvidenceSource<T> {
  readonly name: string;
  private readonly entries = new Map<string, { at: number; result: Promise<EvidenceResult<T>> }>();

  constructor(private readonly inner: EvidenceSource<T>, private readonly ttlMs: number, private readonly now: () => number = Date.now, private readonly maxEntries = 2_000) {
    this.name = inner.name;
  }

  supports(orgId: string, resource: CloudResource): boolean {
    return this.inner.supports(orgId, resource);
  }

  async read(request: EvidenceRequest & { query?: string }): Promise<EvidenceResult<T>> {
    const now = this.now();
    const parts = request.resources.map(async (resource) => {
      const key = JSON.stringify([request.orgId, resource.id, request.windowMinutes, request.query ?? '', request.accountIds.includes(resource.accountId)]);
      const hit = this.entries.get(key);
      if (hit && now - hit.at < this.ttlMs) return hit.result;
      const result = this.inner.read({ ...request, resources: [resource] });
      this.entries.set(key, { at: now, result });
      void result.then((r) => { if (r.failures.length) this.entries.delete(key); }, () => this.entries.delete(key));
      for (const old of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries) break;
        this.entries.delete(old);
      }
      return result;
    });
    const results = await Promise.all(parts);
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }
}
