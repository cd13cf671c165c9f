import type { Command } from 'commander';
import { z } from 'zod';
import type { Runtime } from '../runtime.ts';
import type { AuditEvent } from '../stores/audit.ts';
import { remoteBot } from './remote-bot.ts';

type WithRuntime = (work: (runtime: Runtime) => Promise<number>) => Promise<number>;

const durationUnits: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`: an ISO-8601 time (`2026-11-21`, `2026-11-21T10:00:00Z`) or a duration back from now
 * (`30m`, `6h`, `7d`, `2w`). Returns the ISO time, or an error message naming both forms.
 */
export function parseSince(text: string, now: Date): { ok: true; since: string } | { ok: false; message: string } {
  const duration = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (duration?.[1] && duration[2]) {
    return { ok: true, since: new Date(now.getTime() - Number(duration[1]) * (durationUnits[duration[2]] ?? 0)).toISOString() };
  }
  const iso = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).safeParse(text.trim());
  if (iso.success) return { ok: true, since: new Date(Date.parse(iso.data)).toISOString() };
  return { ok: false, message: `--since "${text}" is neither an ISO-8601 time (2026-11-21 or 2026-11-21T10:00:00Z) nor a duration (30m, 6h, 7d, 2w).` };
}

/** One line per event: time, type, actor, subject, then the details as key=value. */
export function formatEvent(event: Omit<AuditEvent, 'orgId'> & { orgId?: string }): string {
  const detail = Object.entries(event.detail)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return [event.at, event.type, event.actor, event.subjectId, detail].join('\t');
}

const Options = z.object({
  org: z.string().min(1).optional(),
  url: z.string().optional(),
  since: z.string().optional(),
  subject: z.string().min(1).optional(),
  json: z.boolean().default(false),
  limit: z.coerce.number().int().min(1).max(100_000).default(1000),
});

/** `cloud-companion audit`: read and export an organization's audit log, oldest first. */
export function registerAuditCommand(program: Command, withRuntime: WithRuntime, setExit: (code: number) => void, now: () => Date = () => new Date()): void {
  program.command('audit')
    .description('Print an organization\'s audit log (questions, tools used, proposals, clicks, executions, verifications), oldest first.')
    .option('--org <id>', 'organization id (implied by the API key with --url)')
    .option('--since <time>', 'ISO-8601 time, or a duration back from now: 30m, 6h, 7d, 2w')
    .option('--subject <id>', 'only the events of one approval request (or one request id)')
    .option('--limit <n>', 'at most this many of the latest matching events', '1000')
    .option('--json', 'one JSON object per line (JSON Lines), for export')
    .option('--url <url>', 'read the log of a running bot through its API (or CLOUD_COMPANION_URL; an admin key in CLOUD_COMPANION_API_KEY)')
    .action(async (raw: unknown) => {
      const parsed = Options.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n`);
        setExit(2);
        return;
      }
      const opts = parsed.data;
      const since = opts.since === undefined ? undefined : parseSince(opts.since, now());
      if (since && !since.ok) {
        process.stderr.write(`${since.message}\n`);
        setExit(2);
        return;
      }
      const remote = await remoteBot(opts.url);
      if (remote) {
        const events = await remote.audit({ limit: opts.limit, ...(since?.ok ? { since: since.since } : {}), ...(opts.subject ? { subjectId: opts.subject } : {}) });
        for (const event of events) process.stdout.write(`${opts.json ? JSON.stringify(event) : formatEvent(event)}\n`);
        if (!opts.json) process.stderr.write(`${events.length} event(s) from ${remote.url}${events.length === Math.min(opts.limit, 500) ? ' (the latest ones; the API returns at most 500: narrow with --since)' : ''}.\n`);
        setExit(0);
        return;
      }
      const orgId = opts.org;
      if (!orgId) {
        process.stderr.write('--org is required without --url (with --url, the API key names the organization).\n');
        setExit(2);
        return;
      }
      setExit(await withRuntime(async (runtime) => {
        if (!(await runtime.stores.tenants.getOrganization(orgId))) {
          process.stderr.write(`Unknown organization "${orgId}". Known: ${(await runtime.stores.tenants.listOrganizations()).map((o) => o.id).join(', ')}.\n`);
          return 2;
        }
        if (!runtime.config.neo4j) {
          process.stderr.write('NEO4J_URI is not set: the embedded audit log holds only what this command itself did. Point it at the Neo4j the server uses to read the real log.\n');
        }
        const events = await runtime.stores.audit.list(orgId, {
          limit: opts.limit,
          ...(since?.ok ? { since: since.since } : {}),
          ...(opts.subject ? { subjectId: opts.subject } : {}),
        });
        for (const event of events) process.stdout.write(`${opts.json ? JSON.stringify(event) : formatEvent(event)}\n`);
        if (!opts.json) process.stderr.write(`${events.length} event(s)${events.length === opts.limit ? ` (the latest ${opts.limit}; raise --limit for more)` : ''}.\n`);
        return 0;
      }));
    });
}
