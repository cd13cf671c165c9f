import type { WebhookSource } from '../alert.ts';
import type { WebhookParser } from '../parse.ts';
import { parseAlertmanager } from './alertmanager.ts';
import { parseAzureMonitor } from './azure-monitor.ts';
import { parseCloudWatch } from './cloudwatch.ts';
import { parseDatadog } from './datadog.ts';
import { parseGcpMonitoring } from './gcp-monitoring.ts';
import { parseGrafana } from './grafana.ts';
import { parsePagerDuty } from './pagerduty.ts';

/** One parser per `POST /alerts/:source`. */
export const webhookParsers: Readonly<Record<WebhookSource, WebhookParser>> = {
  'cloudwatch': parseCloudWatch,
  'azure-monitor': parseAzureMonitor,
  'gcp-monitoring': parseGcpMonitoring,
  'alertmanager': parseAlertmanager,
  'pagerduty': parsePagerDuty,
  'datadog': parseDatadog,
  'grafana': parseGrafana,
};

export { parseChatAlert, type ChatAlertMessage } from './chat-message.ts';
