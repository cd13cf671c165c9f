import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands.ts';
import { isReadOnly, type Intent } from '../../src/request.ts';

describe('natural phrasings of the commands', () => {
  it.each<[string, Intent]>([
    ['list approvals', { kind: 'approvals' }],
    ['show pending approvals', { kind: 'approvals' }],
    ['Show me the pending approvals?', { kind: 'approvals' }],
    ['any pending approvals?', { kind: 'approvals' }],
    ['pending approval requests', { kind: 'approvals' }],
    ['what is waiting for approval?', { kind: 'approvals' }],
    ['show me the metrics of checkout-api', { kind: 'metrics', name: 'checkout-api', windowMinutes: 60 }],
    ['metrics for checkout-api over the last 6h', { kind: 'metrics', name: 'checkout-api', windowMinutes: 360 }],
    ["what's the CPU of checkout-api?", { kind: 'metrics', name: 'checkout-api', windowMinutes: 60, metric: 'cpu' }],
    ['What’s the CPU utilization of checkout-api', { kind: 'metrics', name: 'checkout-api', windowMinutes: 60, metric: 'cpu' }],
    ["what is checkout-db's connections", { kind: 'metrics', name: 'checkout-db', windowMinutes: 60, metric: 'connections' }],
    ['show the latency of checkout-alb for the last 30 minutes', { kind: 'metrics', name: 'checkout-alb', windowMinutes: 30, metric: 'latency' }],
    ['what depends on checkout-db?', { kind: 'deps', name: 'checkout-db', direction: 'dependents' }],
    ['who uses orders-queue', { kind: 'deps', name: 'orders-queue', direction: 'dependents' }],
    ['what does checkout-api depend on?', { kind: 'deps', name: 'checkout-api', direction: 'dependencies' }],
    ['dependencies of checkout-api', { kind: 'deps', name: 'checkout-api', direction: 'dependencies' }],
    ['is checkout-api healthy?', { kind: 'health', name: 'checkout-api' }],
    ['Is the checkout-db OK right now?', { kind: 'health', name: 'checkout-db' }],
    ['how is orders-queue doing?', { kind: 'health', name: 'orders-queue' }],
    ['status of portal-web', { kind: 'health', name: 'portal-web' }],
    ['tell me about checkout-api', { kind: 'resource', name: 'checkout-api' }],
    ['who owns checkout-db?', { kind: 'resource', name: 'checkout-db' }],
    ['what is checkout-db?', { kind: 'resource', name: 'checkout-db' }],
    ['chekout-api', { kind: 'resource', name: 'chekout-api' }],
    ['payments-queue', { kind: 'resource', name: 'payments-queue' }],
    ['what would break if orders-queue went down?', { kind: 'impact', name: 'orders-queue' }],
    ['What happens if checkout-db fails?', { kind: 'impact', name: 'checkout-db' }],
    ['who would be affected if the orders-queue goes down', { kind: 'impact', name: 'orders-queue' }],
    ['what if checkout-db went down?', { kind: 'impact', name: 'checkout-db' }],
    ['blast radius of checkout-db', { kind: 'impact', name: 'checkout-db' }],
    ["what's the blast radius of orders-queue?", { kind: 'impact', name: 'orders-queue' }],
    ['impact checkout-db', { kind: 'impact', name: 'checkout-db' }],
    ['health checkout-db', { kind: 'health', name: 'checkout-db' }],
    ['ask what depends on checkout-db', { kind: 'deps', name: 'checkout-db', direction: 'dependents' }],
    ['can you please show me the metrics for checkout-api', { kind: 'metrics', name: 'checkout-api', windowMinutes: 60 }],
  ])('%j', (text, intent) => {
    expect(parseCommand(text)).toEqual(intent);
  });

  it('keeps the case of a name as typed (Azure ids are matched exactly first)', () => {
    const id = '/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/portal-rg/providers/Microsoft.Web/sites/portal-web';
    expect(parseCommand(`what depends on ${id}`)).toEqual({ kind: 'deps', name: id, direction: 'dependents' });
    expect(parseCommand('Tell me about Checkout-API')).toEqual({ kind: 'resource', name: 'Checkout-API' });
  });

  it.each([
    'why is checkout-api slow?',
    'what is wrong with checkout-api?',
    'checkout-api is throwing 5xx errors',
    'orders-queue backlog is growing, why?',
    'is it healthy?',
    'what is happening?',
    'checkout',
    'and what about its database?',
    'what uses the most cpu?',
    '/cloud',
  ])('%j stays a question to investigate', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'ask', question: text });
  });

  it.each([
    'what if we restart checkout-api?',
    'should we scale checkout-api to 8 tasks?',
    'What would happen if I redeploy checkout-api?',
  ])('%j is a hypothetical: investigated, never proposed', (text) => {
    const intent = parseCommand(text);
    expect(intent).toEqual({ kind: 'ask', question: text, hypothetical: true });
    expect(isReadOnly(intent)).toBe(true);
  });

  it('only a question about a problem and an alert may propose', () => {
    expect(isReadOnly(parseCommand('why is checkout-api slow?'))).toBe(false);
    for (const text of ['show me the metrics of checkout-api', 'list approvals', 'is checkout-api healthy?', 'what would break if orders-queue went down?', 'tell me about checkout-api', 'runbook sqs', 'deps checkout-db', 'diagram all', 'help']) {
      expect(isReadOnly(parseCommand(text)), text).toBe(true);
    }
  });
});
