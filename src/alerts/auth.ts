import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Organization, WebhookCredentialConfig } from '../tenancy/organization.ts';
import type { WebhookSource } from './alert.ts';

/** What authentication looks at: headers (lower-case names), the `token` query parameter, the raw body. */
export interface WebhookRequest {
  source: WebhookSource;
  headers: Readonly<Record<string, string | undefined>>;
  queryToken?: string;
  rawBody: Buffer;
}

export type WebhookAuthResult =
  | { ok: true; org: Organization; via: 'token' | 'signature' }
  | { ok: false; reason: string };

/** Grafana's timestamped HMAC must be this fresh, like Slack's request signatures. */
const maxSignatureAgeSeconds = 300;

/**
 * Finds the organization whose credential the request carries. A token (Bearer, the basic-auth
 * password, or `?token=`) is compared by its SHA-256 in constant time; a PagerDuty or Grafana
 * signature is checked against each candidate secret. Nothing tells the caller which part failed.
 */
export function authenticateWebhook(orgs: readonly Organization[], request: WebhookRequest, secrets: Readonly<Record<string, string>>, now: () => number = Date.now): WebhookAuthResult {
  const token = presentedToken(request);
  const tokenHash = token ? sha256(token) : undefined;
  for (const org of orgs) {
    for (const credential of org.alerts.webhooks) {
      if (!credential.sources.includes('*') && !credential.sources.includes(request.source)) continue;
      if (credential.kind === 'token') {
        if (tokenHash && tokenMatches(credential, tokenHash, secrets)) return { ok: true, org, via: 'token' };
      } else if (signatureMatches(credential, request, secrets, now)) {
        return { ok: true, org, via: 'signature' };
      }
    }
  }
  return { ok: false, reason: token ? 'no organization has this token for this source' : 'no token or valid signature' };
}

function presentedToken(request: WebhookRequest): string | undefined {
  const authorization = request.headers.authorization?.trim() ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic\s+(\S+)$/i.exec(authorization)?.[1];
  if (basic) {
    // Sources that only do basic auth (SNS, Cloud Monitoring, Alertmanager): the password is the token.
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) || undefined : decoded || undefined;
  }
  return request.queryToken || undefined;
}

function tokenMatches(credential: WebhookCredentialConfig, presentedHash: Buffer, secrets: Readonly<Record<string, string>>): boolean {
  const expected = credential.tokenSha256 ? Buffer.from(credential.tokenSha256, 'hex') : credential.secretEnv && secrets[credential.secretEnv] ? sha256(secrets[credential.secretEnv] as string) : undefined;
  return expected !== undefined && expected.length === presentedHash.length && timingSafeEqual(expected, presentedHash);
}

function signatureMatches(credential: WebhookCredentialConfig, request: WebhookRequest, secrets: Readonly<Record<string, string>>, now: () => number): boolean {
  const secret = credential.secretEnv ? secrets[credential.secretEnv] : undefined;
  if (!secret) return false;
  if (request.source === 'pagerduty') {
    // "v1=<hex>[,v1=<hex>…]": several while a secret rotates; any one may match.
    const header = request.headers['x-pagerduty-signature'] ?? '';
    const expected = hmac(secret, request.rawBody);
    return header.split(',').map((s) => s.trim()).some((s) => s.startsWith('v1=') && hexEquals(s.slice(3), expected));
  }
  if (request.source === 'grafana') {
    const header = request.headers[(credential.signatureHeader ?? 'x-grafana-alerting-signature').toLowerCase()] ?? (credential.signatureHeader ? undefined : request.headers['x-grafana-alert-signature']);
    if (!header) return false;
    if (!credential.timestampHeader) return hexEquals(header, hmac(secret, request.rawBody));
    const timestamp = request.headers[credential.timestampHeader.toLowerCase()];
    if (!timestamp || !/^\d+$/.test(timestamp) || Math.abs(now() / 1000 - Number(timestamp)) > maxSignatureAgeSeconds) return false;
    return hexEquals(header, hmac(secret, Buffer.concat([Buffer.from(`${timestamp}:`), request.rawBody])));
  }
  return false;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function hmac(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function hexEquals(presented: string, expected: string): boolean {
  const a = Buffer.from(presented.trim().toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
