import type { Provider } from '../stores/estate.ts';
import type { CloudResource, CrawlCoverage, Relationship } from '../stores/graph.ts';
import type { CloudAccountConfig } from '../tenancy/organization.ts';

/** Why part of a crawl failed, in words that say what to do about it. */
export type CrawlFailureReason = 'access_denied' | 'credentials' | 'throttled' | 'not_found' | 'unavailable' | 'invalid';

/** One part of a crawl (an account, a region, a service family) that failed; the rest went on. */
export interface CrawlFailure {
  provider: Provider;
  accountId: string;
  /** Region, location or `global`; `*` when the whole account failed. */
  region: string;
  /** The service family, e.g. `ec2`, `ecs`, `resource-graph`; `*` for the whole account. */
  family: string;
  reason: CrawlFailureReason;
  message: string;
}

/** What one account's crawl produced: ready for ResourceGraph.ingest with `covered`. */
export interface AccountCrawl {
  resources: CloudResource[];
  relationships: Relationship[];
  /** The (region, types) listed completely; everything else in the graph is left as it was. */
  covered: CrawlCoverage[];
  failures: CrawlFailure[];
  /** Provider API requests sent (pages and retries included). */
  calls: number;
}

export interface CrawlProgress {
  accountId: string;
  /** e.g. `us-east-1 ecs` or `page 3` */
  step: string;
  resources: number;
}

export interface CrawlContext {
  orgId: string;
  account: CloudAccountConfig;
  signal?: AbortSignal;
  onProgress?: (progress: CrawlProgress) => void;
}

/** Lists one provider's accounts. Never rejects for a provider failure: that comes back in `failures`. */
export interface ProviderCrawler {
  readonly provider: Provider;
  crawl(context: CrawlContext): Promise<AccountCrawl>;
}

/** A failure of a provider call, classified, with a message naming what to grant or wait for. */
export class CrawlError extends Error {
  constructor(readonly reason: CrawlFailureReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CrawlError';
  }
}
