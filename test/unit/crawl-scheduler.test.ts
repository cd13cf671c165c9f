import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsCrawler } from '../../src/crawlers/aws/index.ts';
import { CrawlRunner, type CrawlReport } from '../../src/crawlers/runner.ts';
import { CrawlScheduler, type Timer } from '../../src/crawlers/scheduler.ts';
import { createLogger } from '../../src/logging.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';
import { MemoryIdempotencyStore } from '../../src/stores/memory/idempotency.ts';
import { OrganizationConfig, type Organization } from '../../src/tenancy/organization.ts';
import { staticCredentials } from '../support/cloud.ts';
import { fakeAws } from '../support/fake-aws.ts';

/** Timers driven by hand: the test fires them and sees each delay. */
function manualTimers(): { timer: Timer; pending: { delayMs: number; fire: () => void; cancelled: boolean }[] } {
  const pending: { delayMs: number; fire: () => void; cancelled: boolean }[] = [];
  return {
    pending,
    timer: (run, delayMs) => {
      const entry = { delayMs, fire: run, cancelled: false };
      pending.push(entry);
      return () => { entry.cancelled = true; };
    },
  };
}

const org = (id: string, crawl?: { intervalMinutes: number }): Organization => OrganizationConfig.parse({
  id, name: id, accounts: [{ provider: 'aws', accountId: '111111111111', name: `${id}-prod`, regions: ['us-east-1'] }], ...(crawl ? { crawl } : {}),
});

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('periodic crawl scheduler', () => {
  it('crawls each organization on its interval with jitter, re-arms after each crawl and stops on shutdown', async () => {
    fakeAws({ accountId: '111111111111', regions: { 'us-east-1': { queues: ['jobs'], tables: ['orders'] } } });
    const graph = new MemoryResourceGraph();
    const runner = new CrawlRunner({ graph, crawlers: { aws: new AwsCrawler({ credentials: staticCredentials().aws }) }, logger: createLogger({ level: 'silent' }) });
    const { timer, pending } = manualTimers();
    const reports: CrawlReport[] = [];
    const randoms = [0.5, 1, 0];
    const orgs = [org('hourly', { intervalMinutes: 60 }), org('default'), org('off', { intervalMinutes: 0 })];
    const scheduler = new CrawlScheduler({ runner, organizations: async () => orgs, defaultIntervalMinutes: 30, logger: createLogger({ level: 'silent' }), timer, random: () => randoms.shift() ?? 0.5, onReport: (r) => reports.push(r) });

    // Intervals from tenants.yaml, else the setting; 0 is off. First crawls land within the first interval.
    await expect(scheduler.start()).resolves.toEqual(['hourly', 'default']);
    expect(pending.map((p) => p.delayMs)).toEqual([30 * 60_000, 30 * 60_000]);

    pending[0]?.fire();
    await expect.poll(() => reports.length).toBe(1);
    expect(reports[0]?.orgId).toBe('hourly');
    expect(reports[0]?.accounts[0]).toMatchObject({ resources: 2, failures: [] });
    await expect(graph.counts({ orgId: 'hourly', accountIds: ['111111111111'] })).resolves.toMatchObject({ byType: { 'aws.sqs.queue': 1, 'aws.dynamodb.table': 1 } });
    // Re-armed: 60 minutes −10 % (random 0 → the low end of the ±10 % spread).
    await expect.poll(() => pending.length).toBe(3);
    expect(pending[2]?.delayMs).toBe(54 * 60_000);

    await scheduler.stop();
    expect(pending.every((p) => p.cancelled || p === pending[0])).toBe(true);
  });

  it('crawls an organization once per interval across replicas sharing the idempotency store', async () => {
    fakeAws({ accountId: '111111111111', regions: { 'us-east-1': { queues: ['jobs'], tables: ['orders'] } } });
    let clock = Date.UTC(2026, 0, 1);
    const shared = new MemoryIdempotencyStore(() => clock);
    const reports: CrawlReport[] = [];
    const replicas = [0, 1].map(() => {
      const { timer, pending } = manualTimers();
      const runner = new CrawlRunner({ graph: new MemoryResourceGraph(), crawlers: { aws: new AwsCrawler({ credentials: staticCredentials().aws }) }, logger: createLogger({ level: 'silent' }) });
      const scheduler = new CrawlScheduler({
        runner, organizations: async () => [org('hourly', { intervalMinutes: 60 })], defaultIntervalMinutes: 0, logger: createLogger({ level: 'silent' }),
        timer, random: () => 0.5, onReport: (r) => reports.push(r), claim: (key, ttl) => shared.claim(key, ttl),
      });
      return { scheduler, pending };
    });
    for (const r of replicas) await r.scheduler.start();
    // Both replicas' first timers fire in the same interval: one crawls, the other skips and re-arms.
    replicas[0]?.pending[0]?.fire();
    await expect.poll(() => reports.length).toBe(1);
    await expect.poll(() => replicas[0]?.pending.length).toBe(2);
    replicas[1]?.pending[0]?.fire();
    await expect.poll(() => replicas[1]?.pending.length).toBe(2);
    expect(reports).toHaveLength(1);
    // An interval (less the jitter) later, the next timer to fire crawls again.
    clock += 54 * 60_000;
    replicas[1]?.pending[1]?.fire();
    await expect.poll(() => reports.length).toBe(2);
    for (const r of replicas) await r.scheduler.stop();
  });
});
