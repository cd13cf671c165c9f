import type { Reply, ReplyPart } from '../reply.ts';
import type { AlertRecord } from '../stores/alert-threads.ts';
import type { SuppressedAlert } from '../stores/alert-storms.ts';
import { alertHeadline, describeMetric, describeResourceRef, type Alert } from './alert.ts';

/**
 * What the bot posts about an alert, platform-neutral: the parent message of a webhook alert's
 * thread, the notes in the thread, and the storm summary.
 */

export function alertParent(alert: Alert, record?: AlertRecord): Reply {
  const headline = alertHeadline(alert);
  const facts = [
    { label: 'Status', value: alert.status === 'firing' ? `Firing${alert.startedAt ? ` since ${clock(alert.startedAt)}` : ''}` : `Resolved${alert.endedAt ? ` at ${clock(alert.endedAt)}` : ''}` },
    { label: 'Severity', value: alert.severityRaw ? `${alert.severity} (${alert.severityRaw})` : alert.severity },
    { label: 'Source', value: alert.source },
    ...(alert.resources.length ? [{ label: alert.resources.length > 1 ? 'Resources' : 'Resource', value: alert.resources.slice(0, 5).map(describeResourceRef).join('\n') }] : []),
    ...(alert.metric ? [{ label: 'Metric', value: describeMetric(alert.metric) }] : []),
    ...(record && record.fired > 1 ? [{ label: 'Fired', value: `${record.fired} times` }] : []),
  ];
  const parts: ReplyPart[] = [{ kind: 'text', markdown: `*${headline}*${alert.summary ? `\n${firstLines(alert.summary)}` : ''}` }, { kind: 'facts', facts }];
  if (alert.links.length) parts.push({ kind: 'text', markdown: alert.links.slice(0, 4).map((l) => `${l.label}: ${l.url}`).join('\n') });
  parts.push({ kind: 'status', text: alert.status === 'firing' ? 'Cloud Companion is investigating in the thread.' : 'Resolved; the investigation stays in the thread.', degraded: [] });
  return { summary: headline, parts };
}

/** The placeholder an alert's thread gets at once, replaced by the investigation's answer. */
export function investigatingNote(alert: Alert): string {
  return `🔎 Investigating ${alert.title}…`;
}

export function firedAgainNote(alert: Alert, record: AlertRecord): string {
  const when = alert.startedAt ? ` at ${clock(alert.startedAt)}` : '';
  const metric = alert.metric?.observed !== undefined ? ` (${alert.metric.name} ${alert.metric.observed})` : '';
  return `🔁 Fired again${when}${metric}: occurrence ${record.fired}. Not investigating again; the findings above still apply, ask me here for a fresh look.`;
}

export function resolvedNote(alert: Alert): string {
  return `✅ Resolved${alert.endedAt ? ` at ${clock(alert.endedAt)}` : ''} (${alert.source}).`;
}

export function stormSummary(entries: readonly SuppressedAlert[], limit: number, windowSeconds: number): Reply {
  const shown = entries.slice(0, 40).map((e) => `• ${e.line}`);
  const more = entries.length > shown.length ? [`…and ${entries.length - shown.length} more`] : [];
  const summary = `⚠️ Alert storm: ${entries.length} more alert(s) than I investigate at once`;
  return {
    summary,
    parts: [
      { kind: 'text', markdown: `*${summary}*\nMore than ${limit} new alerts arrived within ${windowSeconds} s, so I am not investigating these automatically (mention me in a thread to look at one):\n${[...shown, ...more].join('\n')}` },
    ],
  };
}

export function stormLine(alert: Alert): string {
  return `${alertHeadline(alert)} (${alert.source}${alert.resources[0] ? `, ${describeResourceRef(alert.resources[0])}` : ''})`;
}

function firstLines(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim()).slice(0, 3).join('\n');
  return lines.length > 600 ? `${lines.slice(0, 599)}…` : lines;
}

/** "2025-01-14 10:42 UTC": every reader sees the same time, whatever their zone. */
function clock(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
