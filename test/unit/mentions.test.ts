import { describe, expect, it } from 'vitest';
import { mentionScore } from '../../src/stores/mentions.ts';

const db = { id: 'arn:aws:rds:us-east-1:111111111111:db:checkout-db', name: 'checkout-db' };

describe('mentionScore', () => {
  it.each([
    ['why is checkout-db slow?', true],
    ['Checkout-DB.', true],
    ['is checkout-db: down', true],
    ['checkout-db-staging is slow', false],
    ['my-checkout-db is slow', false],
    ['checkout-db.internal resolves', false],
    ['arn:aws:rds:eu-west-1:333333333333:db:checkout-db', false],
    ['see /services/checkout-db/logs', false],
  ])('%j mentions checkout-db: %s', (text, expected) => {
    expect(mentionScore(text, db) > 0).toBe(expected);
  });

  it('ranks a full id above any name and longer names above shorter ones', () => {
    expect(mentionScore(`look at ${db.id}`, db)).toBeGreaterThan(1000);
    expect(mentionScore('checkout-db-replica lag', { id: 'x', name: 'checkout-db-replica' })).toBeGreaterThan(mentionScore('checkout-db lag', db));
  });
});
