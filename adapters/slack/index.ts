import { createHash } from 'node:crypto';
import { App, ExpressReceiver, HTTPModuleFunctions, SocketModeReceiver, type ReceiverProcessEventErrorHandlerArgs, type RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AlertService } from '../../src/alerts/service.ts';
import { parseChatAlert } from '../../src/alerts/sources/index.ts';
import { interruptedText, type BackgroundWork } from '../../src/background.ts';
import type { ChatChannel } from '../../src/chat/port.ts';
import { parseCommand, helpText } from '../../src/commands.ts';
import type { Companion, Inbound } from '../../src/companion.ts';
import type { DecisionOutcome } from '../../src/approvals/service.ts';
import { describeError } from '../../src/errors.ts';
import type { Logger } from '../../src/logging.ts';
import type { RequestContext } from '../../src/request.ts';
import type { HttpPlugin } from '../../src/server/http.ts';
import { isStoreUnavailable, storeRetryAfterSeconds } from '../../src/server/unavailable.ts';
import type { IdempotencyStore } from '../../src/stores/idempotency.ts';
import type { GroupMembershipSource } from '../../src/tenancy/groups.ts';
import type { InstallationStore } from '../../src/stores/installations.ts';
import { InstallationStoreBridge, onInstalled, slackBotScopes } from './oauth.ts';
import { ChannelQueues, defaultSlackCallTimeoutMs } from './channel-queue.ts';
import { chatAlertMessage, inboundFromMessage, isAlertCandidate, MessageEnvelope } from './alert-message.ts';
import { SlackChatChannel } from './chat.ts';
import { SlackGroupMembership } from './groups.ts';
import { approveActionId, denyActionId, undoActionId } from './ids.ts';
import { AppMentionEnvelope, BlockActionPayload, inboundFromAction, inboundFromCommand, inboundFromMention, SlashCommandPayload, stripMentions } from './inbound.ts';
import { boltLogger } from './logger.ts';
import { escapeMrkdwn } from './mrkdwn.ts';
import { placeholderText, ThreadProgress } from './progress.ts';
import { decisionLine, renderReplyMessages, replaceApprovalBlocks } from './render.ts';
import { uploadReplyImages } from './uploads.ts';

export interface SlackAdapterOptions {
  /** Verifies HTTP requests; not used in Socket Mode. */
  signingSecret?: string;
  /** Socket Mode (`xapp-…`): events arrive over Slack's WebSocket instead of POST /slack/events. */
  appToken?: string;
  /** One workspace: its bot token. */
  botToken?: string;
  /** Any number of workspaces: installs through /slack/install, tokens kept in `installations`. */
  oauth?: { clientId: string; clientSecret: string; stateSecret: string };
  installations?: InstallationStore;
  /** Web API base, e.g. https://slack-gov.com/api/ for GovSlack, or a local fake in tests. */
  apiUrl?: string;
  /** Bound of one Web API attempt (SLACK_API_TIMEOUT_SECONDS; default 10 s). */
  apiTimeoutMs?: number;
  maxBodyBytes: number;
  companion: Companion;
  idempotency: IdempotencyStore;
  background: BackgroundWork;
  logger: Logger;
  /** Alert threads: integration posts in alert channels are investigated in their own thread. */
  alerts?: AlertService;
  /** Least time between progress updates of one placeholder (default 1 s, Slack's chat.update pace). */
  progressIntervalMs?: number;
}

/** The Slack surface, and the chat port the core posts alerts through. */
export interface SlackAdapter extends HttpPlugin {
  chat: ChatChannel;
  /** User-group membership, for roles granted to Slack user groups. */
  groups: GroupMembershipSource;
}

const eventDedupeTtlMs = 60 * 60 * 1000;
/** Two retries after 0.5-1 s and 1-2 s: a call costs at most three attempts of SLACK_API_TIMEOUT_SECONDS and a few seconds. */
const slackRetryConfig = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 4_000, randomize: true };
/** Longer than the window in which Bolt accepts a signed request's timestamp (5 minutes, either way). */
const commandReplayTtlMs = 15 * 60 * 1000;
const storeUnavailableText = 'I cannot take commands right now: my state store is unavailable. Try again in a minute.';

/** What names one slash command: its request signature over HTTP, its trigger id in Socket Mode. */
function commandReplayKey(signature: unknown, triggerId: unknown): string | undefined {
  if (typeof signature === 'string' && signature) return `slack:command:sig:${createHash('sha256').update(signature).digest('hex')}`;
  if (typeof triggerId === 'string' && triggerId) return `slack:command:trigger:${triggerId}`;
  return undefined;
}
/** Posted when shutdown cut an investigation short, so nobody waits for an answer that will not come. */
const maxClockSkewSeconds = 300;
/** The placeholder while every investigation slot is taken (MAX_CONCURRENT_INVESTIGATIONS). */
const queuedText = (ahead: number): string => `:hourglass: Queued${ahead > 0 ? ` behind ${ahead} other question(s)` : ': next in line'}; I will start as soon as a running investigation is done.`;

/**
 * The Slack surface: `/cloud` commands, @mentions and Approve/Deny clicks at POST /slack/events, on
 * Bolt's Express receiver (signature and replay checks included). Every handler acks at once and
 * does the work in the background, answering in the thread.
 */
export async function createSlackAdapter(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const log = options.logger.child({ adapter: 'slack' });
  if (!options.appToken && !options.signingSecret) throw new Error('Slack over HTTP needs SLACK_SIGNING_SECRET');
  const router = express.Router();
  router.post('/slack/events', rejectFutureTimestamps);
  // Every client the adapter and Bolt create posts through per-channel queues (429s wait per channel).
  // Each attempt is bounded in the transport (ChannelQueues), not with the WebClient's `timeout`, which
  // would also count the time a call waits its channel's turn or a Retry-After. A failed attempt is
  // retried twice with a short backoff (not the library's default of ten retries over 30 minutes).
  const callTimeoutMs = options.apiTimeoutMs ?? defaultSlackCallTimeoutMs;
  const apiOptions: WebClientOptions = {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    fetch: new ChannelQueues(log, undefined, undefined, callTimeoutMs).fetch,
    retryConfig: slackRetryConfig,
  };
  const receiver = options.appToken
    // Socket Mode: the same App and handlers, fed from the WebSocket; apps.connections.open goes to SLACK_API_URL too.
    ? new SocketModeReceiver({ appToken: options.appToken, logger: boltLogger(log), installerOptions: { clientOptions: apiOptions } })
    : new ExpressReceiver({
      signingSecret: options.signingSecret ?? '',
      endpoints: '/slack/events',
      router,
      bodyLimit: options.maxBodyBytes,
      logger: boltLogger(log),
      processEventErrorHandler: (args) => refuseMalformed(args, log),
      // The signature names one signed request exactly: a replay of it within Slack's 5-minute window is refused (slash commands).
      customPropertiesExtractor: (req) => ({ slackSignature: req.headers['x-slack-signature'] }),
      ...oauthOptions(options, apiOptions, log),
    });
  const app = new App({
    // With OAuth, Bolt authorizes each request from the installation store instead.
    ...(options.oauth ? {} : { token: options.botToken }),
    receiver,
    logger: boltLogger(log),
    deferInitialization: true,
    // A 429 on a channel's call waits in that channel's queue (ChannelQueues); other failures (a timeout included) are retried here.
    clientOptions: apiOptions,
  });
  /** The bot token of a workspace (`enterprise:team` key or team id); undefined in single-token mode, where the client has it. */
  const tokenFor = async (workspaceId: string | undefined): Promise<string | undefined> => {
    const installer = receiver.installer;
    if (!options.oauth || !installer) return undefined;
    const [enterpriseId, teamId] = workspaceId?.includes(':') ? workspaceId.split(':') : [undefined, workspaceId];
    const auth = await installer.authorize({ teamId: teamId || undefined, enterpriseId: enterpriseId || undefined, isEnterpriseInstall: false });
    return auth.botToken;
  };
  await app.init();
  const handlers = new SlackHandlers(options, log);

  app.command('/cloud', async ({ ack, body, client, respond, context }) => {
    await ack();
    const replayKey = commandReplayKey(context.slackSignature, body.trigger_id);
    options.background.run('slack.command', () => handlers.command(body, client, respond, replayKey), () => respond({ response_type: 'ephemeral', text: interruptedText }));
  });
  app.event('app_mention', async ({ body, client }) => {
    options.background.run('slack.mention', () => handlers.mention(body, client), async () => {
      const parsed = AppMentionEnvelope.safeParse(body);
      if (parsed.success) await client.chat.postMessage({ channel: parsed.data.event.channel, thread_ts: parsed.data.event.thread_ts ?? parsed.data.event.ts, text: interruptedText });
    });
  });
  // Alert channels: other bots' top-level posts (both shapes); Bolt's ignoreSelf already drops our own.
  app.event('message', async ({ body, context }) => {
    const alerts = options.alerts;
    if (!alerts) return;
    options.background.run('slack.alert', () => handlers.alertMessage(body, alerts, { ...(context.botId ? { botId: context.botId } : {}), ...(context.botUserId ? { botUserId: context.botUserId } : {}) }));
  });
  for (const actionId of [approveActionId, denyActionId]) {
    app.action(actionId, async ({ ack, body, client }) => {
      await ack();
      options.background.run('slack.approval', () => handlers.approval(body, client));
    });
  }
  app.action(undoActionId, async ({ ack, body, client }) => {
    await ack();
    options.background.run('slack.undo', () => handlers.undo(body, client));
  });
  app.error(async (error) => {
    log.error({ err: error }, 'Slack handler failed');
  });

  if (options.appToken) {
    // Connects (apps.connections.open, then the WebSocket's hello) before the bot says it is listening.
    await app.start();
    log.info('Slack Socket Mode connected');
  }
  return {
    name: options.appToken ? 'slack (Socket Mode)' : 'slack',
    chat: new SlackChatChannel(app.client, tokenFor, log),
    groups: new SlackGroupMembership(async (workspaceId) => (options.oauth ? new WebClient(await tokenFor(workspaceId), apiOptions) : app.client)),
    mount(http: Express) {
      if (options.appToken) {
        http.post('/slack/events', (_req, res) => {
          res.status(404).json({ error: 'slack_socket_mode', message: 'This bot receives Slack events over Socket Mode (SLACK_APP_TOKEN); there is no HTTP endpoint.' });
        });
        return;
      }
      http.use(router);
    },
    async close() {
      if (options.appToken) await app.stop();
    },
  };
}

/** Multi-workspace install: /slack/install sends the admin to Slack, /slack/oauth_redirect stores the installation and onboards. */
function oauthOptions(options: SlackAdapterOptions, apiOptions: WebClientOptions, log: Logger): Partial<ConstructorParameters<typeof ExpressReceiver>[0]> {
  if (!options.oauth) return {};
  if (!options.installations) throw new Error('Slack OAuth needs an installation store');
  return {
    clientId: options.oauth.clientId,
    clientSecret: options.oauth.clientSecret,
    stateSecret: options.oauth.stateSecret,
    scopes: slackBotScopes,
    installationStore: new InstallationStoreBridge(options.installations),
    installerOptions: {
      directInstall: true,
      installPath: '/slack/install',
      redirectUriPath: '/slack/oauth_redirect',
      clientOptions: apiOptions,
      callbackOptions: { successAsync: onInstalled({ client: new WebClient(undefined, apiOptions), companion: options.companion, logger: log }) },
    },
  };
}

/**
 * A signed body that is not an event envelope (JSON `null`, a number, a payload without its fields)
 * makes Bolt throw a TypeError before any listener runs, which it answers with a 500. It is a bad
 * request: answer 400 and keep the 500 for real failures.
 */
async function refuseMalformed(args: ReceiverProcessEventErrorHandlerArgs, log: Logger): Promise<boolean> {
  const body: unknown = (args.request as typeof args.request & { body?: unknown }).body;
  if (isStoreUnavailable(args.error) && !args.response.headersSent) {
    // e.g. the installation store cannot be read to authorize the request: Slack retries a 503.
    log.warn({ err: args.error }, 'Slack request refused with 503: a store is unavailable');
    args.response.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(storeRetryAfterSeconds) });
    args.response.end(JSON.stringify({ error: 'store_unavailable', message: 'A store is unavailable; retry shortly.' }));
    return false;
  }
  const malformed = args.error instanceof TypeError || typeof body !== 'object' || body === null || Array.isArray(body);
  if (!malformed || args.response.headersSent) return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
  log.warn({ err: args.error }, 'malformed Slack request refused');
  args.response.writeHead(400, { 'content-type': 'application/json' });
  args.response.end(JSON.stringify({ error: 'bad_request', message: 'Not a Slack event, command or interaction payload.' }));
  return false;
}

/** Bolt rejects old timestamps only; a timestamp far in the future is a replay risk too. */
function rejectFutureTimestamps(req: Request, res: Response, next: NextFunction): void {
  const ts = Number(req.header('x-slack-request-timestamp'));
  if (Number.isFinite(ts) && ts - Date.now() / 1000 > maxClockSkewSeconds) {
    res.status(401).send();
    return;
  }
  next();
}

class SlackHandlers {
  constructor(private readonly options: SlackAdapterOptions, private readonly log: Logger) {}

  // Core messages (onboarding, refusals) quote ids and names from the request: escaped, so they stay text.
  async command(body: unknown, client: WebClient, respond: RespondFn, replayKey?: string): Promise<void> {
    const parsed = SlashCommandPayload.safeParse(body);
    if (!parsed.success) {
      this.log.warn({ issues: parsed.error.issues.length }, 'malformed slash command');
      return;
    }
    const command = parsed.data;
    // Slack signs a command once; the same signed body again (a replay within the 5-minute window, on any replica) opens nothing.
    if (replayKey) {
      let first: boolean;
      try {
        first = await this.options.idempotency.claim(replayKey, commandReplayTtlMs);
      } catch (error) {
        this.log.warn({ err: error }, 'slash command refused: the idempotency store is unavailable');
        await respond({ response_type: 'ephemeral', text: storeUnavailableText });
        return;
      }
      if (!first) {
        this.log.warn({ channel: command.channel_id }, 'replayed slash command ignored');
        return;
      }
    }
    const intent = parseCommand(command.text);
    const resolution = await this.options.companion.resolveContext(inboundFromCommand(command));
    if (!resolution.ok) {
      await respond({ response_type: 'ephemeral', text: escapeMrkdwn(resolution.message) });
      return;
    }
    if (intent.kind === 'help') {
      await respond({ response_type: 'ephemeral', text: helpText });
      return;
    }
    // The question becomes the thread's parent message, so the answer and every click live in one thread.
    let parentTs: string;
    try {
      const parent = await client.chat.postMessage({
        channel: command.channel_id,
        text: `<@${command.user_id}> asked: ${escapeMrkdwn(command.text)}`,
        unfurl_links: false,
      });
      if (!parent.ts) throw new Error('Slack returned no message ts');
      parentTs = parent.ts;
    } catch (error) {
      await respond({ response_type: 'ephemeral', text: postFailureText(error) });
      return;
    }
    const context: RequestContext = { ...resolution.context, conversation: { ...resolution.context.conversation, threadId: parentTs } };
    try {
      await this.answer(context, intent, client, command.channel_id, parentTs);
    } catch (error) {
      // Slack did not take the answer even after retries: tell the asker through response_url, which needs no channel post.
      this.log.error({ err: error, channel: command.channel_id, threadTs: parentTs }, 'could not deliver an answer to Slack');
      await respond({ response_type: 'ephemeral', text: `${postFailureText(error)} (The question was: ${escapeMrkdwn(command.text)})` });
    }
  }

  async mention(body: unknown, client: WebClient): Promise<void> {
    const parsed = AppMentionEnvelope.safeParse(body);
    if (!parsed.success) {
      this.log.warn({ issues: parsed.error.issues.length }, 'malformed app_mention event');
      return;
    }
    const envelope = parsed.data;
    // Slack delivers events at least once (and retries after 3 s); the event id runs the work once.
    if (!(await this.options.idempotency.claim(`slack:event:${envelope.event_id}`, eventDedupeTtlMs))) {
      this.log.info({ eventId: envelope.event_id }, 'duplicate Slack event ignored');
      return;
    }
    const inbound: Inbound = inboundFromMention(envelope);
    const threadTs = inbound.threadId ?? envelope.event.ts;
    const resolution = await this.options.companion.resolveContext(inbound);
    if (!resolution.ok) {
      await client.chat.postMessage({ channel: envelope.event.channel, thread_ts: threadTs, text: escapeMrkdwn(resolution.message) });
      return;
    }
    try {
      await this.answer(resolution.context, parseCommand(stripMentions(envelope.event.text)), client, envelope.event.channel, threadTs);
    } catch (error) {
      // A mention has no response_url: the log is where an undelivered answer is reported.
      this.log.error({ err: error, channel: envelope.event.channel, threadTs, eventId: envelope.event_id }, 'could not deliver an answer to Slack');
      throw error;
    }
  }

  async alertMessage(body: unknown, alerts: AlertService, self: { botId?: string; botUserId?: string }): Promise<void> {
    const parsed = MessageEnvelope.safeParse(body);
    if (!parsed.success || !isAlertCandidate(parsed.data, self)) return;
    const envelope = parsed.data;
    const inbound = inboundFromMessage(envelope);
    if (!(await alerts.isAlertChannel(inbound))) return;
    if (!(await this.options.idempotency.claim(`slack:event:${envelope.event_id}`, eventDedupeTtlMs))) {
      this.log.info({ eventId: envelope.event_id }, 'duplicate Slack event ignored');
      return;
    }
    const outcome = parseChatAlert(chatAlertMessage(envelope));
    if (outcome.kind !== 'alerts') {
      this.log.warn({ eventId: envelope.event_id, channel: inbound.channelId, outcome }, 'integration post in an alert channel is not an alert');
      return;
    }
    const message = { platform: 'slack' as const, channelId: inbound.channelId, workspaceKey: inbound.workspaceKey, messageId: envelope.event.ts, threadId: envelope.event.ts };
    for (const alert of outcome.alerts) {
      const result = await alerts.channelMessage(inbound, message, alert);
      this.log.info({ eventId: envelope.event_id, fingerprint: alert.fingerprint, result }, 'alert-channel message handled');
    }
  }

  async approval(body: unknown, client: WebClient): Promise<void> {
    const parsed = BlockActionPayload.safeParse(body);
    if (!parsed.success) {
      this.log.warn({ issues: parsed.error.issues.length }, 'malformed block_actions payload');
      return;
    }
    const payload = parsed.data;
    const action = payload.actions.find((a) => a.action_id === approveActionId || a.action_id === denyActionId);
    const approvalId = z.uuid().safeParse(action?.value);
    if (!action || !approvalId.success) {
      this.log.warn('approval click without a valid approval id');
      return;
    }
    const channel = payload.channel.id;
    const ephemeral = (text: string): Promise<unknown> => client.chat.postEphemeral({ channel, user: payload.user.id, text, ...(payload.message?.thread_ts ? { thread_ts: payload.message.thread_ts } : {}) });
    // The decision never fails silently: whatever broke, the clicker is told what to do.
    let outcome: DecisionOutcome;
    try {
      const resolution = await this.options.companion.resolveContext(inboundFromAction(payload));
      if (!resolution.ok) {
        await ephemeral(escapeMrkdwn(resolution.message));
        return;
      }
      outcome = await this.options.companion.decide(resolution.context, approvalId.data, action.action_id === approveActionId ? 'approve' : 'deny');
    } catch (error) {
      this.log.error({ err: error, approvalId: approvalId.data }, 'approval click failed');
      outcome = { kind: 'unavailable', message: `I could not apply your decision (${describeError(error)}). Try again in a minute; if it was recorded after all, the result will be posted in this thread.` };
    }
    await this.showOutcome(outcome, payload, client, ephemeral).catch(async (error: unknown) => {
      this.log.error({ err: error, approvalId: approvalId.data, outcome: outcome.kind }, 'could not show the decision; telling the clicker');
      await ephemeral(escapeMrkdwn(outcomeText(outcome))).catch((again: unknown) => this.log.error({ err: again }, 'could not tell the clicker either'));
    });
  }

  /** Undo: proposes the rollback as a new request in the same thread; a refusal is for the clicker only. */
  async undo(body: unknown, client: WebClient): Promise<void> {
    const parsed = BlockActionPayload.safeParse(body);
    const approvalId = z.uuid().safeParse(parsed.data?.actions.find((a) => a.action_id === undoActionId)?.value);
    if (!parsed.success || !approvalId.success) {
      this.log.warn('undo click without a valid approval id');
      return;
    }
    const payload = parsed.data;
    const channel = payload.channel.id;
    const threadTs = payload.message?.thread_ts ?? payload.container?.message_ts ?? payload.message?.ts;
    const ephemeral = (text: string): Promise<unknown> => client.chat.postEphemeral({ channel, user: payload.user.id, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
    const resolution = await this.options.companion.resolveContext(inboundFromAction(payload));
    if (!resolution.ok) {
      await ephemeral(escapeMrkdwn(resolution.message));
      return;
    }
    const context: RequestContext = { ...resolution.context, conversation: { ...resolution.context.conversation, ...(threadTs ? { threadId: threadTs } : {}) } };
    const result = await this.options.companion.proposeRollback(context, approvalId.data);
    if (!result.ok) {
      await ephemeral(escapeMrkdwn(result.message));
      return;
    }
    if (result.existing) {
      // A second click (or a retry, on any replica): its card is already in the thread.
      await ephemeral(`The undo is already proposed in this thread (request ${escapeMrkdwn(result.approval.id)}, ${result.approval.state}).`);
      return;
    }
    const [message] = renderReplyMessages({ summary: `<@${payload.user.id}> asked to undo \`${result.approval.action.kind}\` on ${escapeMrkdwn(result.approval.action.targetName)}`, parts: [{ kind: 'approval', approval: result.approval }] });
    if (message) await client.chat.postMessage({ channel, ...(threadTs ? { thread_ts: threadTs } : {}), text: message.text, blocks: message.blocks, unfurl_links: false });
  }

  private async showOutcome(outcome: DecisionOutcome, payload: BlockActionPayload, client: WebClient, ephemeral: (text: string) => Promise<unknown>): Promise<void> {
    switch (outcome.kind) {
      case 'forbidden':
      case 'not_found':
      case 'unavailable':
        await ephemeral(escapeMrkdwn(outcome.message));
        return;
      case 'already_decided':
        await ephemeral(`This request was already handled: ${decisionLine(outcome.approval)}`);
        return;
      case 'expired':
      case 'denied':
      case 'accepted':
      case 'executed': {
        const approval = outcome.approval;
        const messageTs = payload.container?.message_ts ?? payload.message?.ts;
        if (messageTs && payload.message?.blocks) {
          const blocks = replaceApprovalBlocks(payload.message.blocks as KnownBlock[], approval);
          // A card that cannot be updated (deleted, or Slack failing) must not keep the outcome from the thread.
          await client.chat.update({ channel: payload.channel.id, ts: messageTs, text: decisionLine(approval), blocks })
            .catch((error: unknown) => this.log.warn({ err: error, approvalId: approval.id }, 'could not update the approval card; posting the outcome in the thread'));
        }
        if (outcome.kind === 'accepted') {
          const threadTs = approval.conversation.threadId ?? payload.message?.thread_ts ?? messageTs;
          await client.chat.postMessage({
            channel: payload.channel.id,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            text: `:hourglass: <@${payload.user.id}> approved \`${approval.action.kind}\` on ${escapeMrkdwn(approval.action.targetName)}. ${escapeMrkdwn(outcome.message)}`,
          });
        }
        if (outcome.kind === 'executed') {
          const threadTs = approval.conversation.threadId ?? payload.message?.thread_ts ?? messageTs;
          await client.chat.postMessage({
            channel: payload.channel.id,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            text: `${approval.state === 'succeeded' ? ':white_check_mark:' : ':x:'} <@${payload.user.id}> approved \`${approval.action.kind}\` on ${escapeMrkdwn(approval.action.targetName)}: ${escapeMrkdwn(approval.result ?? approval.state)}`,
          });
        }
        if (outcome.kind === 'expired') await ephemeral(`This approval request expired at ${escapeMrkdwn(approval.expiresAt)} before anyone decided, so nothing was run; ask again to get a fresh one.`);
        return;
      }
    }
  }

  /**
   * A placeholder in the thread at once, updated with progress as tools run, then replaced by the
   * answer; an answer too big for one message continues in further messages in the same thread.
   */
  private async answer(context: RequestContext, intent: ReturnType<typeof parseCommand>, client: WebClient, channel: string, threadTs: string): Promise<void> {
    // Take a place in line first, so the placeholder can say whether the investigation is queued.
    const live: { progress?: ThreadProgress } = {};
    let placed: () => void = () => undefined;
    const replied = this.options.companion.handle({ context, intent }, {
      onToolStart: (tool) => live.progress?.onToolStart(tool),
      onProgress: (event) => live.progress?.onProgress(event),
      ready: new Promise<void>((resolve) => { placed = resolve; }),
    });
    const queue = this.options.companion.queue;
    const inLine = queue.running + queue.waiting;
    const text = inLine > queue.limit ? queuedText(inLine - queue.limit - 1) : placeholderText;
    const placeholder = await client.chat.postMessage({ channel, thread_ts: threadTs, text, unfurl_links: false })
      .catch((error: unknown) => {
        this.log.warn({ err: error, channel }, 'placeholder post failed; the answer is posted when ready');
        return undefined;
      });
    const progress = placeholder?.ts ? new ThreadProgress(client, channel, placeholder.ts, this.log, this.options.progressIntervalMs) : undefined;
    live.progress = progress;
    placed();
    const reply = await replied;
    await progress?.finish();
    const [first, ...rest] = renderReplyMessages(reply);
    if (first && progress) await client.chat.update({ channel, ts: progress.ts, text: first.text, blocks: first.blocks });
    else if (first) await client.chat.postMessage({ channel, thread_ts: threadTs, text: first.text, blocks: first.blocks, unfurl_links: false });
    for (const message of rest) {
      await client.chat.postMessage({ channel, thread_ts: threadTs, text: message.text, blocks: message.blocks, unfurl_links: false });
    }
    // Charts and diagrams follow the answer as files in the same thread.
    await uploadReplyImages(client, channel, threadTs, reply, this.log);
  }
}

/** The decision in one line, for when the card could not be updated. */
function outcomeText(outcome: DecisionOutcome): string {
  switch (outcome.kind) {
    case 'forbidden': case 'not_found': case 'unavailable': case 'accepted': return outcome.message;
    case 'already_decided': return `This request was already handled (${outcome.approval.state}).`;
    case 'expired': return `This approval request expired at ${outcome.approval.expiresAt}; nothing was run.`;
    case 'denied': return 'Denied: nothing will run.';
    case 'executed': return `${outcome.approval.action.kind} on ${outcome.approval.action.targetName}: ${outcome.approval.state}. ${outcome.approval.result ?? ''}`;
  }
}

function postFailureText(error: unknown): string {
  const code = (error as { data?: { error?: string } }).data?.error;
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return 'I cannot post in this channel yet. Invite me with `/invite @Cloud Companion`, then ask again.';
  }
  return `I could not post the answer in this channel (${code ?? (error as Error).message}). Check the app's scopes (chat:write) and try again.`;
}
