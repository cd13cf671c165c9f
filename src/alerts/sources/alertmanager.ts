import { z } from 'zod';
import { fingerprintOf, labelsKey, type Alert, type AlertLink, type AlertMetric, type AlertSeverity, type AlertSource } from '../alert.ts';
import { firstText, isUrl, rejectedByZod, toIso, toNumber, type ParseOutcome, type WebhookPayload } from '../parse.ts';
import { resourcesFromLabels } from '../resources.ts';

/**
 * Prometheus Alertmanager webhook, version "4" (prometheus/alertmanager notify/webhook/webhook.go,
 * template/template.go): one notification per alert group, every alert with its own status and
 * fingerprint. Grafana Alerting sends the same shape with extra fields (see grafana.ts).
 */

const Labels = z.record(z.string(), z.string());

export const GroupedAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: Labels.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
}).loose();
export type GroupedAlert = z.infer<typeof GroupedAlert>;

export const AlertGroup = z.object({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  receiver: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z.array(GroupedAlert).min(1),
  groupLabels: Labels.default({}),
  commonLabels: Labels.default({}),
  commonAnnotations: Labels.default({}),
  externalURL: z.string().optional(),
}).loose();

/**
 * An alert without its own `status` takes the group's: Alertmanager always sets both, but senders
 * that speak the webhook format (older Alertmanager forks, hand-written relays, docs samples) often
 * give only the group's. A status of neither is still refused, naming the alert.
 */
export function withGroupStatus(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const group = body as { status?: unknown; alerts?: unknown };
  if (typeof group.status !== 'string' || !Array.isArray(group.alerts)) return body;
  const status = group.status;
  return {
    ...group,
    alerts: group.alerts.map((a: unknown) => (typeof a === 'object' && a !== null && !Array.isArray(a) && (a as { status?: unknown }).status === undefined ? { ...a, status } : a)),
  };
}

export function parseAlertmanager({ body }: WebhookPayload): ParseOutcome {
  const parsed = AlertGroup.safeParse(withGroupStatus(body));
  if (!parsed.success) return rejectedByZod('alertmanager', parsed.error);
  const group = parsed.data;
  return {
    kind: 'alerts',
    alerts: group.alerts.map((a) => groupedAlert('alertmanager', a, group.externalURL, prometheusMetric(a))),
    ...(group.truncatedAlerts ? { truncated: group.truncatedAlerts } : {}),
  };
}

/** One alert of a group, common to Alertmanager and Grafana. */
export function groupedAlert(source: AlertSource, alert: GroupedAlert, externalURL: string | undefined, metric: AlertMetric | undefined, extraLinks: AlertLink[] = []): Alert {
  const { labels, annotations } = alert;
  const links: AlertLink[] = [];
  if (isUrl(alert.generatorURL)) links.push({ label: 'Source', url: alert.generatorURL });
  for (const key of ['runbook_url', 'dashboard', 'dashboard_url']) {
    const url = annotations[key];
    if (isUrl(url)) links.push({ label: key === 'runbook_url' ? 'Runbook' : 'Dashboard', url });
  }
  links.push(...extraLinks);
  if (isUrl(externalURL) && links.length === 0) links.push({ label: source === 'grafana' ? 'Grafana' : 'Alertmanager', url: externalURL });
  const severityRaw = labels.severity ?? labels.priority;
  const startedAt = toIso(alert.startsAt);
  const endedAt = alert.status === 'resolved' ? toIso(alert.endsAt) : undefined;
  const summary = annotations.description ?? annotations.message ?? (annotations.summary && annotations.summary !== title(alert) ? annotations.summary : undefined);
  return {
    source,
    // The fingerprint hashes the label set: the same alert has it on every repeat and on resolve.
    fingerprint: fingerprintOf(source, alert.fingerprint ?? labelsKey(labels)),
    status: alert.status,
    severity: severityOf(severityRaw),
    ...(severityRaw ? { severityRaw } : {}),
    title: title(alert),
    ...(summary ? { summary } : {}),
    resources: resourcesFromLabels(labels),
    ...(metric ? { metric } : {}),
    links,
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    raw: alert,
  };
}

function title(alert: GroupedAlert): string {
  return firstText(alert.annotations.summary, alert.annotations.title, alert.labels.alertname) ?? 'Unnamed alert';
}

/** The conventional `severity` label, in the words teams use. */
export function severityOf(value: string | undefined): AlertSeverity {
  const v = (value ?? '').toLowerCase();
  if (['critical', 'page', 'p1', 'fatal', 'emergency', 'disaster'].includes(v)) return 'critical';
  if (['error', 'high', 'major', 'p2'].includes(v)) return 'error';
  if (['warning', 'warn', 'medium', 'minor', 'p3', 'average'].includes(v)) return 'warning';
  if (['info', 'informational', 'low', 'none', 'p4', 'p5', 'notice'].includes(v)) return 'info';
  return 'unknown';
}

const promqlWords = new Set(['sum', 'avg', 'min', 'max', 'count', 'rate', 'irate', 'increase', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'histogram_quantile', 'abs', 'absent', 'delta', 'deriv', 'topk', 'bottomk', 'quantile', 'stddev', 'le']);

/**
 * The metric and threshold of a Prometheus rule, read from the expression in its generatorURL
 * (`/graph?g0.expr=…`): the first metric name, and a trailing comparison with a number.
 */
export function prometheusMetric(alert: GroupedAlert): AlertMetric | undefined {
  const expr = exprOf(alert.generatorURL);
  const valueAnnotation = toNumber(alert.annotations.value);
  if (!expr) return undefined;
  const withoutSelectors = expr.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  const name = [...withoutSelectors.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .find((m) => !m[2] && !promqlWords.has(m[1]?.toLowerCase() ?? ''))?.[1];
  if (!name) return undefined;
  const comparison = /(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i.exec(expr.trim());
  const threshold = toNumber(comparison?.[2]);
  return {
    name,
    ...(comparison?.[1] ? { comparison: comparison[1] } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(valueAnnotation !== undefined ? { observed: valueAnnotation } : {}),
  };
}

function exprOf(generatorURL: string | undefined): string | null {
  if (!generatorURL) return null;
  try {
    return new URL(generatorURL).searchParams.get('g0.expr');
  } catch {
    return null;
  }
}
