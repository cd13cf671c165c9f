import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { ApiKeyAuth, organizationOfKey } from '../api/key-auth.ts';
import type { BackgroundWork } from '../background.ts';
import type { Logger } from '../logging.ts';
import type { HttpPlugin } from '../server/http.ts';
import type { AlertInbox, InboxEntry } from '../stores/alert-inbox.ts';
import type { IdempotencyStore } from '../stores/idempotency.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import { WebhookSource } from './alert.ts';
import { authenticateWebhook } from './auth.ts';
import type { AlertService } from './service.ts';
import { webhookParsers } from './sources/index.ts';

export interface AlertWebhookOptions {
  service: AlertService;
  tenants: TenantDirectory;
  idempotency: IdempotencyStore;
  /** Accepted alerts are written here before the 202, so a restart loses none. */
  inbox: AlertInbox;
  background: BackgroundWork;
  logger: Logger;
  maxBodyBytes: number;
  /** ALERT_SECRET_* values, by name, for credentials that name their secret. */
  secrets: Readonly<Record<string, string>>;
  /** Also accept an organization's HTTP API key in X-API-Key. */
  apiKeys?: ApiKeyAuth;
  now?: () => number;
}

/** SNS, PagerDuty and friends retry for minutes to hours; one day covers every retry schedule. */
const deliveryDedupeMs = 24 * 3_600_000;

/**
 * `POST /alerts/:source`: authenticate the organization, validate the payload with the source's
 * parser, answer at once (202), and post and investigate in the background. Bodies are read raw
 * (SNS sends JSON as text/plain; signatures are over the exact bytes), within the body limit.
 */
export function alertWebhookPlugin(options: AlertWebhookOptions): HttpPlugin {
  const log = options.logger.child({ surface: 'alert-webhook' });
  const router = express.Router();
  router.post('/alerts/:source', express.raw({ type: () => true, limit: options.maxBodyBytes }), (req, res, next) => {
    handle(req, res, options, log).catch(next);
  });
  return {
    name: 'alert webhooks',
    mount(app: Express) {
      app.use(router);
    },
  };
}

async function handle(req: Request, res: Response, options: AlertWebhookOptions, log: Logger): Promise<void> {
  const source = WebhookSource.safeParse(req.params.source);
  if (!source.success) {
    res.status(404).json({ error: 'unknown_alert_source', message: `Unknown alert source "${String(req.params.source)}". Use one of: ${WebhookSource.options.join(', ')}.` });
    return;
  }
  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]));
  const queryToken = typeof req.query.token === 'string' ? req.query.token : undefined;
  const auth = options.apiKeys && ApiKeyAuth.present(req)
    ? await organizationOfKey(options.apiKeys, options.tenants, req, res)
    : authenticateWebhook(await options.tenants.listOrganizations(), { source: source.data, headers, rawBody, ...(queryToken ? { queryToken } : {}) }, options.secrets, options.now);
  if (!auth.ok) {
    log.warn({ source: source.data, reason: auth.reason, ip: req.ip }, 'unauthenticated alert webhook');
    if ('retryAfterSeconds' in auth && auth.retryAfterSeconds) {
      res.status(429).set('retry-after', String(auth.retryAfterSeconds)).json({ error: 'rate_limited', message: `Too many failed API key logins; retry after ${String(auth.retryAfterSeconds)} s with a valid key.` });
      return;
    }
    // Basic first: SNS sends the credentials of its subscription URL only after a Basic challenge.
    res.status(401).set('WWW-Authenticate', 'Basic realm="cloud-companion-alerts", Bearer realm="cloud-companion-alerts"').json({ error: 'unauthenticated', message: 'message' in auth ? auth.message : 'Send the organization\'s alert token (Authorization: Bearer, basic-auth password or ?token=), the provider\'s signature, or an API key in X-API-Key (see README, "Alerts").' });
    return;
  }
  const org = auth.org;
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    res.status(400).json({ error: 'invalid_alert', source: source.data, field: '(body)', message: `${source.data} payload rejected: the body is not JSON.` });
    return;
  }
  const outcome = webhookParsers[source.data]({ body, headers });
  switch (outcome.kind) {
    case 'rejected':
      log.warn({ orgId: org.id, ...outcome.rejection }, 'alert payload rejected');
      res.status(400).json({ error: 'invalid_alert', ...outcome.rejection });
      return;
    case 'ignored':
      log.info({ orgId: org.id, source: source.data, reason: outcome.reason }, 'alert notification ignored');
      res.status(202).json({ status: 'ignored', reason: outcome.reason });
      return;
    case 'subscription':
      // Never fetched automatically: an operator confirms, so a forged confirmation cannot make the bot call out.
      log.warn({ orgId: org.id, topicArn: outcome.topicArn, subscribeUrl: outcome.subscribeUrl }, 'SNS subscription awaits confirmation: open the SubscribeURL, or run aws sns confirm-subscription');
      res.status(200).json({
        status: 'subscription_pending',
        message: `Confirm the subscription to ${outcome.topicArn}: open the SubscribeURL from the bot's log, or run \`aws sns confirm-subscription --topic-arn ${outcome.topicArn} --token <Token>\`.`,
      });
      return;
    case 'alerts':
      break;
  }
  const channel = options.service.alertChannel(org);
  if (!channel.ok) {
    log.warn({ orgId: org.id, source: source.data }, channel.message);
    res.status(409).json({ error: 'no_alert_channel', message: channel.message });
    return;
  }
  if (outcome.deliveryId && !(await options.idempotency.claim(`alerts:${org.id}:${source.data}:delivery:${outcome.deliveryId}`, deliveryDedupeMs))) {
    log.info({ orgId: org.id, source: source.data, deliveryId: outcome.deliveryId }, 'duplicate alert delivery ignored');
    res.status(200).json({ status: 'duplicate' });
    return;
  }
  if (outcome.truncated) log.warn({ orgId: org.id, source: source.data, truncated: outcome.truncated }, 'the source left alerts out of this notification');
  const entry: InboxEntry = { id: randomUUID(), orgId: org.id, source: source.data, alerts: outcome.alerts, receivedAt: (options.now ?? Date.now)() };
  try {
    await options.inbox.add(entry);
  } catch (error) {
    // Not stored, so not accepted: the provider retries (the delivery id is released for that).
    log.error({ err: error, orgId: org.id, source: source.data }, 'could not queue the alerts');
    if (outcome.deliveryId) await options.idempotency.release(`alerts:${org.id}:${source.data}:delivery:${outcome.deliveryId}`).catch(() => undefined);
    res.status(503).set('retry-after', '30').json({ error: 'store_unavailable', message: 'The alerts could not be queued; retry shortly.' });
    return;
  }
  res.status(202).json({ status: 'accepted', alerts: outcome.alerts.length });
  options.background.run('alerts.webhook', async () => {
    await options.service.deliverQueued(entry);
  });
}
