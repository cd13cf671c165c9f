import { Command, CommanderError } from 'commander';
import type { Config } from '../config.ts';
import { describeError, isCompanionError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { Runtime } from '../runtime.ts';
import { registerApprovalsCommands } from './approvals.ts';
import { registerAuditCommand } from './audit.ts';
import { remoteBot } from './remote-bot.ts';
import { registerDiagramCommand } from './diagram.ts';
import { registerCrawlCommand } from './crawl.ts';
import { registerKeysCommands } from './keys.ts';

/** The `cloud-companion` command line. Returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('cloud-companion')
    .description('ChatOps for cloud incidents: investigate, explain and fix from Slack and Teams.')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  let exitCode = 0;

  program.command('start')
    .description('Run the bot server (Slack at /slack/events, health at /healthz).')
    .action(async () => {
      exitCode = await start();
    });

  program.command('ask')
    .description('Ask a question as a chat user would, and print the answer.')
    .option('--org <id>', 'organization id from tenants.yaml (implied by the API key with --url)')
    .option('--channel <id>', 'channel whose policy applies', 'cli')
    .option('--user <id>', 'user id whose role applies', 'cli-user')
    .option('--url <url>', 'ask a running bot through its HTTP API (or CLOUD_COMPANION_URL; the key in CLOUD_COMPANION_API_KEY), so its approvals stay there')
    .argument('<question...>', 'the question, or a /cloud command such as "deps checkout-api"')
    .action(async (words: string[], opts: { org?: string; channel: string; user: string; url?: string }) => {
      const remote = await remoteBot(opts.url);
      if (remote) {
        const [answer, { renderText }, { replyOf }] = await Promise.all([remote.ask(words.join(' ')), import('./render-text.ts'), import('./remote.ts')]);
        process.stdout.write(`${renderText(replyOf(answer))}\n`);
        if (answer.reply.parts.some((p) => p.kind === 'approval')) {
          process.stderr.write(`The approval requests above are held by the bot at ${remote.url}: \`cloud-companion approvals approve|deny <id>\` (with the same --url and an operator or admin key) decides them, as the chat buttons do.\n`);
        }
        exitCode = 0;
        return;
      }
      const orgId = opts.org;
      if (!orgId) {
        process.stderr.write('--org is required without --url (with --url, the API key names the organization).\n');
        exitCode = 2;
        return;
      }
      exitCode = await withRuntime(async (runtime) => {
        const context = await runtime.companion.contextForOrganization(orgId, { platform: 'cli', source: 'cli', channelId: opts.channel, userId: opts.user });
        if (!context) {
          process.stderr.write(`Unknown organization "${orgId}". Known: ${(await runtime.stores.tenants.listOrganizations()).map((o) => o.id).join(', ')}.\n`);
          return 2;
        }
        const [{ parseCommand }, { renderText }] = await Promise.all([import('../commands.ts'), import('./render-text.ts')]);
        const reply = await runtime.companion.handle({ context, intent: parseCommand(words.join(' ')) });
        process.stdout.write(`${renderText(reply)}\n`);
        if (!runtime.config.neo4j && reply.parts.some((p) => p.kind === 'approval')) process.stderr.write(`${oneShotApprovalsNote(orgId)}\n`);
        return 0;
      });
    });

  const ingest = program.command('ingest').description('Load data into the stores for one organization.');
  ingest.command('estate')
    .description('Ingest a normalised inventory file (JSON or YAML, version 1); idempotent.')
    .argument('<file>')
    .requiredOption('--org <id>', 'organization id')
    .action(async (file: string, opts: { org: string }) => {
      exitCode = await withRuntime(async (runtime) => {
        if (!(await requireOrg(runtime, opts.org))) return 2;
        const [{ loadEstateFile }, { ingestProgressBar }] = await Promise.all([import('../seed/estate-file.ts'), import('./progress.ts')]);
        const estate = await loadEstateFile(file);
        const progress = ingestProgressBar();
        const result = await runtime.stores.graph.ingest(opts.org, estate, { onProgress: progress.update });
        progress.done();
        process.stdout.write(`Ingested ${result.resources} resources and ${result.relationships} relationships into "${opts.org}" (${result.removed} removed) — ${runtime.describe.graph}.\n`);
        return 0;
      });
    });
  ingest.command('runbooks')
    .description('Ingest a folder of Markdown runbooks with front matter; idempotent.')
    .argument('<dir>')
    .requiredOption('--org <id>', 'organization id')
    .action(async (dir: string, opts: { org: string }) => {
      exitCode = await withRuntime(async (runtime) => {
        if (!(await requireOrg(runtime, opts.org))) return 2;
        const { loadRunbookDir } = await import('../seed/runbook-dir.ts');
        const result = await runtime.stores.runbooks.upsert(opts.org, await loadRunbookDir(dir));
        process.stdout.write(`Ingested ${result.runbooks} runbooks (${result.chunks} sections) into "${opts.org}" — ${runtime.describe.runbooks}.\n`);
        return 0;
      });
    });

  registerKeysCommands(program, withRuntime, (code) => {
    exitCode = code;
  });
  registerApprovalsCommands(program, withRuntime, (code) => {
    exitCode = code;
  });
  registerAuditCommand(program, withRuntime, (code) => {
    exitCode = code;
  });
  registerDiagramCommand(program, withRuntime, (code) => {
    exitCode = code;
  });
  registerCrawlCommand(program, withRuntime, (code) => {
    exitCode = code;
  });

  program.command('tenants')
    .description('List the organizations and their bindings.')
    .action(async () => {
      exitCode = await withRuntime(async (runtime) => {
        for (const org of await runtime.stores.tenants.listOrganizations()) {
          const b = org.bindings;
          process.stdout.write(`${org.id}\t${org.name}\tslack teams: ${b.slack.teams.join(',') || '-'}\tslack enterprises: ${b.slack.enterprises.join(',') || '-'}\tteams tenants: ${b.teams.tenants.join(',') || '-'}\taccounts: ${org.accounts.map((a) => `${a.provider}:${a.accountId}`).join(',')}\n`);
        }
        return 0;
      });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${isCompanionError(error) ? error.toUserText() : describeError(error)}\n`);
    return 1;
  }
}

type RuntimeOf = Runtime;

/** A one-shot `ask` on the embedded stores: its approval requests end with the process. */
export function oneShotApprovalsNote(orgId: string): string {
  return [
    'Note: these approval requests live only in this process (the embedded stores; NEO4J_URI is not set) and are gone when it exits: a later `cloud-companion approvals` will not see them.',
    'To act on them, keep the state in Neo4j, where the bot and every command share it:',
    '  eval "$(node scripts/services.mjs up neo4j)"   # a local Neo4j, ready in about a minute',
    `  cloud-companion ask --org ${orgId} "<question>"   then   cloud-companion approvals approve <id> --org ${orgId}`,
    'or ask a running bot (`npm start` with the same NEO4J_* variables) through its API:',
    `  cloud-companion keys create --org ${orgId} --role operator`,
    '  export CLOUD_COMPANION_URL=http://127.0.0.1:3000 CLOUD_COMPANION_API_KEY=<key>',
    '  cloud-companion ask "<question>"   then   cloud-companion approvals approve <id>',
  ].join('\n');
}

/** Configuration and logging, loaded only by commands that need them (so `--help` stays instant). */
async function configAndLogger(level?: string): Promise<{ config: Config; logger: Logger }> {
  const [{ loadConfig }, { createLogger }] = await Promise.all([import('../config.ts'), import('../logging.ts')]);
  const config = loadConfig();
  return { config, logger: createLogger({ level: level ?? config.logLevel }) };
}

/** CLI commands log only warnings, so their output stays readable. */
async function withRuntime(work: (runtime: RuntimeOf) => Promise<number>): Promise<number> {
  const { config, logger } = await configAndLogger(process.env.LOG_LEVEL ?? 'warn');
  const { createRuntime } = await import('../runtime.ts');
  const runtime = await createRuntime(config, logger);
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

async function requireOrg(runtime: RuntimeOf, orgId: string): Promise<boolean> {
  if (await runtime.stores.tenants.getOrganization(orgId)) return true;
  process.stderr.write(`Unknown organization "${orgId}". Add it to tenants.yaml first (see README, "Tenants").\n`);
  return false;
}

async function start(): Promise<number> {
  const { config, logger } = await configAndLogger();
  // Loaded here so `ask` and `ingest` never pull in the Slack SDK.
  const { startBot } = await import('../compose.ts');
  const bot = await startBot(config, logger);
  logger.info({ ...bot.runtime.describe }, 'backends');
  if (!config.slack) logger.warn('Slack is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to receive /cloud commands (README, "Connect a Slack app").');
  logger.info(`Try it without Slack: npx cloud-companion ask --org demo "why is checkout-api slow?"`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down: finishing in-flight work');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await bot.stop();
  logger.info('stopped');
  // Work abandoned at the deadline may still hold sockets; its threads were told, so do not wait for it.
  setTimeout(() => process.exit(0), 1_000).unref();
  return 0;
}
