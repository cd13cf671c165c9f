import type { z } from 'zod';
import type { Alert, AlertSource } from './alert.ts';

/** Why a payload was refused: the source and the field, so whoever set the integration up can fix it. */
export interface AlertRejection {
  source: AlertSource;
  /** Path of the offending field in the payload, e.g. `alerts[0].labels` or `data.essentials.alertId`. */
  field: string;
  message: string;
}

export type ParseOutcome =
  | { kind: 'alerts'; alerts: Alert[]; /** The source's delivery id (SNS MessageId, X-Webhook-Id): retries of one delivery share it. */ deliveryId?: string; /** Alerts the source left out of this payload (Alertmanager max_alerts). */ truncated?: number }
  /** A well-formed payload that is not an alert state change (an acknowledgement, a test ping…). */
  | { kind: 'ignored'; reason: string }
  /** SNS asks to confirm the subscription: never fetched automatically (see README, "Alerts"). */
  | { kind: 'subscription'; topicArn: string; subscribeUrl: string; token: string }
  | { kind: 'rejected'; rejection: AlertRejection };

/** What a webhook parser sees: the parsed JSON body and the request headers (lower-case names). */
export interface WebhookPayload {
  body: unknown;
  headers: Readonly<Record<string, string | undefined>>;
}

export type WebhookParser = (payload: WebhookPayload) => ParseOutcome;

export function rejected(source: AlertSource, field: string, message: string): ParseOutcome {
  return { kind: 'rejected', rejection: { source, field, message: `${source} payload rejected: ${field} ${message}` } };
}

/** The first problem zod found, as "the field and what is wrong with it". */
export function rejectedByZod(source: AlertSource, error: z.ZodError, prefix = ''): ParseOutcome {
  const issue = error.issues[0];
  const path = fieldPath([...(prefix ? [prefix] : []), ...(issue?.path ?? [])]) || '(body)';
  const missing = issue?.code === 'invalid_type' && /received undefined/.test(issue.message);
  return rejected(source, path, missing ? 'is missing' : `is invalid (${issue?.message ?? 'unexpected shape'})`);
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** The first value with something to read: a blank title from a payload falls through to the next candidate. */
export function firstText(...values: readonly (string | null | undefined)[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.trim() !== '');
}

/** "12.5" → 12.5; anything else → undefined (sources send thresholds as strings or numbers). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** ISO time from an ISO string, a CloudWatch `+0000` offset, or Unix seconds. */
export function toIso(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? isoOf(value * 1000) : undefined;
  if (typeof value !== 'string' || !value) return undefined;
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(normalised);
  return Number.isNaN(time) ? undefined : isoOf(time);
}

/** Past ±8.64e15 ms a Date is invalid and toISOString throws: a payload's 1e308 is no time at all. */
function isoOf(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function isUrl(value: unknown): value is string {
  return typeof value === 'string' && /^https?:\/\/\S+$/i.test(value);
}
