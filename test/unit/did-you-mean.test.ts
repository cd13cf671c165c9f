import { describe, expect, it } from 'vitest';
import { editDistance, impliedKind, suggestNames } from '../../src/intent/did-you-mean.ts';
import type { CloudResource } from '../../src/stores/graph.ts';

function resource(name: string, type: string): CloudResource {
  return { id: `id:${name}`, provider: 'aws', accountId: '111111111111', type, name, region: 'us-east-1', state: 'running', tags: {} };
}

const estate = [
  resource('checkout-api', 'aws.ecs.service'),
  resource('checkout-alb', 'aws.elbv2.loadbalancer'),
  resource('checkout-db', 'aws.rds.instance'),
  resource('payments-api', 'aws.ecs.service'),
  resource('orders-queue', 'aws.sqs.queue'),
  resource('orders-dlq', 'aws.sqs.queue'),
  resource('catalog-api', 'aws.ecs.service'),
];

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit', () => {
    expect(editDistance('chekout-api', 'checkout-api')).toBe(1);
    expect(editDistance('chcekout-api', 'checkout-api')).toBe(1);
    expect(editDistance('checkout-ap', 'checkout-api')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest spelling only', () => {
    expect(suggestNames('chekout-api', estate)).toEqual({ misspellings: [estate[0]], related: [] });
    expect(suggestNames('CHECKUOT-DB', estate).misspellings.map((r) => r.name)).toEqual(['checkout-db']);
  });

  it('answers a name of a kind that does not exist with the nearest real ones of that kind', () => {
    const s = suggestNames('payments-queue', estate);
    expect(s.misspellings).toEqual([]);
    expect(s.kind).toBe('queue');
    expect(s.related.map((r) => r.name)).toEqual(['orders-queue', 'orders-dlq']);
    expect(s.related.every((r) => r.type === 'aws.sqs.queue')).toBe(true);
  });

  it('relates by a shared meaningful word, never by a generic one such as "api"', () => {
    expect(suggestNames('billing-api', estate)).toEqual({ misspellings: [], related: [] });
    expect(suggestNames('payments-gateway', estate).related.map((r) => r.name)).toEqual(['payments-api']);
  });

  it('suggests only from the candidates it is given (the caller passes the channel scope)', () => {
    expect(suggestNames('chekout-api', [])).toEqual({ misspellings: [], related: [] });
    expect(suggestNames('payments-queue', [estate[0] as CloudResource])).toEqual({ misspellings: [], related: [], kind: 'queue' });
  });

  it('never suggests the name itself', () => {
    expect(suggestNames('checkout-api', estate).misspellings.map((r) => r.name)).not.toContain('checkout-api');
  });

  it('reads the kind from the last word that names one', () => {
    expect(impliedKind('orders-db')?.label).toBe('database');
    expect(impliedKind('queue-db')?.label).toBe('database');
    expect(impliedKind('checkout')).toBeUndefined();
  });
});
