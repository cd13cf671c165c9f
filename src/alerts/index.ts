import { ApiKeyAuth } from '../api/key-auth.ts';
import type { BackgroundWork } from '../background.ts';
import type { ChatChannels } from '../chat/port.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import type { Runtime } from '../runtime.ts';
import type { HttpPlugin } from '../server/http.ts';
import { AlertService } from './service.ts';
import { alertWebhookPlugin } from './webhook.ts';

export interface Alerting {
  /** The lifecycle both ways in share; adapters hand it alert-channel messages. */
  service: AlertService;
  /** `POST /alerts/:source`. */
  plugin: HttpPlugin;
}

/** Alert threads for one running bot: posts go through the chat channels the adapters register. */
export function createAlerting(config: Config, runtime: Runtime, chat: ChatChannels, background: BackgroundWork, logger: Logger, now?: () => number): Alerting {
  const service = new AlertService({
    companion: runtime.companion, tenants: runtime.stores.tenants, threads: runtime.stores.alertThreads, storms: runtime.stores.alertStorms, inbox: runtime.stores.alertInbox,
    chat, settings: config.alerts, logger: logger.child({ component: 'alerts' }), ...(now ? { now } : {}),
  });
  const plugin = alertWebhookPlugin({
    service, tenants: runtime.stores.tenants, idempotency: runtime.stores.idempotency, inbox: runtime.stores.alertInbox, background, logger,
    maxBodyBytes: config.maxBodyBytes, secrets: config.alerts.secrets, ...(now ? { now } : {}),
    apiKeys: new ApiKeyAuth({ stores: runtime.stores, background, logger, loginFailures: config.api.loginFailures, ...(now ? { now: () => new Date(now()) } : {}) }),
  });
  return { service, plugin };
}
