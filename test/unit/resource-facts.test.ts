import { describe, expect, it } from 'vitest';
import { changedText, consoleUrl, countsFact, responderFactList, responderFacts } from '../../src/resource-facts.ts';
import type { CloudResource } from '../../src/stores/graph.ts';

function resource(fields: Partial<CloudResource> & Pick<CloudResource, 'id' | 'provider'>): CloudResource {
  return { accountId: '111111111111', type: 'x', name: 'n', region: 'us-east-1', state: 'running', tags: {}, ...fields };
}

describe('responder facts on a resource card', () => {
  it('reads owner and on-call from tags, whatever their spelling', () => {
    const facts = responderFacts(resource({ id: 'arn:aws:sqs:us-east-1:111111111111:q', provider: 'aws', tags: { Team: 'payments', 'on-call': 'payments-primary' } }));
    expect(facts).toMatchObject({ owner: 'payments', oncall: 'payments-primary' });
    expect(responderFacts(resource({ id: 'arn:aws:sqs:us-east-1:111111111111:q', provider: 'aws', tags: { owner: 'alice', team: 'payments', PagerDuty_Service: 'PXYZ' } }))).toMatchObject({ owner: 'alice', oncall: 'PXYZ' });
  });

  it('shows counts and the last change where the estate records them, and nothing it does not know', () => {
    const r = resource({ id: 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', provider: 'aws', desiredCount: 4, runningCount: 3, changedAt: '2026-12-07T21:40:00.000Z' });
    expect(responderFactList(responderFacts(r)).map((f) => f.label)).toEqual(['Running', 'Last change']);
    expect(countsFact({ desiredCount: 4, runningCount: 3 })).toEqual({ label: 'Running', value: '3 of 4' });
    expect(countsFact({ desiredCount: 4 })).toEqual({ label: 'Desired', value: '4' });
    expect(countsFact({})).toBeUndefined();
    expect(changedText('2026-12-07T21:40:00.000Z', Date.parse('2026-12-07T23:40:00Z'))).toBe('2026-12-07 21:40 UTC (2 h ago)');
    expect(responderFactList(responderFacts(resource({ id: 'x', provider: 'aws' })))).toEqual([]);
  });

  it.each([
    ['arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', 'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod-cluster/services/checkout-api/health?region=us-east-1'],
    ['arn:aws:rds:us-east-1:111111111111:db:checkout-db', 'https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#database:id=checkout-db'],
    ['arn:aws:sqs:us-east-1:111111111111:orders-queue', 'https://us-east-1.console.aws.amazon.com/sqs/v3/home?region=us-east-1#/queues/https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F111111111111%2Forders-queue'],
    ['arn:aws:lambda:us-east-1:111111111111:function:order-worker', 'https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/order-worker'],
    ['arn:aws:s3:::demo-checkout-assets', 'https://s3.console.aws.amazon.com/s3/buckets/demo-checkout-assets'],
    ['arn:aws:ec2:us-east-1:111111111111:instance/i-0a7c3e9f1b2d45e61', 'https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-0a7c3e9f1b2d45e61'],
    ['arn:aws:kinesis:us-east-1:111111111111:stream/s', 'https://us-east-1.console.aws.amazon.com/kinesis/home?region=us-east-1'],
  ])('AWS console link from %s', (arn, url) => {
    expect(consoleUrl(resource({ id: arn, provider: 'aws' }))).toBe(url);
  });

  it('links Azure resources to the portal and GCP resources to the console of their project', () => {
    const azure = '/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/portal-rg/providers/Microsoft.Web/sites/portal-web';
    expect(consoleUrl(resource({ id: azure, provider: 'azure' }))).toBe(`https://portal.azure.com/#resource${azure}`);
    expect(consoleUrl(resource({ id: '//run.googleapis.com/projects/demo-gcp-prod/locations/europe-west1/services/search-api', provider: 'gcp', accountId: 'demo-gcp-prod' })))
      .toBe('https://console.cloud.google.com/run/detail/europe-west1/search-api/metrics?project=demo-gcp-prod');
    expect(consoleUrl(resource({ id: '//cloudsql.googleapis.com/projects/demo-gcp-prod/instances/search-db', provider: 'gcp', accountId: 'demo-gcp-prod' })))
      .toBe('https://console.cloud.google.com/sql/instances/search-db/overview?project=demo-gcp-prod');
    expect(consoleUrl(resource({ id: '//compute.googleapis.com/projects/demo-gcp-prod/zones/europe-west1-b/instances/search-indexer-1', provider: 'gcp', accountId: 'demo-gcp-prod' })))
      .toBe('https://console.cloud.google.com/compute/instancesDetail/zones/europe-west1-b/instances/search-indexer-1?project=demo-gcp-prod');
    expect(consoleUrl(resource({ id: '//example.googleapis.com/projects/p/things/t', provider: 'gcp', accountId: 'p' }))).toBe('https://console.cloud.google.com/home/dashboard?project=p');
  });

  it('builds no link from an id it cannot read', () => {
    expect(consoleUrl(resource({ id: 'not-an-arn', provider: 'aws' }))).toBeUndefined();
    expect(consoleUrl(resource({ id: 'arn:aws-cn:s3:::b', provider: 'aws' }))).toBeUndefined();
    expect(consoleUrl(resource({ id: 'portal-web', provider: 'azure' }))).toBeUndefined();
    // A lone surrogate (which encodeURIComponent refuses) must not break a card.
    expect(consoleUrl(resource({ id: 'arn:aws:lambda:us-east-1:111111111111:function:f\ud800', provider: 'aws' }))).toBe('https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/f%EF%BF%BD');
  });
});
