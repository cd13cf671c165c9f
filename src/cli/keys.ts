import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { ApiKeyService } from '../api/keys.ts';
import { Role } from '../request.ts';
import type { Runtime } from '../runtime.ts';
import type { ApiKeySummary } from '../stores/api-keys.ts';

type WithRuntime = (work: (runtime: Runtime) => Promise<number>) => Promise<number>;

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** `cli:<login>`: who created or revoked a key, in the audit log. */
function operatorName(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

async function keyService(runtime: Runtime): Promise<ApiKeyService> {
  const { ApiKeyService } = await import('../api/keys.ts');
  return new ApiKeyService({ store: runtime.stores.apiKeys, audit: runtime.stores.audit, tenants: runtime.stores.tenants, logger: runtime.logger });
}

/** Keys in the embedded store would vanish with this process, unseen by the server: say so instead. */
function requireSharedStore(runtime: Runtime): boolean {
  if (runtime.config.neo4j) return true;
  err('API keys live in Neo4j, shared by the server and this command, but NEO4J_URI is not set: a key made here would vanish when the command exits.');
  err('Set NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD as the server has them (for local development: eval "$(node scripts/services.mjs up)"), then run this again.');
  return false;
}

function status(key: ApiKeySummary, now: Date): string {
  if (key.revokedAt) return `revoked ${key.revokedAt}`;
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return `expired ${key.expiresAt}`;
  return 'active';
}

/** `keys create|list|revoke`: API keys per organization. */
export function registerKeysCommands(program: Command, withRuntime: WithRuntime, setExitCode: (code: number) => void): void {
  const keys = program.command('keys').description('Create, list and revoke API keys for the HTTP API (/v1).');

  keys.command('create')
    .description('Create an API key; it is shown once, only its hash is stored.')
    .requiredOption('--org <id>', 'organization id')
    .option('--role <role>', 'viewer (ask and read), operator (also decide low-risk approvals) or admin (decide all, read the audit log)', 'viewer')
    .option('--name <label>', 'what the key is for, e.g. "CI runbooks"', 'api key')
    .option('--expires <when>', 'a duration (12h, 90d, 4w) or a date (2026-12-31); never by default')
    .option('--json', 'print the key and its details as JSON, for scripts')
    .action(async (opts: { org: string; role: string; name: string; expires?: string; json?: boolean }) => {
      setExitCode(await withRuntime(async (runtime) => {
        const role = Role.safeParse(opts.role);
        if (!role.success) {
          err(`--role must be viewer, operator or admin, not "${opts.role}".`);
          return 2;
        }
        if (!requireSharedStore(runtime)) return 2;
        const { parseExpiry } = await import('../api/keys.ts');
        const expiresAt = opts.expires ? parseExpiry(opts.expires, new Date()) : undefined;
        const { key, summary } = await (await keyService(runtime)).create({ orgId: opts.org, role: role.data, name: opts.name, createdBy: operatorName(), ...(expiresAt ? { expiresAt } : {}) });
        if (opts.json) {
          out(JSON.stringify({ key, ...summary }));
          return 0;
        }
        out(`Created API key ${summary.keyId} for "${summary.orgId}": role ${summary.role}, name "${summary.name}", expires ${summary.expiresAt ?? 'never'}.`);
        out('The key is shown this once (only its hash is stored). Keep it in a secret store:');
        out('');
        out(key);
        out('');
        out('Send it in the X-API-Key header, e.g. curl -H "X-API-Key: $CLOUD_COMPANION_KEY" https://<bot>/v1/approvals');
        return 0;
      }));
    });

  keys.command('list')
    .description('List an organization\'s API keys (never the keys themselves).')
    .requiredOption('--org <id>', 'organization id')
    .option('--json', 'print JSON lines')
    .action(async (opts: { org: string; json?: boolean }) => {
      setExitCode(await withRuntime(async (runtime) => {
        if (!requireSharedStore(runtime)) return 2;
        const list = await (await keyService(runtime)).list(opts.org);
        const now = new Date();
        if (opts.json) {
          for (const key of list) out(JSON.stringify({ ...key, status: status(key, now) }));
          return 0;
        }
        if (list.length === 0) {
          out(`No API keys for "${opts.org}". Create one with: cloud-companion keys create --org ${opts.org} --role viewer`);
          return 0;
        }
        out(['KEY ID', 'ROLE', 'NAME', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'].join('\t'));
        for (const key of list) {
          out([key.keyId, key.role, key.name, key.createdAt, key.expiresAt ?? 'never', key.lastUsedAt ?? 'never', status(key, now)].join('\t'));
        }
        return 0;
      }));
    });

  keys.command('revoke')
    .description('Revoke an API key at once: requests with it get 401 from then on.')
    .argument('<keyId>', 'the key id (from `keys list`, or the part after cc_ of the key)')
    .requiredOption('--org <id>', 'organization id')
    .action(async (keyId: string, opts: { org: string }) => {
      setExitCode(await withRuntime(async (runtime) => {
        if (!requireSharedStore(runtime)) return 2;
        const id = /^cc_([0-9a-f]{16})_/.exec(keyId)?.[1] ?? keyId;
        const result = await (await keyService(runtime)).revoke(opts.org, id, operatorName());
        if (result.ok) {
          out(`Revoked API key ${id} ("${result.key.name}") of "${opts.org}": requests with it now get 401.`);
          return 0;
        }
        if (result.reason === 'already_revoked') {
          out(`API key ${id} of "${opts.org}" was already revoked at ${result.key.revokedAt ?? '?'}.`);
          return 0;
        }
        err(`There is no API key ${id} in "${opts.org}". List them with: cloud-companion keys list --org ${opts.org}`);
        return 2;
      }));
    });
}
