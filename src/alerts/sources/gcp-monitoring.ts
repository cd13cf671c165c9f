import { z } from 'zod';
import { fingerprintOf, type AlertLink, type AlertSeverity } from '../alert.ts';
import { firstText, isUrl, rejectedByZod, toIso, toNumber, type ParseOutcome, type WebhookPayload } from '../parse.ts';
import { gcpResourceRef } from '../resources.ts';

/**
 * Google Cloud Monitoring webhook notification channels, schema version 1.2: one `incident` per
 * request (https://cloud.google.com/monitoring/support/notification-options#webhooks).
 */

const Incident = z.object({
  incident_id: z.string().min(1),
  // "open" / "closed"; the console's test notification sends "OPEN".
  state: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['open', 'closed'])),
  policy_name: z.string().optional(),
  condition_name: z.string().optional(),
  summary: z.string().optional(),
  url: z.string().optional(),
  started_at: z.number().nullish(),
  ended_at: z.number().nullish(),
  severity: z.string().nullish(),
  observed_value: z.union([z.string(), z.number()]).nullish(),
  threshold_value: z.union([z.string(), z.number()]).nullish(),
  scoping_project_id: z.string().optional(),
  resource: z.object({ type: z.string(), labels: z.record(z.string(), z.string()).default({}) }).nullish(),
  resource_display_name: z.string().nullish(),
  resource_name: z.string().nullish(),
  metric: z.object({ type: z.string(), displayName: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }).nullish(),
  // An object in real notifications, a plain string in the documented test payload.
  documentation: z.union([z.string(), z.object({ content: z.string().optional(), subject: z.string().optional() }).loose()]).nullish(),
  condition: z.object({
    displayName: z.string().optional(),
    conditionThreshold: z.object({ comparison: z.string().optional(), thresholdValue: z.number().optional() }).loose().optional(),
  }).loose().nullish(),
}).loose();

const Notification = z.object({ version: z.string().optional(), incident: Incident });

const severities: Record<string, AlertSeverity> = { critical: 'critical', error: 'error', warning: 'warning', info: 'info' };

export function parseGcpMonitoring({ body }: WebhookPayload): ParseOutcome {
  const parsed = Notification.safeParse(body);
  if (!parsed.success) return rejectedByZod('gcp-monitoring', parsed.error);
  const incident = parsed.data.incident;
  const closed = incident.state === 'closed';
  const displayName = incident.resource_display_name ?? incident.resource_name ?? undefined;
  const resources = incident.resource ? [gcpResourceRef(incident.resource.type, incident.resource.labels, displayName)] : displayName ? [{ provider: 'gcp' as const, name: displayName }] : [];
  const threshold = toNumber(incident.threshold_value) ?? incident.condition?.conditionThreshold?.thresholdValue;
  const observed = toNumber(incident.observed_value);
  const documentation = typeof incident.documentation === 'string' ? incident.documentation : incident.documentation?.content;
  const links: AlertLink[] = isUrl(incident.url) ? [{ label: 'Cloud Monitoring incident', url: incident.url }] : [];
  const startedAt = toIso(incident.started_at ?? undefined);
  const endedAt = toIso(incident.ended_at ?? undefined);
  const comparison = incident.condition?.conditionThreshold?.comparison;
  const summary = [incident.summary, documentation].filter((s): s is string => Boolean(s)).join('\n');
  return {
    kind: 'alerts',
    alerts: [{
      source: 'gcp-monitoring',
      fingerprint: fingerprintOf('gcp-monitoring', incident.incident_id),
      status: closed ? 'resolved' : 'firing',
      severity: severities[(incident.severity ?? '').toLowerCase()] ?? 'unknown',
      ...(incident.severity ? { severityRaw: incident.severity } : {}),
      title: firstText(incident.policy_name, incident.condition_name, incident.summary) ?? `Incident ${incident.incident_id}`,
      ...(summary ? { summary } : {}),
      resources,
      ...(incident.metric ? {
        metric: {
          name: incident.metric.type,
          ...(comparison ? { comparison } : {}),
          ...(threshold !== undefined ? { threshold } : {}),
          ...(observed !== undefined ? { observed } : {}),
        },
      } : {}),
      links,
      ...(startedAt ? { startedAt } : {}),
      ...(closed && endedAt ? { endedAt } : {}),
      raw: body,
    }],
  };
}
