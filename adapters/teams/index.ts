import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import express, { type Express, type Request, type Response } from 'express';
import type { BackgroundWork } from '../../src/background.ts';
import type { Companion } from '../../src/companion.ts';
import type { TeamsConfig } from '../../src/config.ts';
import type { Logger } from '../../src/logging.ts';
import type { HttpPlugin } from '../../src/server/http.ts';
import { isStoreUnavailable, storeRetryAfterSeconds } from '../../src/server/unavailable.ts';
import type { IdempotencyStore } from '../../src/stores/idempotency.ts';
import type { ConversationReferenceStore } from '../../src/stores/references.ts';
import type { ChatChannel } from '../../src/chat/port.ts';
import type { TenantDirectory } from '../../src/tenancy/directory.ts';
import type { GroupMembershipSource } from '../../src/tenancy/groups.ts';
import { TeamsChatChannel } from './chat.ts';
import { TeamsConnector } from './connector.ts';
import { TeamsHandlers } from './handlers.ts';
import { ActivityEnvelope } from './inbound.ts';
import { entraGroupMembership } from './graph-credentials.ts';
import { ReferenceBook } from './references.ts';
import { defaultRetryPolicy, type RetryPolicy } from './retry.ts';

export interface TeamsAdapterOptions extends TeamsConfig {
  maxBodyBytes: number;
  companion: Companion;
  idempotency: IdempotencyStore;
  references: ConversationReferenceStore;
  tenants: TenantDirectory;
  background: BackgroundWork;
  logger: Logger;
  retry?: RetryPolicy;
  invokeBudgetMs?: number;
}

export interface TeamsAdapter extends HttpPlugin {
  /** False when no MICROSOFT_APP_ID is set: requests are not authenticated (local use only). */
  readonly authenticated: boolean;
  /** The chat port: post into a Teams channel first (alerts), then in that post's thread. */
  readonly chat: ChatChannel;
  /** Entra group membership through Microsoft Graph; absent without an app id (no credential to ask Graph with). */
  readonly groups?: GroupMembershipSource;
}

/**
 * The Microsoft Teams surface at POST /api/messages: botbuilder's CloudAdapter with
 * ConfigurationBotFrameworkAuthentication. Every botbuilder import stays in adapters/teams/, so the
 * move to the Microsoft 365 Agents SDK (the Bot Framework SDK is archived) is this one folder.
 */
export function createTeamsAdapter(options: TeamsAdapterOptions): TeamsAdapter {
  const log = options.logger.child({ adapter: 'teams' });
  const auth = new ConfigurationBotFrameworkAuthentication(authSettings(options));
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (_context, error) => {
    log.error({ err: error }, 'Teams turn failed');
    // A 500 lets the connector deliver the activity again; the activity id keeps that from answering twice.
    throw error;
  };
  const authenticated = Boolean(options.appId);
  if (!authenticated) {
    log.warn('TEAMS IS RUNNING WITHOUT AUTHENTICATION: no MICROSOFT_APP_ID is set, so /api/messages accepts any caller as any Teams user and replies to any serviceUrl. Use this only on your own machine or in tests; set MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID anywhere else.');
  }
  const connector = new TeamsConnector(adapter, options.appId ?? '', options.retry ?? defaultRetryPolicy, log);
  const references = new ReferenceBook(options.references);
  const handlers = new TeamsHandlers({
    companion: options.companion,
    idempotency: options.idempotency,
    background: options.background,
    connector,
    references,
    logger: log,
    invokeBudgetMs: options.invokeBudgetMs ?? 8_000,
  });

  /**
   * Tokens are checked here first so every failure is a 401 with a log line: botbuilder itself turns
   * some bad tokens (a wrong signature) into a 500. CloudAdapter then checks again (keys are cached).
   */
  async function messages(req: Request, res: Response): Promise<void> {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      res.status(400).json({ error: 'bad_request', message: 'Expected a Bot Framework activity as a JSON object.' });
      return;
    }
    if (authenticated) {
      try {
        await auth.authenticateRequest(req.body as Activity, req.header('authorization') ?? '');
      } catch (error) {
        log.warn({ reason: (error as Error).message }, 'Teams request refused: no valid Bot Framework token');
        res.status(401).json({ error: 'unauthorized', message: 'A valid Bot Framework token is required.' });
        return;
      }
    }
    const envelope = ActivityEnvelope.safeParse(req.body);
    if (!envelope.success) {
      log.warn({ issues: envelope.error.issues.length }, 'malformed Teams activity refused');
      res.status(400).json({ error: 'bad_request', message: `Not a valid Bot Framework activity: ${envelope.error.issues[0]?.path.join('.') || '(body)'} ${envelope.error.issues[0]?.message ?? ''}`.trim() });
      return;
    }
    // A turn that failed because a store is down answers 503 + Retry-After (CloudAdapter would say 500): the connector retries it.
    let storeDown = false;
    const status = res.status.bind(res);
    res.status = (code: number) => {
      if (code !== 500 || !storeDown) return status(code);
      res.set('retry-after', String(storeRetryAfterSeconds));
      return status(503);
    };
    await adapter.process(req, res, async (context) => {
      try {
        await handlers.turn(context);
      } catch (error) {
        storeDown = isStoreUnavailable(error);
        throw error;
      }
    });
  }

  return {
    name: authenticated ? 'teams' : 'teams (UNAUTHENTICATED)',
    authenticated,
    chat: new TeamsChatChannel(connector, references, options.tenants),
    ...(groupSourceOf(options)),
    mount(app: Express) {
      app.post('/api/messages', express.json({ limit: options.maxBodyBytes }), messages);
    },
  };
}

/**
 * The public cloud's endpoints (botframework-connector AuthenticationConstants). Setting any one
 * endpoint switches botbuilder to "every endpoint is given" mode, leaving the others empty, so a
 * custom metadata URL comes with all the defaults spelled out.
 */
const publicCloud = {
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: 'urn:botframework:azure',
  ValidateAuthority: true,
};

function authSettings(options: TeamsConfig): ConfigurationBotFrameworkAuthenticationOptions {
  if (!options.appId) return {};
  return {
    MicrosoftAppId: options.appId,
    MicrosoftAppType: options.appType,
    ...(options.appPassword ? { MicrosoftAppPassword: options.appPassword } : {}),
    ...(options.appTenantId ? { MicrosoftAppTenantId: options.appTenantId } : {}),
    ...(options.openIdMetadataUrl ? { ...publicCloud, ToBotFromChannelOpenIdMetadataUrl: options.openIdMetadataUrl } : {}),
  };
}

function groupSourceOf(options: TeamsConfig): { groups?: GroupMembershipSource } {
  const groups = entraGroupMembership(options);
  return groups ? { groups } : {};
}
