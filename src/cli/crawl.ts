import type { Command } from 'commander';
import type { CrawlReport } from '../crawlers/runner.ts';
import type { Runtime } from '../runtime.ts';

type WithRuntime = (work: (runtime: Runtime) => Promise<number>) => Promise<number>;

/** `cloud-companion crawl --org <id> [--account <id>]`: crawl now and ingest into the resource graph. */
export function registerCrawlCommand(program: Command, withRuntime: WithRuntime, setExitCode: (code: number) => void): void {
  program.command('crawl')
    .description("Discover an organization's cloud accounts (AWS, Azure, GCP) into the resource graph now.")
    .requiredOption('--org <id>', 'organization id from tenants.yaml')
    .option('--account <id>', 'crawl only this account (AWS account, Azure subscription or GCP project id)')
    .action(async (opts: { org: string; account?: string }) => {
      setExitCode(await withRuntime(async (runtime) => {
        const org = await runtime.stores.tenants.getOrganization(opts.org);
        if (!org) {
          process.stderr.write(`Unknown organization "${opts.org}". Add it to tenants.yaml first (see README, "Tenants").\n`);
          return 2;
        }
        const accounts = opts.account ? org.accounts.filter((a) => a.accountId === opts.account) : org.accounts;
        if (accounts.length === 0) {
          process.stderr.write(opts.account
            ? `Account "${opts.account}" is not one of ${opts.org}'s accounts (${org.accounts.map((a) => a.accountId).join(', ') || 'none'}).\n`
            : `Organization "${opts.org}" has no accounts to crawl; add them under accounts: in tenants.yaml.\n`);
          return 2;
        }
        // The crawlers bring every cloud SDK: loaded only when a crawl runs.
        const { createCrawlRunner } = await import('../crawlers/setup.ts');
        const runner = createCrawlRunner(runtime.config, runtime.stores.graph, runtime.logger);
        const report = await runner.crawlOrganization(opts.org, accounts);
        process.stdout.write(renderCrawlReport(report, runtime.describe.graph ?? 'the resource graph'));
        return report.accounts.some((a) => a.failures.length > 0) ? 1 : 0;
      }));
    });
}

export function renderCrawlReport(report: CrawlReport, graph: string): string {
  const lines: string[] = [];
  for (const a of report.accounts) {
    lines.push(`${a.provider}:${a.accountId} (${a.name}): ${a.resources} resources, ${a.relationships} relationships, ${a.removed} gone, ${a.calls} API calls, ${(a.durationMs / 1000).toFixed(1)} s${a.skipped ? ' — skipped: a crawl of this account is still running' : ''}`);
    for (const f of a.failures) lines.push(`  ✗ ${f.region === '*' ? '' : `${f.region} `}${f.family === '*' ? '' : `${f.family}: `}${f.message}`);
  }
  const failed = report.accounts.filter((a) => a.failures.length > 0).length;
  lines.push(`Crawled ${report.accounts.length} account(s) of "${report.orgId}" into ${graph}${failed ? `; ${failed} with failures (what failed kept its previous state in the graph)` : ''}.`);
  return `${lines.join('\n')}\n`;
}
