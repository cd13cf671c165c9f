import type { RequestContext } from '../../request.ts';

/**
 * Checks on what crosses the model boundary. The tools are already scoped to the tenant and the
 * channel's accounts; these checks catch a store or tool bug before its output reaches the model
 * or the chat, and keep foreign account ids out of the model's prose.
 */

/** Describes every object in `value` that belongs to another organization or to an account outside the channel. */
export function scopeViolations(value: unknown, context: Pick<RequestContext, 'orgId' | 'accountIds'>, depth = 0): string[] {
  if (depth > 8 || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item) => scopeViolations(item, context, depth + 1));
  const record = value as Record<string, unknown>;
  const found: string[] = [];
  if (typeof record.orgId === 'string' && record.orgId !== context.orgId) found.push(`object of organization ${record.orgId}`);
  if (typeof record.accountId === 'string' && (typeof record.id === 'string' || typeof record.targetResourceId === 'string') && !context.accountIds.includes(record.accountId)) {
    found.push(`${String(record.id ?? record.targetResourceId)} in account ${record.accountId}`);
  }
  for (const child of Object.values(record)) found.push(...scopeViolations(child, context, depth + 1));
  return found;
}

const arnPattern = /\barn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):[^\s`'")\]<>,]+/gi;
const subscriptionPattern = /\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/[^\s`'")\]<>,]*)?/gi;
const gcpProjectPattern = /\b(?:\/\/[a-z.]+googleapis\.com\/)?projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])(?:\/[^\s`'")\]<>,]*)?/gi;
const awsAccountPattern = /\b(account(?:\s+id)?\s*[:=]?\s*)(\d{12})\b/gi;

/**
 * Replaces provider ids (ARNs, Azure subscription paths, GCP project paths, "account 123…") whose
 * account is not one this channel may use. The model has no way to see such data, so one in its
 * answer is invented or injected; either way it must not be shown as fact.
 */
export function redactForeignIds(text: string, accountIds: readonly string[]): { text: string; redacted: number } {
  const allowed = new Set(accountIds.map((a) => a.toLowerCase()));
  let redacted = 0;
  const withheld = (match: string, account: string): string => {
    if (allowed.has(account.toLowerCase())) return match;
    redacted += 1;
    return '[withheld: not in this channel\'s accounts]';
  };
  const out = text
    .replace(arnPattern, (match: string, account: string) => withheld(match, account))
    .replace(subscriptionPattern, (match: string, account: string) => withheld(match, account))
    .replace(gcpProjectPattern, (match: string, account: string) => withheld(match, account))
    .replace(awsAccountPattern, (match: string, prefix: string, account: string) => (allowed.has(account) ? match : `${prefix}${withheld(account, account)}`));
  return { text: out, redacted };
}
