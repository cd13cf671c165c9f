import type { ExecutorCredentials } from '../approvals/executors/index.ts';
import { defaultCredentials } from '../approvals/setup.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import type { Provider } from '../stores/estate.ts';
import type { ResourceGraph } from '../stores/graph.ts';
import { AwsCrawler } from './aws/index.ts';
import { AzureCrawler } from './azure.ts';
import { GcpCrawler } from './gcp.ts';
import { CrawlRunner } from './runner.ts';
import type { ProviderCrawler } from './types.ts';

/** One crawler per provider, with the per-account credentials the metrics and actions use. */
export function createCrawlers(config: Config, credentials: ExecutorCredentials = defaultCredentials(config)): Partial<Record<Provider, ProviderCrawler>> {
  return {
    aws: new AwsCrawler({ credentials: credentials.aws, ...(config.crawl.awsRegions ? { regions: config.crawl.awsRegions } : {}) }),
    azure: new AzureCrawler({ credential: credentials.azure }),
    gcp: new GcpCrawler({ authClient: credentials.gcp }),
  };
}

export function createCrawlRunner(config: Config, graph: ResourceGraph, logger: Logger, credentials?: ExecutorCredentials): CrawlRunner {
  return new CrawlRunner({ graph, logger, crawlers: createCrawlers(config, credentials), concurrency: config.crawl.accountConcurrency });
}
