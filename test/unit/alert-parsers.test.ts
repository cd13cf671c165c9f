import { describe, expect, it } from 'vitest';
import { Alert, type WebhookSource } from '../../src/alerts/alert.ts';
import type { ParseOutcome } from '../../src/alerts/parse.ts';
import { parseChatAlert, webhookParsers } from '../../src/alerts/sources/index.ts';
import { alertFixture } from '../support/alert-fixtures.ts';

function parse(source: WebhookSource, fixture: string, headers: Record<string, string> = {}): ParseOutcome {
  return webhookParsers[source]({ body: alertFixture(`${source}/${fixture}`), headers });
}

function alerts(source: WebhookSource, fixture: string, headers: Record<string, string> = {}): Alert[] {
  const outcome = parse(source, fixture, headers);
  if (outcome.kind !== 'alerts') throw new Error(`expected alerts from ${fixture}, got ${JSON.stringify(outcome)}`);
  // Every parser's output passes the core schema, so nothing downstream meets a malformed alert.
  for (const alert of outcome.alerts) Alert.parse(alert);
  return outcome.alerts;
}

function one(source: WebhookSource, fixture: string, headers: Record<string, string> = {}): Alert {
  const list = alerts(source, fixture, headers);
  expect(list).toHaveLength(1);
  return list[0] as Alert;
}

function rejection(source: WebhookSource, fixture: string): { field: string; message: string } {
  const outcome = parse(source, fixture);
  if (outcome.kind !== 'rejected') throw new Error(`expected a rejection for ${fixture}, got ${outcome.kind}`);
  expect(outcome.rejection.source).toBe(source);
  expect(outcome.rejection.message).toContain(source);
  expect(outcome.rejection.message).toContain(outcome.rejection.field);
  return outcome.rejection;
}

describe('CloudWatch alarms via SNS', () => {
  it('reads a firing alarm: ECS service ARN from the dimensions, metric, threshold, observed value, console link', () => {
    const alert = one('cloudwatch', 'alarm-firing.json');
    expect(alert).toMatchObject({
      source: 'cloudwatch', status: 'firing', severity: 'unknown', title: 'checkout-api-cpu-high',
      fingerprint: 'cloudwatch:arn:aws:cloudwatch:us-east-1:111111111111:alarm:checkout-api-cpu-high',
      resources: [{ provider: 'aws', id: 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', name: 'checkout-api' }],
      metric: { name: 'CPUUtilization', namespace: 'AWS/ECS', threshold: 80, comparison: 'GreaterThanThreshold', observed: 95.36, statistic: 'AVERAGE' },
      startedAt: '2025-01-14T10:42:05.314Z',
    });
    expect(alert.links[0]?.url).toContain('region=us-east-1#alarmsV2:alarm/checkout-api-cpu-high');
    expect(alert.summary).toContain('CPU-saturated');
  });

  it('gives the resolved (OK) notification the firing one\'s fingerprint, and keeps the SNS MessageId for delivery dedupe', () => {
    const firing = parse('cloudwatch', 'alarm-firing.json');
    const resolved = parse('cloudwatch', 'alarm-resolved.json');
    expect(resolved).toMatchObject({ kind: 'alerts', deliveryId: 'a3f0c1de-2b9c-5f4e-8d17-0e6c9b5a4f22' });
    expect(firing).toMatchObject({ deliveryId: '5b0d2d6a-6b3e-5c7d-9d0f-1a2b3c4d5e61' });
    const [a, b] = [one('cloudwatch', 'alarm-firing.json'), one('cloudwatch', 'alarm-resolved.json')];
    expect(b.status).toBe('resolved');
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.endedAt).toBe('2025-01-14T11:20:05.101Z');
    expect(one('cloudwatch', 'alarm-refired.json').startedAt).not.toBe(a.startedAt);
  });

  it('names every input resource of a metric-math alarm', () => {
    const alert = one('cloudwatch', 'alarm-metric-math-multi-resource.json');
    expect(alert.resources.map((r) => r.id)).toEqual(['arn:aws:sqs:us-east-1:111111111111:orders-queue', 'arn:aws:sqs:us-east-1:111111111111:orders-dlq']);
    expect(alert.metric).toMatchObject({ name: 'ApproximateNumberOfMessagesVisible', threshold: 1000, observed: 4817 });
  });

  it('reads an alarm without AlarmArn or Trigger: region from the display name, a rebuilt ARN as fingerprint', () => {
    const alert = one('cloudwatch', 'alarm-minimal.json');
    expect(alert).toMatchObject({ title: 'bastion-1-status-check', status: 'firing', resources: [] });
    expect(alert.metric).toBeUndefined();
    expect(alert.fingerprint).toBe('cloudwatch:arn:aws:cloudwatch:us-east-1:111111111111:alarm:bastion-1-status-check');
  });

  it('turns a SubscriptionConfirmation into a confirmation request, never an alert', () => {
    expect(parse('cloudwatch', 'subscription-confirmation.json')).toMatchObject({
      kind: 'subscription', topicArn: 'arn:aws:sns:us-east-1:111111111111:cloud-companion-alarms', subscribeUrl: expect.stringMatching(/^https:\/\/sns\.us-east-1\.amazonaws\.com\/\?Action=ConfirmSubscription/),
    });
  });

  it('rejects a Message without AlarmName, and a Message that is not JSON, naming the field', () => {
    expect(rejection('cloudwatch', 'malformed-missing-alarm-name.json')).toMatchObject({ field: 'Message.AlarmName', message: expect.stringContaining('is missing') });
    expect(rejection('cloudwatch', 'malformed-message-not-json.json')).toMatchObject({ field: 'Message', message: expect.stringContaining('not JSON') });
    expect(webhookParsers.cloudwatch({ body: { hello: 'world' }, headers: {} })).toMatchObject({ kind: 'rejected', rejection: { field: 'Type' } });
  });
});

describe('Azure Monitor (common alert schema)', () => {
  it('reads a fired metric alert: Azure resource id, Sev1 as error, string threshold as a number', () => {
    const alert = one('azure-monitor', 'metric-fired.json');
    expect(alert).toMatchObject({
      source: 'azure-monitor', status: 'firing', severity: 'error', severityRaw: 'Sev1', title: 'portal-web-http-5xx',
      resources: [{ provider: 'azure', id: '/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourcegroups/portal-rg/providers/microsoft.web/sites/portal-web', name: 'portal-web' }],
      metric: { name: 'Http5xx', threshold: 10, comparison: 'GreaterThan', observed: 32, statistic: 'Total' },
      startedAt: '2025-01-14T10:38:11.224Z',
    });
    expect(alert.links.map((l) => l.label)).toEqual(['Azure alert']);
  });

  it('gives the resolved alert the same fingerprint (essentials.alertId)', () => {
    const [fired, resolved] = [one('azure-monitor', 'metric-fired.json'), one('azure-monitor', 'metric-resolved.json')];
    expect(resolved).toMatchObject({ status: 'resolved', endedAt: '2025-01-14T11:02:47.081Z' });
    expect(resolved.fingerprint).toBe(fired.fingerprint);
  });

  it('reads a log search alert on two resources, with its search link', () => {
    const alert = one('azure-monitor', 'log-alert-multi-resource.json');
    expect(alert.resources.map((r) => r.name)).toEqual(['reporting-vm', 'portal-db']);
    expect(alert).toMatchObject({ severity: 'warning', metric: { name: 'log search: result count', threshold: 5, observed: 12 } });
    expect(alert.links.map((l) => l.label)).toContain('Log search results');
  });

  it('reads an alert without alertContext, description or links', () => {
    const alert = one('azure-monitor', 'activity-log-minimal.json');
    expect(alert).toMatchObject({ title: 'reporting-vm-deallocated', severity: 'info', links: [], resources: [{ name: 'reporting-vm' }] });
    expect(alert.metric).toBeUndefined();
  });

  it('rejects a missing alertId and a non-common schema, saying what to change', () => {
    expect(rejection('azure-monitor', 'malformed-missing-alert-id.json')).toMatchObject({ field: 'data.essentials.alertId', message: expect.stringContaining('is missing') });
    expect(rejection('azure-monitor', 'malformed-legacy-schema.json')).toMatchObject({ field: 'schemaId', message: expect.stringContaining('common alert schema') });
  });
});

describe('Google Cloud Monitoring (webhook 1.2)', () => {
  it('reads an open incident: Cloud Run full resource name, metric type, string values as numbers', () => {
    const alert = one('gcp-monitoring', 'incident-open.json');
    expect(alert).toMatchObject({
      source: 'gcp-monitoring', status: 'firing', severity: 'error', title: 'search-api latency above 1s',
      fingerprint: 'gcp-monitoring:0.nq6w2r0jmc4p',
      resources: [{ provider: 'gcp', id: '//run.googleapis.com/projects/demo-gcp-prod/locations/europe-west1/services/search-api', name: 'search-api', type: 'cloud_run_revision' }],
      metric: { name: 'run.googleapis.com/request_latencies', threshold: 1000, observed: 2311, comparison: 'COMPARISON_GT' },
      startedAt: '2025-01-14T10:42:00.000Z',
    });
    expect(alert.summary).toContain('Check search-db CPU');
  });

  it('closes the same incident', () => {
    const closed = one('gcp-monitoring', 'incident-closed.json');
    expect(closed).toMatchObject({ status: 'resolved', fingerprint: one('gcp-monitoring', 'incident-open.json').fingerprint, endedAt: '2025-01-14T11:12:00.000Z' });
  });

  it('reads the documented test notification (state OPEN, documentation as a string, no severity)', () => {
    const alert = one('gcp-monitoring', 'test-notification.json');
    expect(alert).toMatchObject({ status: 'firing', severity: 'unknown', summary: expect.stringContaining('Test documentation'), metric: { threshold: 0.5, observed: 1 } });
    expect(alert.startedAt).toBeUndefined();
  });

  it('builds a Compute Engine instance name from labels and the display name when optional fields are missing', () => {
    const alert = one('gcp-monitoring', 'incident-gce-minimal.json');
    expect(alert.resources[0]?.id).toBe('//compute.googleapis.com/projects/demo-gcp-prod/zones/europe-west1-b/instances/search-indexer-1');
    expect(alert.links).toEqual([]);
    expect(alert.metric?.threshold).toBeUndefined();
  });

  it('rejects an incident without incident_id', () => {
    expect(rejection('gcp-monitoring', 'malformed-missing-incident-id.json')).toMatchObject({ field: 'incident.incident_id', message: expect.stringContaining('is missing') });
  });
});

describe('Prometheus Alertmanager (webhook v4)', () => {
  it('splits a group into one alert per member, each with its own fingerprint, severity, metric and threshold', () => {
    const [latency, queue] = alerts('alertmanager', 'firing-group.json');
    expect(latency).toMatchObject({
      source: 'alertmanager', status: 'firing', severity: 'critical', title: 'checkout-api p95 latency above 1s',
      fingerprint: 'alertmanager:4f0a8c6e2b1d3957', resources: [{ name: 'checkout-api' }],
      metric: { name: 'http_server_duration_seconds_bucket', comparison: '>', threshold: 1 },
    });
    expect(latency?.links.map((l) => l.label)).toEqual(['Source', 'Runbook']);
    expect(queue).toMatchObject({ severity: 'warning', fingerprint: 'alertmanager:9e3b7d1f5a2c4680', metric: { name: 'aws_sqs_approximate_number_of_messages_visible_maximum', threshold: 1000, observed: 4817 } });
  });

  it('resolves by the same fingerprint; a new startsAt is a new occurrence', () => {
    const resolved = one('alertmanager', 'resolved.json');
    expect(resolved).toMatchObject({ status: 'resolved', fingerprint: 'alertmanager:4f0a8c6e2b1d3957', endedAt: '2025-01-14T11:15:00.000Z' });
    expect(one('alertmanager', 'refired.json').startedAt).toBe('2025-01-14T12:02:00.000Z');
  });

  it('hashes the label set when an older Alertmanager sends no fingerprint, strips the port from instance, and counts truncated alerts', () => {
    const outcome = parse('alertmanager', 'minimal-no-fingerprint.json');
    expect(outcome).toMatchObject({ kind: 'alerts', truncated: 3 });
    const alert = one('alertmanager', 'minimal-no-fingerprint.json');
    expect(alert.fingerprint).toMatch(/^alertmanager:[0-9a-f]{32}$/);
    expect(alert).toMatchObject({ title: 'NodeDown', severity: 'unknown', links: [], resources: [{ name: 'bastion-1' }, { name: 'node' }] });
    expect(alert.metric).toBeUndefined();
  });

  it('rejects an alert without labels, naming its index', () => {
    expect(rejection('alertmanager', 'malformed-missing-labels.json')).toMatchObject({ field: 'alerts[0].labels', message: expect.stringContaining('is missing') });
  });
});

describe('PagerDuty (V3 webhooks)', () => {
  it('reads incident.triggered: priority P1 as critical, the service as a resource name, the incident link', () => {
    const alert = one('pagerduty', 'incident-triggered.json', { 'x-webhook-id': 'd7b8c9e0-aaaa-bbbb-cccc-000000000001' });
    expect(alert).toMatchObject({
      source: 'pagerduty', status: 'firing', severity: 'critical', severityRaw: 'P1', title: 'checkout-api latency above SLO',
      fingerprint: 'pagerduty:Q2Z7KX4N0C9PLM', resources: [{ name: 'checkout-api' }], startedAt: '2025-01-14T10:40:12.000Z',
      links: [{ label: 'PagerDuty #1842', url: 'https://demo-corp.pagerduty.com/incidents/Q2Z7KX4N0C9PLM' }],
    });
    expect(parse('pagerduty', 'incident-triggered.json', { 'x-webhook-id': 'd7b8c9e0-aaaa-bbbb-cccc-000000000001' })).toMatchObject({ deliveryId: 'd7b8c9e0-aaaa-bbbb-cccc-000000000001' });
  });

  it('resolves the same incident, and ignores acknowledgements', () => {
    expect(one('pagerduty', 'incident-resolved.json')).toMatchObject({ status: 'resolved', fingerprint: 'pagerduty:Q2Z7KX4N0C9PLM' });
    expect(parse('pagerduty', 'incident-acknowledged.json')).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('incident.acknowledged') });
  });

  it('falls back to urgency when an incident has no priority, service or link', () => {
    expect(one('pagerduty', 'incident-minimal.json')).toMatchObject({ severity: 'warning', severityRaw: 'low urgency', resources: [], links: [] });
  });

  it('rejects an incident without a title', () => {
    expect(rejection('pagerduty', 'malformed-missing-title.json')).toMatchObject({ field: 'event.data.title', message: expect.stringContaining('is missing') });
  });
});

describe('Datadog (webhook templates)', () => {
  it('reads the rich template: cycle key, priority, metric, query threshold, ARN from the body, scope tags', () => {
    const alert = one('datadog', 'triggered.json');
    expect(alert).toMatchObject({
      source: 'datadog', status: 'firing', severity: 'error', severityRaw: 'P2', title: 'checkout-api CPU above 80% on env:prod',
      fingerprint: 'datadog:7632841946381935018', metric: { name: 'aws.ecs.service.cpuutilization', threshold: 80, comparison: '>' },
      startedAt: '2025-01-14T10:45:00.000Z',
    });
    expect(alert.resources.map((r) => r.id ?? r.name)).toEqual(['arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', 'checkout-api']);
  });

  it('recovers the same cycle', () => {
    expect(one('datadog', 'recovered.json')).toMatchObject({ status: 'resolved', fingerprint: 'datadog:7632841946381935018' });
  });

  it('reads Datadog\'s default template: state and scope from the title', () => {
    const alert = one('datadog', 'default-template.json');
    expect(alert).toMatchObject({ status: 'firing', title: 'Disk usage above 90%', resources: [{ name: 'bastion-1' }] });
    expect(alert.metric).toBeUndefined();
  });

  it('rejects a payload without a title', () => {
    expect(rejection('datadog', 'malformed-missing-title.json')).toMatchObject({ field: 'title', message: expect.stringContaining('$EVENT_TITLE') });
  });
});

describe('Grafana Alerting (webhook contact point)', () => {
  it('reads every alert of a group: Azure ids from labels, observed value, panel link', () => {
    const [web, db] = alerts('grafana', 'firing.json');
    expect(web).toMatchObject({
      source: 'grafana', status: 'firing', severity: 'error', fingerprint: 'grafana:c7a3e4f1b2d5a609', title: 'HTTP 5xx from portal-web',
      metric: { name: 'Http5xx', observed: 32, threshold: 10 },
      resources: [{ provider: 'azure', id: '/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/portal-rg/providers/Microsoft.Web/sites/portal-web' }, { name: expect.stringContaining('portal-web') }],
    });
    expect(web?.links.map((l) => l.label)).toEqual(['Source', 'Panel']);
    expect(db?.resources[0]?.id).toContain('/databases/portal-db');
  });

  it('resolves by fingerprint', () => {
    expect(one('grafana', 'resolved.json')).toMatchObject({ status: 'resolved', fingerprint: 'grafana:c7a3e4f1b2d5a609', endedAt: '2025-01-14T11:03:00.000Z' });
  });

  it('rejects an empty group', () => {
    expect(rejection('grafana', 'malformed-no-alerts.json')).toMatchObject({ field: 'alerts' });
  });
});

describe('alerts posted into a chat channel', () => {
  const chatbot = {
    authorId: 'B0AWSCHATBOT', authorName: 'AWS Chatbot', postedAt: '2025-01-14T10:42:09.000Z',
    title: ':rotating_light: CloudWatch Alarm | checkout-api-cpu-high | us-east-1 | Account: 111111111111',
    text: 'ALARM: checkout-api tasks are CPU-saturated\nThreshold Crossed: 3 out of the last 3 datapoints [95.36 (14/01/25 10:41:00)] were greater than the threshold (80.0).',
    fields: [], links: [], color: 'danger',
  };

  it('recognises AWS Chatbot / Amazon Q alarms and gives them the SNS alarm fingerprint', () => {
    const outcome = parseChatAlert(chatbot);
    expect(outcome).toMatchObject({ kind: 'alerts' });
    const alert = outcome.kind === 'alerts' ? outcome.alerts[0] : undefined;
    expect(alert).toMatchObject({ source: 'aws-chatbot', status: 'firing', title: 'checkout-api-cpu-high', severityRaw: 'ALARM', startedAt: '2025-01-14T10:42:09.000Z' });
    expect(alert?.fingerprint).toBe(one('cloudwatch', 'alarm-firing.json').fingerprint);
    const ok = parseChatAlert({ ...chatbot, title: ':white_check_mark: CloudWatch Alarm | checkout-api-cpu-high | US East (N. Virginia) | Account: 111111111111', text: 'OK: back to normal', color: 'good' });
    expect(ok).toMatchObject({ kind: 'alerts', alerts: [{ status: 'resolved', fingerprint: alert?.fingerprint }] });
  });

  it('reads any other integration generically: title without status noise, resolved by word or colour, ids from the text', () => {
    const firing = parseChatAlert({ authorId: 'B0GRAFANA', title: '[FIRING:1] PortalHttp5xx (Portal)', text: 'resource: /subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/portal-rg/providers/Microsoft.Web/sites/portal-web', fields: [{ title: 'Severity', value: 'critical' }], links: [] });
    const resolved = parseChatAlert({ authorId: 'B0GRAFANA', title: '[RESOLVED] PortalHttp5xx (Portal)', text: '', fields: [], links: [] });
    expect(firing).toMatchObject({ kind: 'alerts', alerts: [{ source: 'chat-message', status: 'firing', severity: 'critical', title: 'PortalHttp5xx (Portal)', resources: [{ provider: 'azure' }] }] });
    expect(resolved).toMatchObject({ kind: 'alerts', alerts: [{ status: 'resolved' }] });
    const key = (o: ParseOutcome): string | undefined => (o.kind === 'alerts' ? o.alerts[0]?.fingerprint : undefined);
    expect(key(resolved)).toBe(key(firing));
    expect(key(parseChatAlert({ authorId: 'B0OTHER', title: '[FIRING:1] PortalHttp5xx (Portal)', text: '', fields: [], links: [] }))).not.toBe(key(firing));
  });

  it('rejects a message with nothing to read', () => {
    expect(parseChatAlert({ authorId: 'B0X', text: ' ', fields: [], links: [] })).toMatchObject({ kind: 'rejected', rejection: { source: 'chat-message', field: 'text' } });
  });
});

describe('payload shapes real senders use (issue #20)', () => {
  const body = (source: WebhookSource, value: unknown, headers: Record<string, string> = {}): ParseOutcome => webhookParsers[source]({ body: value, headers });

  it('Datadog: strips the %%% fences of $EVENT_MSG and the @-handles that routed the notification', () => {
    const outcome = body('datadog', {
      title: '[Triggered on {host:web-1}] CPU above 80%',
      body: '%%%\n@webhook-cloud-companion @slack-ops-alerts CPU on web-1 is high. @oncall@example.com\n\nCheck the checkout-api service.\n%%%',
    });
    if (outcome.kind !== 'alerts') throw new Error(JSON.stringify(outcome));
    const summary = outcome.alerts[0]?.summary ?? '';
    expect(summary).toBe('CPU on web-1 is high.\n\nCheck the checkout-api service.');
    expect(summary).not.toMatch(/%%%|@webhook-|@slack-|@oncall@/);
    expect(one('datadog', 'default-template.json').summary).toBe('Disk usage on bastion-1 is above 90%.');
  });

  it('Alertmanager and Grafana: an alert without its own status takes the group\'s', () => {
    const group = { version: '4', status: 'resolved', receiver: 'cc', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', alerts: [{ labels: { alertname: 'NodeDown', instance: 'bastion-1:9100' }, annotations: {}, startsAt: '2025-01-14T10:00:00Z', endsAt: '2025-01-14T10:05:00Z' }] };
    expect(body('alertmanager', group)).toMatchObject({ kind: 'alerts', alerts: [{ status: 'resolved', title: 'NodeDown', endedAt: '2025-01-14T10:05:00.000Z' }] });
    expect(body('grafana', { ...group, version: '1', status: 'firing' })).toMatchObject({ kind: 'alerts', alerts: [{ status: 'firing' }] });
    // Neither the alert nor the group says: still refused, naming the alert.
    const { status: _status, ...withoutGroupStatus } = group;
    expect(body('alertmanager', withoutGroupStatus)).toMatchObject({ kind: 'rejected', rejection: { field: 'alerts[0].status' } });
  });

  it('CloudWatch: raw message delivery (the alarm JSON itself) is accepted, deduped by the SNS message id header', () => {
    const envelope = alertFixture('cloudwatch/alarm-minimal.json') as { Message: string };
    const outcome = body('cloudwatch', JSON.parse(envelope.Message), { 'x-amz-sns-message-id': 'raw-1', 'x-amz-sns-rawdelivery': 'true' });
    expect(outcome).toMatchObject({ kind: 'alerts', deliveryId: 'raw-1', alerts: [{ title: 'bastion-1-status-check', status: 'firing' }] });
  });

  it('CloudWatch: any other body without the SNS Type says raw message delivery must be off', () => {
    const outcome = body('cloudwatch', { hello: 'world' });
    expect(outcome).toMatchObject({ kind: 'rejected', rejection: { field: 'Type', message: expect.stringContaining('raw message delivery off') } });
  });
});
