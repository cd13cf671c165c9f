import { z } from 'zod';
import { fingerprintOf, type AlertSeverity } from '../alert.ts';
import { isUrl, rejectedByZod, toIso, type ParseOutcome, type WebhookPayload } from '../parse.ts';

/**
 * PagerDuty V3 webhook subscriptions (PagerDuty/developer-docs docs/webhooks/01-Overview.md,
 * 02-Behavior.md): one event per request; incident events carry the incident in `event.data`.
 * Retries of one delivery share the `X-Webhook-Id` header.
 */

const Incident = z.object({
  id: z.string().min(1),
  type: z.literal('incident'),
  title: z.string().min(1),
  html_url: z.string().optional(),
  number: z.number().optional(),
  status: z.enum(['triggered', 'acknowledged', 'resolved']).optional(),
  incident_key: z.string().nullish(),
  created_at: z.string().optional(),
  service: z.object({ id: z.string().optional(), summary: z.string().optional(), html_url: z.string().optional() }).loose().nullish(),
  priority: z.object({ summary: z.string().optional() }).loose().nullish(),
  urgency: z.enum(['high', 'low']).optional(),
}).loose();

const Event = z.object({
  event: z.object({
    id: z.string().min(1),
    event_type: z.string().min(1),
    resource_type: z.string().optional(),
    occurred_at: z.string().optional(),
    data: z.unknown(),
  }).loose(),
});

// An unacknowledged incident (ack timed out) is the same occurrence still firing: nothing new to say.
const firing = new Set(['incident.triggered', 'incident.reopened']);
const priorities: Record<string, AlertSeverity> = { p1: 'critical', p2: 'error', p3: 'warning', p4: 'info', p5: 'info' };

export function parsePagerDuty({ body, headers }: WebhookPayload): ParseOutcome {
  const parsed = Event.safeParse(body);
  if (!parsed.success) return rejectedByZod('pagerduty', parsed.error);
  const event = parsed.data.event;
  const resolved = event.event_type === 'incident.resolved';
  if (!firing.has(event.event_type) && !resolved) return { kind: 'ignored', reason: `PagerDuty ${event.event_type} is not a trigger or a resolve` };
  const incident = Incident.safeParse(event.data);
  if (!incident.success) return rejectedByZod('pagerduty', incident.error, 'event.data');
  const data = incident.data;
  const priority = data.priority?.summary;
  const severity = priorities[(priority ?? '').toLowerCase()] ?? (data.urgency === 'high' ? 'error' : data.urgency === 'low' ? 'warning' : 'unknown');
  const at = toIso(event.occurred_at);
  const started = toIso(data.created_at);
  const deliveryId = headers['x-webhook-id'];
  return {
    kind: 'alerts',
    alerts: [{
      source: 'pagerduty',
      fingerprint: fingerprintOf('pagerduty', data.id),
      status: resolved ? 'resolved' : 'firing',
      severity,
      ...(priority ?? data.urgency ? { severityRaw: priority ?? `${data.urgency} urgency` } : {}),
      title: data.title,
      ...(data.service?.summary ? { summary: `Service: ${data.service.summary}` } : {}),
      // PagerDuty names a service, not a cloud resource; teams usually name the service after it.
      resources: data.service?.summary ? [{ type: 'pagerduty service', name: data.service.summary }] : [],
      links: isUrl(data.html_url) ? [{ label: `PagerDuty #${data.number ?? data.id}`, url: data.html_url }] : [],
      ...occurrence(event.event_type, started, at),
      raw: body,
    }],
    ...(deliveryId ? { deliveryId } : {}),
  };
}

/** A trigger starts at the incident's creation; a reopen is a new occurrence of the same incident. */
function occurrence(eventType: string, createdAt: string | undefined, at: string | undefined): { startedAt?: string; endedAt?: string } {
  if (eventType === 'incident.resolved') return at ? { endedAt: at } : {};
  const startedAt = eventType === 'incident.triggered' ? createdAt ?? at : at;
  return startedAt ? { startedAt } : {};
}
