import type { Logger } from '../logging.ts';
import type { Provider } from '../stores/estate.ts';
import type { ResourceGraph } from '../stores/graph.ts';
import type { CloudAccountConfig } from '../tenancy/organization.ts';
import { CrawlError, type CrawlFailure, type ProviderCrawler } from './types.ts';

export interface AccountReport {
  provider: Provider;
  accountId: string;
  name: string;
  /** Listed by this crawl; `removed` were newly marked gone. */
  resources: number;
  relationships: number;
  removed: number;
  /** Parts that failed (a region, a service, the whole account); the rest was ingested. */
  failures: CrawlFailure[];
  /** Provider API requests, pages and retries included. */
  calls: number;
  durationMs: number;
  /** Another crawl of this account was still running, so this one did not start. */
  skipped?: boolean;
}

export interface CrawlReport {
  orgId: string;
  startedAt: string;
  accounts: AccountReport[];
}

export interface CrawlRunnerOptions {
  graph: ResourceGraph;
  crawlers: Partial<Record<Provider, ProviderCrawler>>;
  logger: Logger;
  /** Accounts crawled at once per organization (each account runs its regions in parallel itself). */
  concurrency?: number;
  now?: () => Date;
}

/**
 * Crawls accounts and ingests each through ResourceGraph.ingest as a crawl: one crawl per account at
 * a time, accounts in parallel, and a failing account (or region, or service) reported without
 * stopping the others.
 */
export class CrawlRunner {
  private readonly running = new Set<string>();

  constructor(private readonly options: CrawlRunnerOptions) {}

  async crawlOrganization(orgId: string, accounts: readonly CloudAccountConfig[], signal?: AbortSignal): Promise<CrawlReport> {
    const now = this.options.now ?? (() => new Date());
    const startedAt = now().toISOString();
    const queue = [...accounts];
    const reports: AccountReport[] = [];
    const worker = async (): Promise<void> => {
      for (let account = queue.shift(); account; account = queue.shift()) {
        if (signal?.aborted) return;
        reports.push(await this.crawlAccount(orgId, account, signal));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.concurrency ?? 4, accounts.length)) }, worker));
    const order = new Map(accounts.map((a, i) => [a.accountId, i]));
    reports.sort((a, b) => (order.get(a.accountId) ?? 0) - (order.get(b.accountId) ?? 0));
    return { orgId, startedAt, accounts: reports };
  }

  /** Crawls one account and ingests what it found; never rejects. */
  async crawlAccount(orgId: string, account: CloudAccountConfig, signal?: AbortSignal): Promise<AccountReport> {
    const { logger, graph } = this.options;
    const now = this.options.now ?? (() => new Date());
    const started = Date.now();
    const base = { provider: account.provider, accountId: account.accountId, name: account.name };
    const key = `${orgId}\u0000${account.provider}\u0000${account.accountId}`;
    const empty = { resources: 0, relationships: 0, removed: 0, calls: 0 };
    if (this.running.has(key)) {
      logger.info({ orgId, accountId: account.accountId }, 'crawl: previous crawl of this account still running; skipped');
      return { ...base, ...empty, failures: [], durationMs: 0, skipped: true };
    }
    const crawler = this.options.crawlers[account.provider];
    if (!crawler) {
      const failure = wholeAccount(account, new CrawlError('invalid', `No ${account.provider} crawler is configured for account ${account.accountId}.`));
      return { ...base, ...empty, failures: [failure], durationMs: 0 };
    }
    this.running.add(key);
    try {
      logger.info({ orgId, provider: account.provider, accountId: account.accountId }, 'crawl: started');
      const observedAt = now();
      let crawled;
      try {
        crawled = await crawler.crawl({
          orgId, account, ...(signal ? { signal } : {}),
          onProgress: (p) => logger.debug({ orgId, accountId: p.accountId, step: p.step, resources: p.resources }, 'crawl: progress'),
        });
      } catch (error) {
        // Crawlers report provider failures themselves; this is a bug or an unexpected failure.
        const failure = wholeAccount(account, error instanceof CrawlError ? error : new CrawlError('unavailable', `Crawling ${account.provider} account ${account.accountId} failed: ${(error as Error).message ?? String(error)}`, { cause: error }));
        logger.error({ orgId, accountId: account.accountId, err: error }, 'crawl: account failed');
        return { ...base, ...empty, failures: [failure], durationMs: Date.now() - started };
      }
      for (const f of crawled.failures) logger.warn({ orgId, accountId: f.accountId, region: f.region, family: f.family, reason: f.reason }, `crawl: ${f.message}`);
      let ingested = { resources: 0, relationships: 0, removed: 0 };
      const failures = [...crawled.failures];
      try {
        ingested = await graph.ingest(orgId, {
          accounts: [{ provider: account.provider, accountId: account.accountId, name: account.name }],
          resources: crawled.resources,
          relationships: crawled.relationships,
        }, { crawl: { observedAt, covered: crawled.covered } });
      } catch (error) {
        failures.push(wholeAccount(account, new CrawlError('unavailable', `The crawl of ${account.accountId} could not be written to the resource graph: ${(error as Error).message ?? String(error)}`, { cause: error }), 'graph'));
        logger.error({ orgId, accountId: account.accountId, err: error }, 'crawl: ingest failed');
      }
      const report: AccountReport = { ...base, ...ingested, failures, calls: crawled.calls, durationMs: Date.now() - started };
      logger.info({ orgId, accountId: account.accountId, resources: report.resources, relationships: report.relationships, gone: report.removed, failures: failures.length, calls: report.calls, durationMs: report.durationMs }, 'crawl: finished');
      return report;
    } finally {
      this.running.delete(key);
    }
  }
}

function wholeAccount(account: CloudAccountConfig, error: CrawlError, family = '*'): CrawlFailure {
  return { provider: account.provider, accountId: account.accountId, region: '*', family, reason: error.reason, message: error.message };
}
