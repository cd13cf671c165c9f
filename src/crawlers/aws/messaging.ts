import { paginateListQueues } from '@aws-sdk/client-sqs';
import { paginateListSubscriptions, paginateListTopics } from '@aws-sdk/client-sns';
import type { RegionScan } from './scan.ts';

export const sqsTypes = ['aws.sqs.queue'] as const;
export const snsTypes = ['aws.sns.topic'] as const;

/** SQS queues; their URLs and ARNs are addresses services mention. */
export async function crawlSqs(scan: RegionScan): Promise<void> {
  for await (const result of paginateListQueues({ client: scan.sqs, pageSize: Math.min(scan.pageSize, 1000) }, {})) {
    for (const url of result.QueueUrls ?? []) {
      const name = url.split('/').at(-1);
      if (!name) continue;
      const id = scan.arn('sqs', name);
      scan.out.resource({ id, type: 'aws.sqs.queue', name, region: scan.region, state: 'active' });
      scan.facts.address(url, id);
      scan.facts.address(id, id);
    }
  }
}

/** SNS topics; each subscription to a queue or function is topic ROUTES_TO that endpoint. */
export async function crawlSns(scan: RegionScan): Promise<void> {
  for await (const result of paginateListTopics({ client: scan.sns }, {})) {
    for (const t of result.Topics ?? []) {
      if (!t.TopicArn) continue;
      scan.out.resource({ id: t.TopicArn, type: 'aws.sns.topic', name: t.TopicArn.split(':').at(-1), region: scan.region, state: 'active' });
      scan.facts.address(t.TopicArn, t.TopicArn);
    }
  }
  for await (const result of paginateListSubscriptions({ client: scan.sns }, {})) {
    for (const s of result.Subscriptions ?? []) {
      if ((s.Protocol === 'sqs' || s.Protocol === 'lambda') && s.Endpoint?.startsWith('arn:')) scan.out.edge(s.TopicArn, s.Endpoint, 'ROUTES_TO');
    }
  }
}
