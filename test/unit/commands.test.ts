import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands.ts';

describe('/cloud grammar', () => {
  it.each([
    ['why is checkout-api slow?', { kind: 'ask', question: 'why is checkout-api slow?' }],
    ['ask why is checkout-api slow?', { kind: 'ask', question: 'why is checkout-api slow?' }],
    ['resource checkout-db', { kind: 'resource', name: 'checkout-db' }],
    ['deps  checkout-db ', { kind: 'deps', name: 'checkout-db' }],
    ['metrics checkout-api', { kind: 'metrics', name: 'checkout-api', windowMinutes: 60 }],
    ['metrics checkout-api 30m', { kind: 'metrics', name: 'checkout-api', windowMinutes: 30 }],
    ['metrics checkout-api 6h', { kind: 'metrics', name: 'checkout-api', windowMinutes: 360 }],
    ['metrics checkout-api 7d', { kind: 'metrics', name: 'checkout-api', windowMinutes: 1440 }],
    ['runbook sqs backlog', { kind: 'runbook', query: 'sqs backlog' }],
    ['APPROVALS', { kind: 'approvals' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['deps', { kind: 'help' }],
    ['metrics', { kind: 'help' }],
  ])('%j', (text, intent) => {
    expect(parseCommand(text)).toEqual(intent);
  });
});
