import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert, WebhookSource } from '../../src/alerts/alert.ts';
import type { ParseOutcome } from '../../src/alerts/parse.ts';
import { webhookParsers } from '../../src/alerts/sources/index.ts';
import type { RunningBot } from '../../src/compose.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';

/**
 * The vendors' own sample payloads (test/fixtures/alerts/official, see PROVENANCE.md there), posted
 * the way README ("Alerts") tells each provider to post, with the demo organizations' tokens.
 */
const tokens = { demo: 'demo-alerts-token', globex: 'globex-alerts-token' } as const;
const alertChannel = { demo: 'C0000ALERTS', globex: 'C0000GLOBEXOPS' } as const;
type Org = keyof typeof tokens;

function fixture(source: WebhookSource, file: string): string {
  return readFileSync(new URL(`../fixtures/alerts/official/${source}/${file}`, import.meta.url), 'utf8');
}

/** README: SNS uses the subscription URL's basic-auth password and posts JSON as text/plain; Azure `?token=`; the others `Authorization: Bearer`. */
function request(source: WebhookSource, org: Org, extraHeaders: Record<string, string> = {}): { query: string; headers: Record<string, string> } {
  const token = tokens[org];
  switch (source) {
    case 'cloudwatch':
      return { query: '', headers: { authorization: `Basic ${Buffer.from(`alerts:${token}`).toString('base64')}`, 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', ...extraHeaders } };
    case 'azure-monitor':
      return { query: `?token=${token}`, headers: { 'content-type': 'application/json', ...extraHeaders } };
    default:
      return { query: '', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extraHeaders } };
  }
}

function parsed(source: WebhookSource, file: string, headers: Record<string, string> = {}): ParseOutcome {
  return webhookParsers[source]({ body: JSON.parse(fixture(source, file)) as unknown, headers });
}

function alertsOf(outcome: ParseOutcome): Alert[] {
  if (outcome.kind !== 'alerts') throw new Error(`expected alerts, got ${JSON.stringify(outcome)}`);
  return outcome.alerts;
}

describe('official alert payloads through POST /alerts/:source (issue #20)', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, ALERT_STORM_LIMIT: '100' });
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  async function post(source: WebhookSource, file: string, org: Org = 'demo', extraHeaders: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const { query, headers } = request(source, org, extraHeaders);
    const response = await fetch(`${bot.url}/alerts/${source}${query}`, { method: 'POST', headers, body: fixture(source, file) });
    const body = await response.json() as Record<string, unknown>;
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
    return { status: response.status, body };
  }

  /** The parent messages the bot posted in the organization's alert channel. */
  const parents = (org: Org): string[] => slack.callsOf('chat.postMessage')
    .filter((c) => c.args.channel === alertChannel[org] && c.args.thread_ts === undefined)
    .map((c) => String(c.args.text));

  it('CloudWatch via SNS (aws/aws-lambda-go samples): a single-metric alarm fires; the placeholder ARN builds no console link', async () => {
    const answer = await post('cloudwatch', 'sns-alarm-single-metric.json');
    expect(answer).toEqual({ status: 202, body: { status: 'accepted', alerts: 1 } });
    const [alert] = alertsOf(parsed('cloudwatch', 'sns-alarm-single-metric.json'));
    expect(alert).toMatchObject({
      status: 'firing', title: 'EXAMPLE', metric: { name: 'NetworkOut', namespace: 'AWS/EC2', comparison: 'GreaterThanThreshold', threshold: 0, observed: 1234 },
      resources: [{ provider: 'aws', name: 'TestInstance' }], links: [], startedAt: '2015-06-03T17:43:27.123Z',
    });
    expect(alert?.resources[0]?.id).toBeUndefined();
    expect(parents('demo')).toEqual(['🔥 EXAMPLE']);
  });

  it('CloudWatch via SNS: a metric-math alarm is read from its input metric', async () => {
    // Same SNS MessageId as the single-metric sample: posted for the other organization so it is not a duplicate.
    const answer = await post('cloudwatch', 'sns-alarm-multiple-metrics.json', 'globex');
    expect(answer).toEqual({ status: 202, body: { status: 'accepted', alerts: 1 } });
    expect(alertsOf(parsed('cloudwatch', 'sns-alarm-multiple-metrics.json'))[0]).toMatchObject({ metric: { name: 'NetworkOut', statistic: 'Average', observed: 1234 }, resources: [{ name: 'TestInstance' }] });
    expect(parents('globex')).toEqual(['🔥 EXAMPLE']);
  });

  it('CloudWatch with raw message delivery on: the bare alarm is accepted and deduped by x-amz-sns-message-id', async () => {
    const headers = { 'x-amz-sns-message-id': 'raw-delivery-0001', 'x-amz-sns-rawdelivery': 'true' };
    expect(await post('cloudwatch', 'raw-delivery-alarm-single-metric.json', 'globex', headers)).toEqual({ status: 202, body: { status: 'accepted', alerts: 1 } });
    expect(await post('cloudwatch', 'raw-delivery-alarm-single-metric.json', 'globex', headers)).toEqual({ status: 200, body: { status: 'duplicate' } });
  });

  it('CloudWatch: an SNS message that is not an alarm is refused, naming the field', async () => {
    const answer = await post('cloudwatch', 'sns-not-an-alarm.json');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_alert', source: 'cloudwatch', field: 'Message', message: expect.stringContaining('raw message delivery off') });
    expect(parents('demo')).toEqual([]);
  });

  it('Azure Monitor common schema (Microsoft Learn sample): a resolved metric alert', async () => {
    const answer = await post('azure-monitor', 'common-schema-metric-resolved.json');
    expect(answer).toEqual({ status: 202, body: { status: 'accepted', alerts: 1 } });
    expect(alertsOf(parsed('azure-monitor', 'common-schema-metric-resolved.json'))[0]).toMatchObject({
      status: 'resolved', title: 'WCUS-R2-Gen2', severity: 'info', severityRaw: 'Sev3',
      metric: { name: 'Percentage CPU', comparison: 'GreaterThan', threshold: 25, observed: 7.727, statistic: 'Average' },
      resources: [{ provider: 'azure', name: 'wcus-r2-gen2' }], startedAt: '2019-03-22T13:58:24.371Z', endedAt: '2019-03-22T14:03:16.224Z',
    });
    // A resolve of an alert this bot never saw fire opens no thread (nothing to close).
    expect(parents('demo')).toEqual([]);
  });

  it('Azure Monitor common schema (Microsoft Learn sample): a fired log search alert, with its search link', async () => {
    const answer = await post('azure-monitor', 'common-schema-log-search-fired.json');
    expect(answer).toEqual({ status: 202, body: { status: 'accepted', alerts: 1 } });
    const [alert] = alertsOf(parsed('azure-monitor', 'common-schema-log-search-fired.json'));
    expect(alert).toMatchObject({
      status: 'firing', title: 'AcmeRule', summary: 'log alert rule V2', severityRaw: 'Sev4',
      metric: { name: 'log search: CounterValue', comparison: 'LowerThan', threshold: 1, observed: 0 },
      resources: [{ provider: 'azure', name: 'testvm' }], startedAt: '2020-07-09T14:04:49.996Z',
    });
    expect(alert?.links.map((l) => l.label)).toEqual(['Log search results']);
    expect(parents('demo')).toEqual(['ℹ️ AcmeRule']);
  });

  it('Azure Monitor legacy activity-log schema (Microsoft Learn sample): refused with how to turn on the common schema', async () => {
    const answer = await post('azure-monitor', 'legacy-activity-log-resource-health.json');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: 'schemaId', message: expect.stringContaining('Enable the common alert schema') });
  });

  it('PagerDuty V3 (developer-docs samples): priority and service events are acknowledged and ignored', async () => {
    for (const file of ['incident-priority_updated.json', 'service-updated.json']) {
      const answer = await post('pagerduty', file, 'demo', { 'x-webhook-id': `official-${file}` });
      expect(answer.status, file).toBe(202);
      expect(answer.body).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/incident\.priority_updated|service\.updated/) });
    }
    expect(parents('demo')).toEqual([]);
  });

  it('Grafana Alerting (grafana/grafana docs sample): a firing group opens one thread per alert', async () => {
    const answer = await post('grafana', 'docs-webhook-firing-two-alerts.json');
    expect(answer).toEqual({ status: 202, body: { status: 'accepted', alerts: 2 } });
    const [memory, cpu] = alertsOf(parsed('grafana', 'docs-webhook-firing-two-alerts.json'));
    expect(memory).toMatchObject({ status: 'firing', fingerprint: 'grafana:c6eadffa33fcdf37', summary: 'The system has high memory usage', startedAt: '2021-10-12T07:51:03.157Z' });
    expect(memory?.links.map((l) => l.label)).toEqual(['Source', 'Runbook']);
    expect(cpu).toMatchObject({ fingerprint: 'grafana:bc97ff14869b13e3', startedAt: '2021-10-12T07:56:03.157Z' });
    expect(parents('demo')).toHaveLength(2);
  });
});
