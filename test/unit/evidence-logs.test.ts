import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterLines, templateOf } from '../../src/evidence/logs/cluster.ts';
import { redact } from '../../src/evidence/logs/redact.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 12, minute)).toISOString();

describe('log templates', () => {
  it('replaces numbers, ids, uuids, hex, IPs, times and quoted strings with placeholders', () => {
    expect(templateOf('2026-03-02T12:00:01.123Z ERROR order 918273 for user "bob" failed: 10.0.3.7:5432 refused (req 7f3a9c2e-1b2d-4e5f-8a9b-0c1d2e3f4a5b, span 0x1f2e, trace 4bf92f3577b34da6)'))
      .toBe('<time> ERROR order <num> for user "<str>" failed: <ip> refused (req <uuid>, span <hex>, trace <hex>)');
  });

  it('clusters lines of one template, counting repeats, with first and last seen, most frequent first and bounded', () => {
    const lines = [
      { at: at(5), message: 'connection pool exhausted (waiting=12)', count: 3 },
      { at: at(1), message: 'connection pool exhausted (waiting=80)' },
      { at: at(9), message: 'connection pool exhausted (waiting=7)' },
      { at: at(4), message: 'upstream 503 from 10.0.0.1' },
      ...Array.from({ length: 30 }, (_, i) => ({ at: at(i), message: `unique failure kind ${'abcdefghijklmnopqrstuvwxyzABCD'[i]}` })),
    ];
    const signatures = clusterLines('r1', lines, 'test', { maxSignatures: 5, maxChars: 300 });
    expect(signatures).toHaveLength(5);
    expect(signatures[0]).toEqual({ resourceId: 'r1', template: 'connection pool exhausted (waiting=<num>)', count: 5, firstSeen: at(1), lastSeen: at(9), sample: 'connection pool exhausted (waiting=12)', citation: 'test' });
  });
});

// Secrets in the shapes logs carry them, each with a marker only the secret itself holds.
const secretChars = fc.stringMatching(/^[A-Za-z0-9]{20,40}$/);
const secrets = fc.oneof(
  fc.stringMatching(/^[A-Z0-9]{16}$/).map((s) => ({ secret: `AKIA${s}`, line: (x: string) => `using key ${x} for s3` })),
  secretChars.map((s) => ({ secret: `xoxb-${s}`, line: (x: string) => `slack call with ${x}` })),
  secretChars.map((s) => ({ secret: s, line: (x: string) => `Authorization: Bearer ${x}` })),
  secretChars.map((s) => ({ secret: s, line: (x: string) => `connecting to postgres://app:${x}@db.internal:5432/app` })),
  secretChars.map((s) => ({ secret: s, line: (x: string) => `config password=${x} loaded` })),
  secretChars.map((s) => ({ secret: s, line: (x: string) => `{"api_key": "${x}", "region": "us-east-1"}` })),
  secretChars.map((s) => ({ secret: s, line: (x: string) => `aws_secret_access_key = ${x}` })),
  fc.tuple(secretChars, secretChars).map(([a, b]) => ({ secret: `eyJ${a}.eyJ${b}.${a}`, line: (x: string) => `token ${x} expired` })),
  secretChars.map((s) => ({ secret: s, line: (x: string) => `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${x};EndpointSuffix=core.windows.net` })),
);

describe('redaction', () => {
  it('no secret survives redaction or clustering, whatever text surrounds it', () => {
    fc.assert(fc.property(secrets, fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), ({ secret, line }, before, after) => {
      const message = `${before.replace(/[A-Za-z0-9]/g, ' ')} ${line(secret)} ${after.replace(/[A-Za-z0-9]/g, ' ')}`;
      expect(redact(message)).not.toContain(secret);
      const [signature] = clusterLines('r', [{ at: at(0), message }], 'test');
      expect(JSON.stringify(signature)).not.toContain(secret);
    }), { numRuns: 500 });
  });

  it('keeps ordinary text readable', () => {
    expect(redact('GET /api/cart/123 took 5003ms, pool active=10')).toBe('GET /api/cart/123 took 5003ms, pool active=10');
    expect(redact('Authorization: Bearer abcdefghijklmnop')).toBe('Authorization: Bearer [token]');
  });
});
