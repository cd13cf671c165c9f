import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { awsRequestHandler } from '../../outbound.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareStack } from '@smithy/types';
import type { AwsCredentialProvider } from '../../approvals/executors/handler.ts';
import type { Collector } from '../collect.ts';
import type { Facts } from './facts.ts';

/** Settings every client of one account and region shares. */
export interface ClientSettings {
  region: string;
  credentials: AwsCredentialProvider | undefined;
  /** The SDK's own retry strategy (standard mode: exponential backoff with jitter on throttling and 5xx). */
  maxAttempts: number;
  /** Endpoint override (a private endpoint, or the bench's local server); default: the SDK's regional one. */
  endpoint: string | undefined;
  /** Called for every request that reaches the wire, retries included. */
  onCall: () => void;
}

/**
 * One account and region being crawled: lazily made SDK clients (each counts its requests) and the
 * shared collector and facts of the account.
 */
export class RegionScan {
  readonly partition: string;
  private readonly made = new Map<string, { destroy(): void }>();

  constructor(readonly accountId: string, readonly region: string, readonly out: Collector, readonly facts: Facts, private readonly settings: ClientSettings, readonly pageSize: number, readonly signal?: AbortSignal) {
    this.partition = partitionOf(region);
  }

  arn(service: string, resource: string, region = this.region): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }

  get ec2(): EC2Client { return this.client('ec2', (c) => counted(new EC2Client(c), this.settings.onCall)); }
  get autoscaling(): AutoScalingClient { return this.client('autoscaling', (c) => counted(new AutoScalingClient(c), this.settings.onCall)); }
  get elbv2(): ElasticLoadBalancingV2Client { return this.client('elbv2', (c) => counted(new ElasticLoadBalancingV2Client(c), this.settings.onCall)); }
  get ecs(): ECSClient { return this.client('ecs', (c) => counted(new ECSClient(c), this.settings.onCall)); }
  get eks(): EKSClient { return this.client('eks', (c) => counted(new EKSClient(c), this.settings.onCall)); }
  get lambda(): LambdaClient { return this.client('lambda', (c) => counted(new LambdaClient(c), this.settings.onCall)); }
  get rds(): RDSClient { return this.client('rds', (c) => counted(new RDSClient(c), this.settings.onCall)); }
  get dynamodb(): DynamoDBClient { return this.client('dynamodb', (c) => counted(new DynamoDBClient(c), this.settings.onCall)); }
  get s3(): S3Client { return this.client('s3', (c) => counted(new S3Client({ ...c, forcePathStyle: true }), this.settings.onCall)); }
  get sqs(): SQSClient { return this.client('sqs', (c) => counted(new SQSClient(c), this.settings.onCall)); }
  get sns(): SNSClient { return this.client('sns', (c) => counted(new SNSClient(c), this.settings.onCall)); }

  /** `{ abortSignal }` for every send, so a shutdown stops the crawl between requests. */
  get send(): { abortSignal?: AbortSignal } {
    return this.signal ? { abortSignal: this.signal } : {};
  }

  close(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }

  private client<C extends { destroy(): void }>(name: string, make: (config: { region: string; maxAttempts: number; requestHandler: { connectionTimeout: number; requestTimeout: number }; credentials?: AwsCredentialProvider; endpoint?: string }) => C): C {
    const existing = this.made.get(name);
    if (existing) return existing as C;
    const s = this.settings;
    const client = make({ region: s.region, maxAttempts: s.maxAttempts, requestHandler: awsRequestHandler(), ...(s.credentials ? { credentials: s.credentials } : {}), ...(s.endpoint ? { endpoint: s.endpoint } : {}) });
    this.made.set(name, client);
    return client;
  }
}

/** Innermost, after signing: each request on the wire counts, retries included. */
function counted<I extends object, O extends object, C extends { middlewareStack: MiddlewareStack<I, O> }>(client: C & { middlewareStack: MiddlewareStack<I, O> }, onCall: () => void): C {
  client.middlewareStack.add((next) => async (args) => {
    onCall();
    return next(args);
  }, { step: 'deserialize', name: 'countCrawlCalls' });
  return client;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
