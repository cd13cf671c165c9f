import { describe, expect, it } from 'vitest';
import { CachedEvidenceSource, evidenceError, readEvidence, type EvidenceRequest, type EvidenceResult, type EvidenceSource } from '../../src/evidence/common.ts';
import type { ChangeRecord } from '../../src/evidence/changes/record.ts';
import { MetricsError } from '../../src/metrics/failure.ts';
import { demoResource } from '../support/metrics.ts';

const checkout = demoResource('checkout-api', '111111111111');
const request: EvidenceRequest = { orgId: 'demo', accountIds: ['111111111111'], resources: [checkout], windowMinutes: 60 };

class Counting implements EvidenceSource<ChangeRecord> {
  readonly name = 'counting';
  calls = 0;
  constructor(private readonly answer: () => Promise<EvidenceResult<ChangeRecord>>) {}
  supports(): boolean {
    return true;
  }
  async read(): Promise<EvidenceResult<ChangeRecord>> {
    this.calls += 1;
    return this.answer();
  }
}

const change: ChangeRecord = { at: '2026-03-02T11:37:00.000Z', summary: 'deployment', resourceId: checkout.id, source: 'recorded' };

describe('evidence reads', () => {
  it('cache answers briefly per organization, resource and window, and never keeps an answer with failures', async () => {
    let now = 0;
    const ok = new Counting(async () => ({ items: [change], failures: [] }));
    const cached = new CachedEvidenceSource(ok, 60_000, () => now);
    await cached.read(request);
    await cached.read(request);
    expect(ok.calls).toBe(1);
    await cached.read({ ...request, windowMinutes: 120 });
    expect(ok.calls).toBe(2);
    now = 61_000;
    await cached.read(request);
    expect(ok.calls).toBe(3);

    const denied = new Counting(async () => ({ items: [], failures: [{ resourceId: checkout.id, resourceName: 'checkout-api', metrics: [], source: 'x', reason: 'access_denied', message: 'no' }] }));
    const cachedDenied = new CachedEvidenceSource(denied, 60_000, () => 0);
    await cachedDenied.read(request);
    await new Promise((r) => setTimeout(r, 0));
    await cachedDenied.read(request);
    expect(denied.calls).toBe(2);
  });

  it('a source that hangs is cut at the backstop and reported as a timeout; a resource outside the channel never reaches a source', async () => {
    const hanging = new Counting(() => new Promise(() => undefined));
    const result = await readEvidence('changes', [hanging], { ...request, resources: [checkout, demoResource('checkout-api-staging', '222222222222')] }, 50);
    expect(result.failures).toEqual([
      expect.objectContaining({ reason: 'out_of_scope', resourceName: 'checkout-api-staging' }),
      expect.objectContaining({ reason: 'timeout', resourceName: 'checkout-api', source: 'counting' }),
    ]);
    expect(hanging.calls).toBe(1);
  });

  it('a denied call names the permission to grant; other reasons keep their classification', () => {
    const denied = evidenceError(new MetricsError('access_denied', 'x', { cause: new Error('not authorized to perform: cloudtrail:LookupEvents') }), 'CloudTrail LookupEvents in us-east-1', 'cloudtrail:LookupEvents');
    expect(denied.reason).toBe('access_denied');
    expect(denied.message).toBe('CloudTrail LookupEvents in us-east-1 refused access (not authorized to perform: cloudtrail:LookupEvents). Grant the bot cloudtrail:LookupEvents.');
    const throttled = evidenceError(new MetricsError('throttled', 'x', { retryable: true, retryAfterMs: 10 }), 'ECS', 'ecs:DescribeServices');
    expect([throttled.reason, throttled.retryable, throttled.retryAfterMs]).toEqual(['throttled', true, 10]);
  });
});
