import type { Logger } from '../logging.ts';
import type { Organization } from '../tenancy/organization.ts';
import type { CrawlReport, CrawlRunner } from './runner.ts';

/** Sets a timer; returns how to cancel it (tests drive time by hand). */
export type Timer = (run: () => void, delayMs: number) => () => void;

const nodeTimer: Timer = (run, delayMs) => {
  const handle = setTimeout(run, delayMs);
  handle.unref();
  return () => clearTimeout(handle);
};

export interface CrawlSchedulerOptions {
  runner: CrawlRunner;
  organizations: () => Promise<readonly Organization[]>;
  /** For organizations whose tenants.yaml sets no `crawl.intervalMinutes`; 0 = off. */
  defaultIntervalMinutes: number;
  logger: Logger;
  /** Spread of each interval, as a fraction (0.1 = ±10 %), so many organizations never crawl in step. */
  jitter?: number;
  random?: () => number;
  timer?: Timer;
  onReport?: (report: CrawlReport) => void;
  /**
   * Claims a key for `ttlMs` across replicas (the idempotency store): of several replicas whose
   * timers fire in one interval, one crawls and the others skip that round.
   */
  claim?: (key: string, ttlMs: number) => Promise<boolean>;
}

/**
 * The server's periodic sync: each organization with an interval is crawled every interval, with
 * jitter (the first crawl within the first interval, spread the same way), never two crawls of an
 * organization at once (and the runner never crawls an account twice at once). Stops on shutdown:
 * no new crawl starts, and the running ones are told to stop between requests.
 */
export class CrawlScheduler {
  private readonly cancels = new Map<string, () => void>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly options: CrawlSchedulerOptions) {}

  /** Schedules every organization that has an interval; returns their ids. */
  async start(): Promise<string[]> {
    const scheduled: string[] = [];
    for (const org of await this.options.organizations()) {
      const minutes = this.intervalOf(org);
      if (minutes <= 0 || org.accounts.length === 0) continue;
      // The first crawl lands anywhere in the first interval: replicas and organizations spread out.
      this.schedule(org.id, (this.options.random ?? Math.random)() * minutes * 60_000);
      scheduled.push(org.id);
    }
    if (scheduled.length > 0) this.options.logger.info({ organizations: scheduled }, 'crawl: periodic sync scheduled');
    return scheduled;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  intervalOf(org: Organization): number {
    return org.crawl?.intervalMinutes ?? this.options.defaultIntervalMinutes;
  }

  private schedule(orgId: string, delayMs: number): void {
    if (this.abort.signal.aborted) return;
    this.cancels.set(orgId, (this.options.timer ?? nodeTimer)(() => {
      this.cancels.delete(orgId);
      const run = this.run(orgId).finally(() => this.running.delete(orgId));
      this.running.set(orgId, run);
    }, Math.max(0, Math.round(delayMs))));
  }

  private async run(orgId: string): Promise<void> {
    const { logger } = this.options;
    // Re-read the organization: accounts and intervals may have changed since the last crawl.
    const org = (await this.options.organizations().catch(() => [])).find((o) => o.id === orgId);
    const minutes = org ? this.intervalOf(org) : 0;
    if (!org || minutes <= 0) {
      logger.info({ orgId }, 'crawl: periodic sync off for this organization now');
      return;
    }
    const spread = this.options.jitter ?? 0.1;
    try {
      // One crawl per organization per (shortest) interval, whichever replica's timer fires first.
      if (!this.options.claim || await this.options.claim(`crawl:${org.id}`, minutes * 60_000 * (1 - spread))) {
        const report = await this.options.runner.crawlOrganization(org.id, org.accounts, this.abort.signal);
        this.options.onReport?.(report);
      } else {
        logger.info({ orgId }, 'crawl: another replica crawled this organization in this interval; skipping');
      }
    } catch (error) {
      logger.error({ orgId, err: error }, 'crawl: periodic sync failed');
    }
    this.schedule(orgId, minutes * 60_000 * (1 - spread + 2 * spread * (this.options.random ?? Math.random)()));
  }
}
