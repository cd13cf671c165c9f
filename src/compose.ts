import { readFileSync } from 'node:fs';
import { createApiPlugin } from './api/plugin.ts';
import { postApprovalNotices } from './approvals/notices.ts';
import { createAlerting } from './alerts/index.ts';
import { BackgroundWork } from './background.ts';
import { ChatChannels } from './chat/port.ts';
import { startCrawlScheduler } from './crawlers/setup.ts';
import type { Config } from './config.ts';
import type { Logger } from './logging.ts';
import { fromPackageRoot } from './package-root.ts';
import { createRuntime, type Runtime, type RuntimeOverrides } from './runtime.ts';
import { startSweeper } from './sweeper.ts';
import { startTracing } from './observability/tracing.ts';
import { createHttpApp, listen, type HttpPlugin, type ServerState } from './server/http.ts';
import { createReadiness } from './server/readiness.ts';

/**
 * The composition root: the one place that wires platform adapters to the core. Nothing else in
 * src/ imports an adapter.
 */
export interface RunningBot {
  url: string;
  runtime: Runtime;
  background: BackgroundWork;
  stop(deadlineMs?: number): Promise<void>;
}

/** Without Slack settings, Slack's URL explains what is missing instead of a bare 404. */
const packageVersion = (JSON.parse(readFileSync(fromPackageRoot('package.json'), 'utf8')) as { version: string }).version;

/** How often stored work (due verifications, queued alerts) is looked for. */
const sweepIntervalMs = 60_000;

/** How often approvals whose holder's lease lapsed are looked for: well inside the one-minute click lease. */
const approvalSweepIntervalMs = 15_000;

const slackNotConfigured: HttpPlugin = {
  name: 'slack (not configured)',
  mount(app) {
    app.post('/slack/events', (_req, res) => {
      res.status(503).json({ error: 'slack_not_configured', message: 'Slack is not configured on this bot: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (see README, "Connect a Slack app").' });
    });
  },
};

/** Without Teams settings, the Bot Framework endpoint explains what is missing instead of a bare 404. */
const teamsNotConfigured: HttpPlugin = {
  name: 'teams (not configured)',
  mount(app) {
    app.post('/api/messages', (_req, res) => {
      res.status(503).json({ error: 'teams_not_configured', message: 'Microsoft Teams is not configured on this bot: set MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID (or TEAMS_ENABLED=true for unauthenticated local use); see README, "Connect Microsoft Teams".' });
    });
  },
};

export async function startBot(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<RunningBot> {
  const tracing = config.tracing ? await startTracing(config.tracing, packageVersion) : undefined;
  if (config.tracing) logger.info({ tracesUrl: config.tracing.tracesUrl, serviceName: config.tracing.serviceName }, 'OpenTelemetry tracing on');
  const runtime = await createRuntime(config, logger, overrides).catch(async (error: unknown) => {
    await tracing?.shutdown();
    throw error;
  });
  const background = new BackgroundWork(logger);
  const plugins: HttpPlugin[] = [];
  try {
    // Adapters register their chat channels here, so alerts that arrive by webhook can be posted.
    const chat = new ChatChannels();
    // Follow-ups of approved actions (the verification some minutes later) go to the request's thread.
    runtime.approvals.onNotice(postApprovalNotices(chat, logger));
    const clock = overrides.now;
    const alerting = createAlerting(config, runtime, chat, background, logger, clock ? () => clock().getTime() : undefined);
    // Each platform's SDK (Bolt, Bot Framework) loads only when that platform is configured.
    if (config.slack) {
      const { createSlackAdapter } = await import('../adapters/slack/index.ts');
      const slack = await createSlackAdapter({
        ...config.slack, installations: runtime.stores.installations, maxBodyBytes: config.maxBodyBytes, companion: runtime.companion,
        idempotency: runtime.stores.idempotency, background, logger, alerts: alerting.service,
      });
      chat.register(slack.chat);
      runtime.groups.register(slack.groups);
      plugins.push(slack);
    }
    else plugins.push(slackNotConfigured);
    if (config.teams) {
      const { createTeamsAdapter } = await import('../adapters/teams/index.ts');
      const teams = createTeamsAdapter({
        ...config.teams, maxBodyBytes: config.maxBodyBytes, companion: runtime.companion, idempotency: runtime.stores.idempotency,
        references: runtime.stores.references, tenants: runtime.stores.tenants, background, logger,
      });
      chat.register(teams.chat);
      if (teams.groups) runtime.groups.register(teams.groups);
      plugins.push(teams);
    }
    else plugins.push(teamsNotConfigured);
    plugins.push(createApiPlugin({
      companion: runtime.companion, stores: runtime.stores, limits: config.api, loginFailures: config.api.loginFailures, maxBodyBytes: config.maxBodyBytes, background, logger,
      ...(overrides.now ? { now: overrides.now } : {}),
    }));
    plugins.push(alerting.plugin);
    const state: ServerState = { draining: false };
    const readiness = createReadiness(config);
    const server = await listen(createHttpApp(runtime, plugins, { readiness, state }), config.port, config.host);
    logger.info({ bound: server.bound, url: server.url, surfaces: plugins.map((p) => p.name) },
      `Cloud Companion is listening on ${server.bound}${server.allInterfaces ? ` (every interface; from this machine: ${server.url})` : ` (${server.url})`}`);
    if (config.hostReason === 'loopback_unauthenticated') {
      logger.warn({ bound: server.bound }, 'Listening on loopback only because Teams runs without authentication (no MICROSOFT_APP_ID); set HOST to listen elsewhere on purpose.');
    }
    // Once every chat channel is registered: work left by a previous process (verifications due,
    // alerts accepted but not yet in their threads) is picked up, then looked for every minute.
    const sweepers = [
      // Approved actions a crash or an outage left between the approve write and their outcome; expiries.
      startSweeper('approvals', () => runtime.approvals.sweepApprovals(), logger, overrides.approvalSweepIntervalMs ?? approvalSweepIntervalMs),
      startSweeper('verifications', () => runtime.approvals.sweepVerifications(), logger, sweepIntervalMs),
      startSweeper('alert-inbox', () => alerting.service.sweepInbox(), logger, sweepIntervalMs),
    ];
    // Periodic crawls into the resource graph (CRAWL_INTERVAL_MINUTES / tenants.yaml crawl.intervalMinutes).
    const crawls = await startCrawlScheduler(config, runtime, logger, overrides.credentials);
    return {
      url: server.url,
      runtime,
      background,
      async stop(deadlineMs = config.shutdownDeadlineMs) {
        // Refuse new work at once (503 + Retry-After: the platforms retry, another replica answers),
        // but keep the listener so in-flight requests still get their responses.
        state.draining = true;
        for (const sweeper of sweepers) sweeper.stop();
        logger.info({ inFlight: background.size, deadlineMs }, 'shutting down: draining in-flight work');
        if (!(await background.drain(deadlineMs))) {
          const told = await background.interruptRemaining();
          logger.warn({ told }, 'unfinished work interrupted; its threads were asked to ask again');
        }
        await server.close();
        await Promise.allSettled([...plugins.map((p) => p.close?.()), readiness.close(), crawls.stop()]);
        await runtime.close();
        await tracing?.shutdown();
      },
    };
  } catch (error) {
    await runtime.close();
    await tracing?.shutdown();
    throw error;
  }
}
