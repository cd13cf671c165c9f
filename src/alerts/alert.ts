import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The core's alert: what every source (webhook payload or a message an alerting integration posted
 * in a channel) is normalised to before anything is posted or investigated.
 */

/** Webhook sources, as named in `POST /alerts/:source`. */
export const WebhookSource = z.enum(['cloudwatch', 'azure-monitor', 'gcp-monitoring', 'alertmanager', 'pagerduty', 'datadog', 'grafana']);
export type WebhookSource = z.infer<typeof WebhookSource>;

/** Every origin of an alert: the webhooks, AWS Chatbot / Amazon Q posts, any other alert-channel message, and the HTTP API. */
export const AlertSource = z.enum([...WebhookSource.options, 'aws-chatbot', 'chat-message', 'api']);
export type AlertSource = z.infer<typeof AlertSource>;

export const AlertStatus = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** Severity on one scale; `severityRaw` keeps the source's own word (Sev2, P1, Critical…). */
export const AlertSeverity = z.enum(['critical', 'error', 'warning', 'info', 'unknown']);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

/**
 * A resource the alert concerns, in the provider's own id form (ARN, Azure resource id, GCP full
 * resource name) when the payload allows one, else a name to look up.
 */
export const AlertResourceRef = z.object({
  provider: z.enum(['aws', 'azure', 'gcp']).optional(),
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  /** The source's own type word: `AWS/EC2 InstanceId`, `Microsoft.Compute/virtualMachines`, `gce_instance`… */
  type: z.string().optional(),
});
export type AlertResourceRef = z.infer<typeof AlertResourceRef>;

export const AlertMetric = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  statistic: z.string().optional(),
  unit: z.string().optional(),
  threshold: z.number().optional(),
  /** The source's comparison, e.g. GreaterThanThreshold, GreaterThan, COMPARISON_GT, `>`. */
  comparison: z.string().optional(),
  /** The value that crossed the threshold, when the payload says. */
  observed: z.number().optional(),
});
export type AlertMetric = z.infer<typeof AlertMetric>;

export const AlertLink = z.object({ label: z.string(), url: z.string() });
export type AlertLink = z.infer<typeof AlertLink>;

export const Alert = z.object({
  source: AlertSource,
  /** Stable across deliveries and across firing → resolved of one alert: the thread key. */
  fingerprint: z.string().min(1).max(300),
  status: AlertStatus,
  severity: AlertSeverity,
  severityRaw: z.string().optional(),
  title: z.string().min(1),
  summary: z.string().optional(),
  resources: z.array(AlertResourceRef),
  metric: AlertMetric.optional(),
  links: z.array(AlertLink),
  /** When this firing began (ISO); a different value for the same fingerprint is a new occurrence. */
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** The part of the payload this alert came from, for an agent that wants more than the fields above. */
  raw: z.unknown(),
});
export type Alert = z.infer<typeof Alert>;

/** `source:key`, hashed when the key is too long to be a readable store key. */
export function fingerprintOf(source: AlertSource, key: string): string {
  const full = `${source}:${key}`;
  return full.length <= 200 ? full : `${source}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** A stable key from a label set, for sources that send no fingerprint of their own. */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels).sort().map((k) => `${k}=${labels[k] ?? ''}`).join('\u0000');
  return createHash('sha256').update(sorted).digest('hex').slice(0, 32);
}

const severityIcon: Record<AlertSeverity, string> = { critical: '🔥', error: '🔥', warning: '⚠️', info: 'ℹ️', unknown: '🔥' };

/** One line a person reads first: icon, state and title. */
export function alertHeadline(alert: Alert): string {
  return alert.status === 'resolved' ? `✅ Resolved: ${alert.title}` : `${severityIcon[alert.severity]} ${alert.title}`;
}

export function describeMetric(metric: AlertMetric): string {
  const stat = metric.statistic ? `${metric.statistic.toLowerCase()} ` : '';
  const threshold = metric.threshold !== undefined ? ` ${comparisonWord(metric.comparison)} ${metric.threshold}${metric.unit ? ` ${metric.unit}` : ''}` : '';
  const observed = metric.observed !== undefined ? ` (observed ${metric.observed})` : '';
  return `${stat}${metric.name}${threshold}${observed}`;
}

function comparisonWord(comparison: string | undefined): string {
  const c = (comparison ?? '').toLowerCase();
  if (/lessthanorequal|le$|<=|comparison_le/.test(c)) return '≤';
  if (/greaterthanorequal|ge$|>=|comparison_ge/.test(c)) return '≥';
  if (/less|lt$|<|comparison_lt/.test(c)) return '<';
  if (/greater|gt$|>|comparison_gt/.test(c)) return '>';
  return 'vs threshold';
}

export function describeResourceRef(ref: AlertResourceRef): string {
  return ref.id ?? ref.name ?? 'unnamed resource';
}

/**
 * The alert as one question-like text: what the conversation history records, and what an LLM
 * investigator can start from.
 */
export function alertAsText(alert: Alert): string {
  const lines = [`Alert ${alert.status} from ${alert.source}: ${alert.title} (severity ${alert.severityRaw ?? alert.severity}).`];
  if (alert.summary) lines.push(alert.summary);
  if (alert.resources.length) lines.push(`Resources: ${alert.resources.map(describeResourceRef).join(', ')}.`);
  if (alert.metric) lines.push(`Metric: ${describeMetric(alert.metric)}.`);
  return lines.join('\n');
}
