import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticateWebhook, type WebhookRequest } from '../../src/alerts/auth.ts';
import type { WebhookSource } from '../../src/alerts/alert.ts';
import { parseTenantsYaml } from '../../src/tenancy/tenants-file.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

const tenants = parseTenantsYaml(`
version: 1
organizations:
  - id: acme
    name: Acme
    alerts:
      channel: { platform: slack, channelId: C1 }
      webhooks:
        - { sources: ["*"], tokenSha256: ${sha('acme-token')} }
        - { sources: [grafana], kind: signature, secretEnv: ALERT_SECRET_ACME_GRAFANA, timestampHeader: X-Grafana-Alerting-Signature-Timestamp }
  - id: initech
    name: Initech
    alerts:
      webhooks:
        - { sources: [alertmanager], secretEnv: ALERT_SECRET_INITECH_TOKEN }
        - { sources: [pagerduty], kind: signature, secretEnv: ALERT_SECRET_INITECH_PD }
`);
const orgs = tenants.organizations;
const secrets = { ALERT_SECRET_ACME_GRAFANA: 'grafana-secret', ALERT_SECRET_INITECH_TOKEN: 'initech-token', ALERT_SECRET_INITECH_PD: 'pd-secret' };
const body = Buffer.from('{"alerts":[]}');
const now = Date.UTC(2025, 0, 14, 10, 42);

function auth(source: WebhookSource, headers: Record<string, string> = {}, queryToken?: string, raw = body) {
  const request: WebhookRequest = { source, headers, rawBody: raw, ...(queryToken ? { queryToken } : {}) };
  const result = authenticateWebhook(orgs, request, secrets, () => now);
  return result.ok ? result.org.id : undefined;
}

describe('alert webhook authentication', () => {
  it('finds the organization by its token: bearer, basic-auth password or ?token=', () => {
    expect(auth('datadog', { authorization: 'Bearer acme-token' })).toBe('acme');
    expect(auth('cloudwatch', { authorization: `Basic ${Buffer.from('sns:acme-token').toString('base64')}` })).toBe('acme');
    expect(auth('azure-monitor', {}, 'acme-token')).toBe('acme');
    expect(auth('alertmanager', { authorization: 'Bearer initech-token' })).toBe('initech');
  });

  it('refuses a missing or wrong token, and a token used for a source its credential does not cover', () => {
    expect(auth('datadog')).toBeUndefined();
    expect(auth('datadog', { authorization: 'Bearer acme-token-2' })).toBeUndefined();
    expect(auth('datadog', { authorization: 'Bearer initech-token' })).toBeUndefined();
    expect(auth('datadog', { authorization: `Bearer ${sha('acme-token')}` })).toBeUndefined();
  });

  it('checks PagerDuty signatures over the raw body, accepting any of several during rotation', () => {
    const good = `v1=${createHmac('sha256', 'pd-secret').update(body).digest('hex')}`;
    expect(auth('pagerduty', { 'x-pagerduty-signature': `v1=${'a'.repeat(64)}, ${good}` })).toBe('initech');
    expect(auth('pagerduty', { 'x-pagerduty-signature': good }, undefined, Buffer.from('{"alerts":[ ]}'))).toBeUndefined();
    expect(auth('pagerduty', { 'x-pagerduty-signature': good.replace('v1=', 'v0=') })).toBeUndefined();
  });

  it('checks Grafana\'s timestamped HMAC and refuses a stale timestamp', () => {
    const sign = (ts: number): Record<string, string> => ({
      'x-grafana-alerting-signature': createHmac('sha256', 'grafana-secret').update(`${ts}:${body.toString()}`).digest('hex'),
      'x-grafana-alerting-signature-timestamp': String(ts),
    });
    expect(auth('grafana', sign(now / 1000))).toBe('acme');
    expect(auth('grafana', sign(now / 1000 - 301))).toBeUndefined();
    expect(auth('grafana', { ...sign(now / 1000), 'x-grafana-alerting-signature-timestamp': String(now / 1000 + 1) })).toBeUndefined();
  });

  it('does nothing with a credential whose secret variable is not set', () => {
    const result = authenticateWebhook(orgs, { source: 'alertmanager', headers: { authorization: 'Bearer initech-token' }, rawBody: body }, {}, () => now);
    expect(result.ok).toBe(false);
  });
});

describe('alert settings in tenants.yaml', () => {
  const org = (alerts: string, id = 'acme'): string => `  - id: ${id}\n    name: ${id}\n    alerts:\n${alerts}\n`;

  it('refuses a plain-text token, both or neither secret forms, and signatures for sources that have none', () => {
    expect(() => parseTenantsYaml(`version: 1\norganizations:\n${org('      webhooks:\n        - { tokenSha256: acme-token }')}`)).toThrow(/tokenSha256.*hex SHA-256/s);
    expect(() => parseTenantsYaml(`version: 1\norganizations:\n${org(`      webhooks:\n        - { tokenSha256: ${sha('x')}, secretEnv: ALERT_SECRET_X }`)}`)).toThrow(/exactly one of tokenSha256 and secretEnv/);
    expect(() => parseTenantsYaml(`version: 1\norganizations:\n${org('      webhooks:\n        - { sources: [datadog], kind: signature, secretEnv: ALERT_SECRET_X }')}`)).toThrow(/pagerduty or grafana only/);
    expect(() => parseTenantsYaml(`version: 1\norganizations:\n${org('      webhooks:\n        - { secretEnv: DATADOG_TOKEN }')}`)).toThrow(/ALERT_SECRET_/);
  });

  it('refuses one token for two organizations: the token must say which one is calling', () => {
    const hook = `      webhooks:\n        - { tokenSha256: ${sha('shared')} }`;
    expect(() => parseTenantsYaml(`version: 1\norganizations:\n${org(hook, 'acme')}${org(hook, 'initech')}`)).toThrow(/also used by "acme"/);
  });
});
