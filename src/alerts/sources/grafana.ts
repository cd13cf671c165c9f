import { z } from 'zod';
import type { AlertLink, AlertMetric } from '../alert.ts';
import { isUrl, rejectedByZod, toNumber, type ParseOutcome, type WebhookPayload } from '../parse.ts';
import { AlertGroup, GroupedAlert, groupedAlert, withGroupStatus } from './alertmanager.ts';

/**
 * Grafana Alerting webhook contact points (grafana/alerting receivers/webhook/v1/webhook.go): the
 * Alertmanager shape with `version: "1"`, `orgId`, `title`, `state`, `message`, and per alert
 * `values`, `valueString`, `dashboardURL`, `panelURL`, `silenceURL`.
 */

const GrafanaAlert = GroupedAlert.extend({
  values: z.record(z.string(), z.number().nullable()).nullish(),
  valueString: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  silenceURL: z.string().optional(),
});

const GrafanaGroup = AlertGroup.extend({
  alerts: z.array(GrafanaAlert).min(1),
  orgId: z.number().optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
});

export function parseGrafana({ body }: WebhookPayload): ParseOutcome {
  const parsed = GrafanaGroup.safeParse(withGroupStatus(body));
  if (!parsed.success) return rejectedByZod('grafana', parsed.error);
  const group = parsed.data;
  return {
    kind: 'alerts',
    alerts: group.alerts.map((a) => {
      const links: AlertLink[] = [];
      if (isUrl(a.panelURL)) links.push({ label: 'Panel', url: a.panelURL });
      else if (isUrl(a.dashboardURL)) links.push({ label: 'Dashboard', url: a.dashboardURL });
      return groupedAlert('grafana', a, group.externalURL, grafanaMetric(a), links);
    }),
    ...(group.truncatedAlerts ? { truncated: group.truncatedAlerts } : {}),
  };
}

/**
 * Grafana reports the query and expression results by ref id (`{"B": 44.2, "C": 1}`); the last ref
 * is usually the threshold condition (0/1), so the observed value is the first other one. The
 * metric's name is not in the payload; a `metric` label or annotation supplies it when set.
 */
function grafanaMetric(alert: z.infer<typeof GrafanaAlert>): AlertMetric | undefined {
  const name = alert.labels.metric ?? alert.annotations.metric ?? alert.labels.__name__;
  const entries = Object.entries(alert.values ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number');
  const observed = entries.length > 1 ? entries.slice(0, -1)[0]?.[1] : entries[0]?.[1];
  const threshold = toNumber(alert.annotations.threshold ?? alert.labels.threshold);
  if (!name) return undefined;
  return { name, ...(observed !== undefined ? { observed } : {}), ...(threshold !== undefined ? { threshold } : {}) };
}
