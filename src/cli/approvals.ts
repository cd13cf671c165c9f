import type { Command } from 'commander';
import type { Runtime } from '../runtime.ts';
import type { RemoteBot } from './remote.ts';
import { remoteBot } from './remote-bot.ts';

type WithRuntime = (work: (runtime: Runtime) => Promise<number>) => Promise<number>;

const states = ['pending', 'approved', 'executing', 'succeeded', 'failed', 'denied', 'expired', 'all'] as const;

/** What both an in-process approval request and the API's JSON of one have. */
export interface ApprovalLine {
  id: string;
  state: string;
  risk: string;
  requiredRole: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  action: { kind: string; targetName: string };
  result?: string | undefined;
}

/** One approval request on one line, then its reason (and result, once it ran). */
export function formatApproval(a: ApprovalLine): string {
  return `${a.id}\t${a.state}\t${a.action.kind} on ${a.action.targetName}\t${a.risk} risk, needs ${a.requiredRole}\tcreated ${a.createdAt}, expires ${a.expiresAt}\n  Reason: ${a.reason}${a.result ? `\n  Result: ${a.result}` : ''}\n`;
}

/** Says where these approvals live when they come from this process's own embedded stores. */
export const embeddedApprovalsNote = 'These are the embedded stores of this one command (NEO4J_URI is not set): approvals made by the bot or by another command are not here. Point at the running bot with --url (or CLOUD_COMPANION_URL) and CLOUD_COMPANION_API_KEY, or set NEO4J_URI to the store the bot uses.\n';

/**
 * `cloud-companion approvals list|approve|deny`: against a running bot (`--url`), or the stores this
 * process opens (shared only when NEO4J_URI is set).
 */
export function registerApprovalsCommands(program: Command, withRuntime: WithRuntime, setExit: (code: number) => void): void {
  const approvals = program.command('approvals').description('List approval requests, and approve or deny one (as the chat buttons do).');
  approvals.command('list')
    .description('Approval requests, newest first (pending ones by default).')
    .option('--org <id>', 'organization id (implied by the API key with --url)')
    .option('--state <state>', `one of ${states.join(', ')}`, 'pending')
    .option('--limit <n>', 'at most this many', '50')
    .option('--url <url>', 'a running bot to ask (or CLOUD_COMPANION_URL; the key in CLOUD_COMPANION_API_KEY)')
    .action(async (opts: { org?: string; state: string; limit: string; url?: string }) => {
      const limit = Number(opts.limit);
      if (!(states as readonly string[]).includes(opts.state) || !Number.isInteger(limit) || limit < 1 || limit > 200) {
        process.stderr.write(`--state must be one of ${states.join(', ')} and --limit a whole number from 1 to 200.\n`);
        setExit(2);
        return;
      }
      const remote = await remoteBot(opts.url);
      if (remote) {
        const list = await remote.approvals(opts.state, limit);
        for (const a of list) process.stdout.write(formatApproval(a));
        process.stderr.write(`${list.length} approval request(s) at ${remote.url}.\n`);
        setExit(0);
        return;
      }
      setExit(await withOrg(withRuntime, opts.org, async (runtime, orgId) => {
        const list = await runtime.stores.approvals.list(orgId, { ...(opts.state === 'all' ? {} : { states: [opts.state as Exclude<typeof states[number], 'all'>] }), limit });
        for (const a of list) process.stdout.write(formatApproval(a));
        process.stderr.write(`${list.length} approval request(s) in ${runtime.describe.state ?? 'the state store'}.\n`);
        if (!runtime.config.neo4j) process.stderr.write(embeddedApprovalsNote);
        return 0;
      }));
    });
  for (const decision of ['approve', 'deny'] as const) {
    approvals.command(decision)
      .description(decision === 'approve' ? 'Approve a request: it runs through the executor (dry-run by default) and is verified later.' : 'Deny a request: nothing runs.')
      .argument('<id>', 'approval request id, as `ask` and `approvals list` print it')
      .option('--org <id>', 'organization id (implied by the API key with --url)')
      .option('--user <id>', 'user id whose role applies (without --url)', 'cli-user')
      .option('--url <url>', 'a running bot to ask (or CLOUD_COMPANION_URL; the key in CLOUD_COMPANION_API_KEY)')
      .action(async (id: string, opts: { org?: string; user: string; url?: string }) => {
        const remote = await remoteBot(opts.url);
        setExit(remote ? await decideRemote(remote, id, decision) : await withOrg(withRuntime, opts.org, async (runtime, orgId) => {
          const context = await runtime.companion.contextForOrganization(orgId, { platform: 'cli', source: 'cli', channelId: 'cli', userId: opts.user });
          if (!context) return 2;
          const outcome = await runtime.companion.decide(context, id, decision);
          switch (outcome.kind) {
            case 'executed':
            case 'denied':
              process.stdout.write(formatApproval(outcome.approval));
              return 0;
            case 'already_decided':
            case 'expired':
              process.stderr.write(`Nothing done: request ${id} is ${outcome.approval.state}.\n`);
              return 1;
            case 'not_found':
              process.stderr.write(`${outcome.message}\n${runtime.config.neo4j ? '' : embeddedApprovalsNote}`);
              return 1;
            case 'accepted':
              process.stdout.write(`${outcome.message}\n`);
              process.stdout.write(formatApproval(outcome.approval));
              return 0;
            case 'forbidden':
              process.stderr.write(`${outcome.message}\n`);
              return 1;
            case 'unavailable':
              process.stderr.write(`${outcome.message}\n`);
              return 2;
          }
        }));
      });
  }
}

async function decideRemote(remote: RemoteBot, id: string, decision: 'approve' | 'deny'): Promise<number> {
  const result = await remote.decide(id, decision);
  if (result.kind === 'conflict') {
    process.stderr.write(`Nothing done: ${result.body.message}\n`);
    return 1;
  }
  if (result.body.message) process.stdout.write(`${result.body.message}\n`);
  process.stdout.write(formatApproval(result.body.approval));
  return 0;
}

async function withOrg(withRuntime: WithRuntime, orgId: string | undefined, work: (runtime: Runtime, orgId: string) => Promise<number>): Promise<number> {
  if (!orgId) {
    process.stderr.write('--org is required without --url (with --url, the API key names the organization).\n');
    return 2;
  }
  return withRuntime(async (runtime) => {
    if (!(await runtime.stores.tenants.getOrganization(orgId))) {
      process.stderr.write(`Unknown organization "${orgId}". Known: ${(await runtime.stores.tenants.listOrganizations()).map((o) => o.id).join(', ')}.\n`);
      return 2;
    }
    return work(runtime, orgId);
  });
}
