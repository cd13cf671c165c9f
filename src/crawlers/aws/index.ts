import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import pLimit from 'p-limit';
import type { AwsCredentialProvider } from '../../approvals/executors/handler.ts';
import type { CloudAccountConfig } from '../../tenancy/organization.ts';
import { Collector } from '../collect.ts';
import type { AccountCrawl, CrawlContext, CrawlFailure, ProviderCrawler } from '../types.ts';
import { autoscalingTypes, crawlAutoScaling } from './autoscaling.ts';
import { crawlEcs, crawlEks, ecsTypes, eksTypes } from './containers.ts';
import { crawlDynamoDb, crawlRds, crawlS3, dynamodbTypes, rdsTypes, s3Types } from './data.ts';
import { crawlEc2, ec2Types } from './ec2.ts';
import { crawlElbv2, elbv2Types } from './elbv2.ts';
import { toCrawlError } from './errors.ts';
import { Facts } from './facts.ts';
import { crawlLambda, lambdaTypes } from './lambda.ts';
import { crawlSns, crawlSqs, snsTypes, sqsTypes } from './messaging.ts';
import { RegionScan } from './scan.ts';

interface Family {
  name: string;
  types: readonly string[];
  /** The IAM actions it needs, named in access-denied failures. */
  permissions: string;
  crawl: (scan: RegionScan) => Promise<void>;
}

/** Per-region service families; each fails alone, and only the ones that finished count as covered. */
export const regionalFamilies: readonly Family[] = [
  { name: 'ec2', types: ec2Types, permissions: 'ec2:DescribeVpcs, ec2:DescribeSubnets, ec2:DescribeSecurityGroups and ec2:DescribeInstances', crawl: crawlEc2 },
  { name: 'autoscaling', types: autoscalingTypes, permissions: 'autoscaling:DescribeAutoScalingGroups', crawl: crawlAutoScaling },
  { name: 'elbv2', types: elbv2Types, permissions: 'elasticloadbalancing:DescribeLoadBalancers, DescribeTargetGroups, DescribeListeners and DescribeTargetHealth', crawl: crawlElbv2 },
  { name: 'ecs', types: ecsTypes, permissions: 'ecs:ListClusters, ecs:DescribeClusters, ecs:ListServices, ecs:DescribeServices and ecs:DescribeTaskDefinition', crawl: crawlEcs },
  { name: 'eks', types: eksTypes, permissions: 'eks:ListClusters and eks:DescribeCluster', crawl: crawlEks },
  { name: 'lambda', types: lambdaTypes, permissions: 'lambda:ListFunctions', crawl: crawlLambda },
  { name: 'rds', types: rdsTypes, permissions: 'rds:DescribeDBInstances and rds:DescribeDBClusters', crawl: crawlRds },
  { name: 'dynamodb', types: dynamodbTypes, permissions: 'dynamodb:ListTables', crawl: crawlDynamoDb },
  { name: 'sqs', types: sqsTypes, permissions: 'sqs:ListQueues', crawl: crawlSqs },
  { name: 'sns', types: snsTypes, permissions: 'sns:ListTopics and sns:ListSubscriptions', crawl: crawlSns },
];
const s3Family: Family = { name: 's3', types: s3Types, permissions: 's3:ListAllMyBuckets', crawl: crawlS3 };

export interface AwsCrawlerOptions {
  /** The account's credentials (its assumed role with the external id); undefined = the SDK's chain. */
  credentials: (orgId: string, account: CloudAccountConfig, region: string) => AwsCredentialProvider | undefined;
  /** Regions for accounts that list none; default: the account's enabled regions (ec2:DescribeRegions). */
  regions?: readonly string[];
  /** (region, family) lists running at once per account. */
  concurrency?: number;
  /** The SDK's retry strategy: attempts per request, the first included (throttling backs off exponentially). */
  maxAttempts?: number;
  pageSize?: number;
  /** Endpoint override for every service (the bench's local server); default: the SDK's regional endpoints. */
  endpoint?: string;
}

/**
 * AWS, per account and region with the account's own credentials: the per-service list APIs, which
 * also carry the configuration the relationships come from (Resource Explorer lists resources but
 * not what joins them, and needs an index set up in every account).
 */
export class AwsCrawler implements ProviderCrawler {
  readonly provider = 'aws' as const;

  constructor(private readonly options: AwsCrawlerOptions) {}

  async crawl(context: CrawlContext): Promise<AccountCrawl> {
    const { orgId, account } = context;
    const out = new Collector('aws', account.accountId);
    const facts = new Facts();
    const failures: CrawlFailure[] = [];
    const covered: AccountCrawl['covered'] = [];
    let calls = 0;
    const scans: RegionScan[] = [];
    const scanFor = (region: string): RegionScan => {
      const scan = new RegionScan(account.accountId, region, out, facts, {
        region,
        credentials: this.options.credentials(orgId, account, region),
        maxAttempts: this.options.maxAttempts ?? 6,
        endpoint: this.options.endpoint,
        onCall: () => { calls += 1; },
      }, this.options.pageSize ?? 100, context.signal);
      scans.push(scan);
      return scan;
    };
    const fail = (region: string, family: string, error: unknown, permissions: string): void => {
      const where = family === '*' ? `AWS account ${account.accountId}` : `AWS ${family} in ${region} (account ${account.accountId})`;
      const e = toCrawlError(error, where, permissions);
      failures.push({ provider: 'aws', accountId: account.accountId, region, family, reason: e.reason, message: e.message });
    };
    try {
      let regions: readonly string[];
      const home = account.regions?.[0] ?? this.options.regions?.[0] ?? 'us-east-1';
      try {
        // Credentials first: a role that cannot be assumed is one failure for the account, not one per service.
        const credentials = this.options.credentials(orgId, account, home);
        if (typeof credentials === 'function') await credentials();
        regions = account.regions ?? this.options.regions ?? await this.enabledRegions(scanFor(home));
      } catch (error) {
        fail('*', '*', error, 'ec2:DescribeRegions');
        return { resources: [], relationships: [], covered: [], failures, calls };
      }
      const limit = pLimit(this.options.concurrency ?? 8);
      const run = (scan: RegionScan, family: Family, coverRegion: string): Promise<void> => limit(async () => {
        if (context.signal?.aborted) return;
        const before = out.size;
        try {
          await family.crawl(scan);
          covered.push({ region: coverRegion, types: family.types });
        } catch (error) {
          fail(coverRegion, family.name, error, family.permissions);
        }
        context.onProgress?.({ accountId: account.accountId, step: `${scan.region} ${family.name}`, resources: out.size - before });
      });
      const tasks = regions.flatMap((region) => {
        const scan = scanFor(region);
        return regionalFamilies.map((family) => run(scan, family, region));
      });
      // Buckets are listed once for the whole account, from the first region.
      tasks.push(run(scanFor(home), s3Family, 'global'));
      await Promise.all(tasks);
      facts.resolve(out);
      return { resources: out.all(), relationships: out.relationships(), covered: context.signal?.aborted ? [] : covered, failures, calls };
    } finally {
      for (const scan of scans) scan.close();
    }
  }

  private async enabledRegions(scan: RegionScan): Promise<string[]> {
    const result = await scan.ec2.send(new DescribeRegionsCommand({ AllRegions: false }), scan.send);
    return (result.Regions ?? []).flatMap((r) => (r.RegionName && r.OptInStatus !== 'not-opted-in' ? [r.RegionName] : [])).sort();
  }
}
