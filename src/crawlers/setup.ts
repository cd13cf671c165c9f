import type { ExecutorCredentials } from '../approvals/executors/index.ts';
import { defaultCredentials } from '../approvals/setup.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import type { Provider } from '../stores/estate.ts';
import type { ResourceGraph } from '../stores/graph.ts';
import type { Organization } from '../tenancy/organization.ts';
import { CrawlRunner } from './runner.ts';
import { CrawlScheduler } from './scheduler.ts';
import type { ProviderCrawler } from './types.ts';
import type { IdempotencyStore } from '../stores/idempotency.ts';

/**
 * One crawler per provider, with the per-account credentials the metrics and actions use. Each
 * provider's crawler (and its SDKs) loads when it first crawls, so a server that never crawls never loads them.
 */
export function createCrawlers(config: Config, credentials: ExecutorCredentials = defaultCredentials(config)): Partial<Record<Provider, ProviderCrawler>> {
  return {
    aws: lazyCrawler('aws', async () => new (await import('./aws/index.ts')).AwsCrawler({ credentials: credentials.aws, ...(config.crawl.awsRegions ? { regions: config.crawl.awsRegions } : {}) })),
    azure: lazyCrawler('azure', async () => new (await import('./azure.ts')).AzureCrawler({ credential: credentials.azure })),
    gcp: lazyCrawler('gcp', async () => new (await import('./gcp.ts')).GcpCrawler({ authClient: credentials.gcp })),
  };
}

function lazyCrawler(provider: Provider, load: () => Promise<ProviderCrawler>): ProviderCrawler {
  let loaded: Promise<ProviderCrawler> | undefined;
  return { provider, crawl: async (context) => (await (loaded ??= load())).crawl(context) };
}

export function createCrawlRunner(config: Config, graph: ResourceGraph, logger: Logger, credentials?: ExecutorCredentials): CrawlRunner {
  return new CrawlRunner({ graph, logger, crawlers: createCrawlers(config, credentials), concurrency: config.crawl.accountConcurrency });
}

/** The server's periodic sync, started once the server listens; `stop()` on shutdown. */
export async function startCrawlScheduler(
  config: Config,
  runtime: { stores: { graph: ResourceGraph; tenants: { listOrganizations(): Promise<Organization[]> }; idempotency: IdempotencyStore } },
  logger: Logger,
  credentials?: ExecutorCredentials,
): Promise<CrawlScheduler> {
  const scheduler = new CrawlScheduler({
    runner: createCrawlRunner(config, runtime.stores.graph, logger, credentials),
    organizations: () => runtime.stores.tenants.listOrganizations(),
    defaultIntervalMinutes: config.crawl.intervalMinutes,
    logger,
    claim: (key, ttlMs) => runtime.stores.idempotency.claim(key, ttlMs),
  });
  await scheduler.start();
  return scheduler;
}
