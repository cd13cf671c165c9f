import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatEvent, parseSince } from '../../src/cli/audit.ts';
import { main } from '../../src/cli/main.ts';

describe('cloud-companion audit', () => {
  const now = new Date('2026-11-21T12:00:00.000Z');

  it('reads --since as a duration back from now or as an ISO-8601 time', () => {
    expect(parseSince('30m', now)).toEqual({ ok: true, since: '2026-11-21T11:30:00.000Z' });
    expect(parseSince('6h', now)).toEqual({ ok: true, since: '2026-11-21T06:00:00.000Z' });
    expect(parseSince('7d', now)).toEqual({ ok: true, since: '2026-11-14T12:00:00.000Z' });
    expect(parseSince('2w', now)).toEqual({ ok: true, since: '2026-11-07T12:00:00.000Z' });
    expect(parseSince('2026-11-20', now)).toEqual({ ok: true, since: '2026-11-20T00:00:00.000Z' });
    expect(parseSince('2026-11-20T10:00:00+02:00', now)).toEqual({ ok: true, since: '2026-11-20T08:00:00.000Z' });
    expect(parseSince('yesterday', now)).toMatchObject({ ok: false, message: expect.stringContaining('neither an ISO-8601 time') });
    expect(parseSince('5y', now).ok).toBe(false);
  });

  it('prints one tab-separated line per event, quoting details with spaces', () => {
    expect(formatEvent({ orgId: 'demo', at: '2026-11-21T10:00:00.000Z', actor: 'U1', type: 'action.failed', subjectId: 'a-1', detail: { kind: 'aws.ecs.scale', message: 'AWS refused: x', providerCode: null, undoable: false } }))
      .toBe('2026-11-21T10:00:00.000Z\taction.failed\tU1\ta-1\tkind=aws.ecs.scale message="AWS refused: x" undoable=false');
  });

  describe('command line', () => {
    const written: { out: string[]; err: string[] } = { out: [], err: [] };
    afterEach(() => {
      vi.restoreAllMocks();
      written.out = [];
      written.err = [];
    });
    function capture(): void {
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.out.push(String(chunk)), true));
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.err.push(String(chunk)), true));
    }

    it('refuses a bad --since before touching any store', async () => {
      capture();
      expect(await main(['audit', '--org', 'demo', '--since', 'last tuesday'])).toBe(2);
      expect(written.err.join('')).toContain('--since "last tuesday" is neither');
    });

    it('names the known organizations for an unknown one, and warns that the embedded log is this process only', async () => {
      capture();
      vi.stubEnv('NEO4J_URI', '');
      expect(await main(['audit', '--org', 'nope'])).toBe(2);
      expect(written.err.join('')).toContain('Unknown organization "nope". Known: demo, globex.');
      expect(await main(['audit', '--org', 'demo', '--json'])).toBe(0);
      expect(written.err.join('')).toContain('NEO4J_URI is not set');
      vi.unstubAllEnvs();
    });
  });
});
