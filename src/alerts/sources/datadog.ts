import { z } from 'zod';
import { fingerprintOf, labelsKey, type AlertResourceRef, type AlertSeverity } from '../alert.ts';
import { isUrl, rejected, rejectedByZod, toIso, toNumber, type ParseOutcome, type WebhookPayload } from '../parse.ts';
import { resourceIdsInText, resourcesFromLabels } from '../resources.ts';

/**
 * Datadog webhooks (https://docs.datadoghq.com/integrations/webhooks/). The payload is a template
 * the user writes: Datadog's default one (`id`, `title`, `body`, `date`, `last_updated`,
 * `event_type`, `org`) works; the richer template in the README adds the `alert_*` variables, which
 * give a stable thread key ($ALERT_CYCLE_KEY), the transition, priority, metric, query and scope.
 */

/** Unset template variables arrive empty, or as the literal `$VARIABLE` on some paths. */
const text = z.string().transform((s) => (s.startsWith('$') ? '' : s.trim()));

const Payload = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  title: text.optional(),
  body: text.optional(),
  date: z.union([z.string(), z.number()]).optional(),
  last_updated: z.union([z.string(), z.number()]).optional(),
  event_type: text.optional(),
  alert_id: z.union([text, z.number()]).optional(),
  alert_cycle_key: z.union([text, z.number()]).optional(),
  alert_transition: text.optional(),
  alert_status: text.optional(),
  alert_title: text.optional(),
  alert_type: text.optional(),
  alert_priority: text.optional(),
  alert_metric: text.optional(),
  alert_query: text.optional(),
  alert_scope: text.optional(),
  hostname: text.optional(),
  tags: text.optional(),
  link: text.optional(),
}).loose();

/**
 * $EVENT_MSG wraps the monitor message in `%%%` markdown fences and keeps the notification handles
 * (`@webhook-cloud-companion`, `@slack-ops`, `@pagerduty-…`, `@someone@example.com`) that routed
 * it here: both are routing noise for a reader of the alert post.
 */
const handle = /(^|\s)@(?:(?:webhook|slack|pagerduty|opsgenie|teams|victorops|oncall|workflow|jira|servicenow|case|team|microsoft-teams)-[\w.:-]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;

export function cleanDatadogText(value: string): string {
  return value
    .replace(/%%%/g, '')
    .replace(handle, '$1')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const priorities: Record<string, AlertSeverity> = { p1: 'critical', p2: 'error', p3: 'warning', p4: 'info', p5: 'info' };
const alertTypes: Record<string, AlertSeverity> = { error: 'error', warning: 'warning', info: 'info', success: 'info' };

export function parseDatadog({ body }: WebhookPayload): ParseOutcome {
  const parsed = Payload.safeParse(body);
  if (!parsed.success) return rejectedByZod('datadog', parsed.error);
  const p = { ...parsed.data, ...(parsed.data.body ? { body: cleanDatadogText(parsed.data.body) } : {}) };
  const rawTitle = p.alert_title || p.title;
  if (!rawTitle) return rejected('datadog', 'title', 'is missing (set "title": "$EVENT_TITLE" in the webhook payload)');
  // $EVENT_TITLE reads "[Triggered] CPU high on host:web-1"; $ALERT_TRANSITION says the same alone.
  const bracket = /^\[([^\]]+)\]\s*/.exec(rawTitle);
  const transition = p.alert_transition || bracket?.[1] || '';
  if (!transition) return rejected('datadog', 'alert_transition', 'is missing, and the title has no [Triggered]/[Recovered] prefix');
  if (/^no data/i.test(transition)) return { kind: 'ignored', reason: `Datadog "${transition}" is neither firing nor resolved` };
  const resolved = /recover/i.test(transition);
  const title = rawTitle.replace(/^(\[[^\]]+\]\s*)+/, '') || rawTitle;
  // The default template's title carries the scope: "[Triggered on {host:bastion-1}] Disk usage above 90%".
  const titleScope = /\{([^}]*)\}/.exec(bracket?.[1] ?? '')?.[1];
  const scopeTags = tagMap([p.alert_scope, titleScope, p.tags].filter(Boolean).join(','));
  const resources: AlertResourceRef[] = [...resourceIdsInText(`${p.body ?? ''} ${p.alert_scope ?? ''}`), ...resourcesFromLabels(scopeTags)];
  if (p.hostname && !resources.some((r) => r.name === p.hostname)) resources.push({ type: 'datadog host', name: p.hostname });
  const cycle = p.alert_cycle_key ? String(p.alert_cycle_key) : '';
  const monitor = p.alert_id ? String(p.alert_id) : '';
  // $ALERT_CYCLE_KEY links a trigger to its recovery; without it, the monitor and its scope.
  const key = cycle || (monitor ? `${monitor}:${p.alert_scope ?? ''}` : `title:${labelsKey({ title, scope: p.alert_scope ?? '' })}`);
  const threshold = /(>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(p.alert_query ?? '');
  const thresholdValue = toNumber(threshold?.[2]);
  const when = toIso(epochSeconds(p.last_updated ?? p.date));
  const severity = priorities[(p.alert_priority ?? '').toLowerCase()] ?? alertTypes[(p.alert_type ?? '').toLowerCase()] ?? (/warn/i.test(transition) ? 'warning' : 'unknown');
  return {
    kind: 'alerts',
    alerts: [{
      source: 'datadog',
      fingerprint: fingerprintOf('datadog', key),
      status: resolved ? 'resolved' : 'firing',
      severity,
      ...(p.alert_priority || p.alert_type ? { severityRaw: p.alert_priority || p.alert_type } : {}),
      title,
      ...(p.body ? { summary: p.body.slice(0, 2000) } : {}),
      resources,
      ...(p.alert_metric ? {
        metric: { name: p.alert_metric, ...(threshold?.[1] ? { comparison: threshold[1] } : {}), ...(thresholdValue !== undefined ? { threshold: thresholdValue } : {}) },
      } : {}),
      links: isUrl(p.link) ? [{ label: 'Datadog', url: p.link }] : [],
      // Renotify and Warn repeat the current occurrence; only a (re-)trigger starts a new one.
      ...(when ? (resolved ? { endedAt: when } : /triggered/i.test(transition) ? { startedAt: when } : {}) : {}),
      raw: body,
    }],
  };
}

/** "host:web-1,service:checkout-api,env:prod" → { host: web-1, service: checkout-api, env: prod } */
function tagMap(tags: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const tag of tags.split(/[,\s]+/)) {
    const at = tag.indexOf(':');
    if (at > 0 && !(tag.slice(0, at) in map)) map[tag.slice(0, at)] = tag.slice(at + 1);
  }
  return map;
}

/** Datadog's $DATE and $LAST_UPDATED are epoch milliseconds. */
function epochSeconds(value: string | number | undefined): number | string | undefined {
  const n = toNumber(value);
  if (n === undefined) return typeof value === 'string' ? value : undefined;
  return n > 1e11 ? n / 1000 : n;
}
