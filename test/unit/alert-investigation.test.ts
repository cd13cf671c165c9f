import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, WebhookSource } from '../../src/alerts/alert.ts';
import { webhookParsers } from '../../src/alerts/sources/index.ts';
import { renderText } from '../../src/cli/render-text.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Reply } from '../../src/reply.ts';
import type { RequestContext } from '../../src/request.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { alertFixture } from '../support/alert-fixtures.ts';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime(loadConfig({}), silentLogger());
});
afterAll(async () => {
  await runtime.close();
});

async function contextFor(channelId: string, team = 'T00000001'): Promise<RequestContext> {
  const resolution = await runtime.companion.resolveContext({
    platform: 'slack', source: 'alert', channelId, userId: 'alert:test', workspaceKey: `:${team}`, workspace: { slackTeamId: team },
  });
  if (!resolution.ok) throw new Error(resolution.message);
  return resolution.context;
}

function fixtureAlerts(source: WebhookSource, fixture: string): Alert[] {
  const outcome = webhookParsers[source]({ body: alertFixture(`${source}/${fixture}`), headers: {} });
  if (outcome.kind !== 'alerts') throw new Error(`no alerts in ${fixture}`);
  return outcome.alerts;
}

async function investigate(alert: Alert, channelId = 'C0000ALERTS', team?: string): Promise<Reply> {
  return runtime.companion.handle({ context: await contextFor(channelId, team), intent: { kind: 'alert', alert } });
}

describe('investigating an alert with the deterministic planner', () => {
  it('starts from the CloudWatch alarm\'s ECS service (by ARN), its metric first, the matching runbook, and proposes its action', async () => {
    const [alert] = fixtureAlerts('cloudwatch', 'alarm-firing.json');
    const reply = await investigate(alert as Alert);
    const text = renderText(reply);
    expect(reply.summary).toMatch(/^Likely cause: checkout-api CPUUtilization 9\d(\.\d)?% \(> 80% for \d+ min\)/);
    expect(reply.diagnosis?.hypotheses[0]).toMatchObject({ resourceName: 'checkout-api', metric: 'CPUUtilization' });
    expect(text).toMatch(/Alert:\* checkout-api-cpu-high \(firing, severity unknown\): average CPUUtilization > 80 \(observed 95\.36\)/);
    expect(text).toContain('named in the alert');
    // A CPU alarm is saturation: the walk reads the service and what it calls.
    expect(text).toMatch(/checkout-db \(aws\.rds\.instance, us-east-1, available\) checkout-api depends on it/);
    expect(text).toMatch(/\[ecs-service-high-latency § [A-Za-z]+\] ECS service high latency/);
    const metrics = reply.parts.find((p) => p.kind === 'metrics');
    expect(metrics?.kind === 'metrics' && metrics.summaries[0]?.metric).toBe('CPUUtilization');
    const kinds = reply.parts.flatMap((p) => (p.kind === 'approval' ? [p.approval.action.kind] : []));
    // One action per cause, the one whose rule holds.
    expect(kinds).toEqual(['aws.ecs.scale']);
    expect(reply.parts.at(-1)).toMatchObject({ kind: 'status' });
  });

  it('resolves Azure resource ids whatever their case, and both resources of a multi-resource alert', async () => {
    const [web] = fixtureAlerts('azure-monitor', 'metric-fired.json');
    const webReply = await investigate(web as Alert);
    expect(renderText(webReply)).toMatch(/portal-web \(azure\.web\.site, westeurope, running\) named in the alert/);
    // The alert fires on Http5xx although the recording shows none: the alert is believed, and says what it observed.
    expect(webReply.summary).toBe('Likely cause: portal-web Http5xx alert firing (observed 32); the latest reading here is 0 (falling, threshold 10)');
    const [logAlert] = fixtureAlerts('azure-monitor', 'log-alert-multi-resource.json');
    const cards = (await investigate(logAlert as Alert)).parts.find((p) => p.kind === 'resources' && p.title === 'Resources');
    expect(cards?.kind === 'resources' && cards.resources.map((c) => c.resource.name)).toEqual(['reporting-vm', 'portal-db']);
  });

  it('resolves a GCP full resource name and an Alertmanager service label', async () => {
    const [gcp] = fixtureAlerts('gcp-monitoring', 'incident-open.json');
    expect((await investigate(gcp as Alert)).summary).toMatch(/^Likely cause: search-api run\.googleapis\.com\/request_latencies alert firing/);
    const [latency] = fixtureAlerts('alertmanager', 'firing-group.json');
    expect((await investigate(latency as Alert)).summary).toMatch(/^Likely cause: checkout-api CPUUtilization/);
  });

  it('says so when the alert\'s resources are outside the channel\'s accounts, and proposes nothing', async () => {
    const [alert] = fixtureAlerts('cloudwatch', 'alarm-firing.json');
    // The staging channel sees only the staging account; the alarm is in production.
    const reply = await investigate({ ...(alert as Alert), title: 'cpu-high' }, 'C0000STAGING');
    expect(reply.summary).toBe('cpu-high: none of its resources is in this channel\'s accounts');
    expect(renderText(reply)).toContain('The alert names arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api, but none of them is a resource in the accounts this channel can use.');
    expect(reply.parts.some((p) => p.kind === 'approval')).toBe(false);
  });

  it('keeps an organization to its own estate: a Demo Corp ARN finds nothing for Globex', async () => {
    const [alert] = fixtureAlerts('cloudwatch', 'alarm-firing.json');
    const reply = await investigate({ ...(alert as Alert), title: 'cpu-high' }, 'C0000GLOBEXOPS', 'T00000002');
    const text = renderText(reply);
    expect(text).toContain('none of them is a resource in the accounts this channel can use');
    // Demo Corp's resources never appear (the alert's own text still names its ARN).
    expect(text).not.toMatch(/prod-cluster \(|orders-queue|checkout-alb|us-east-1, (degraded|running)\)/);
    // Globex's own look-alike, named in the alarm's text, is only possibly related: looked at, never acted on.
    expect(text).toMatch(/checkout-api \(aws\.ecs\.service, us-east-2, running\) possibly related/);
    expect(reply.parts.some((p) => p.kind === 'approval')).toBe(false);
    expect(reply.diagnosis?.rules).toEqual([]);
  });

  it('falls back to the resources the title names when the payload names none', async () => {
    const [minimal] = fixtureAlerts('cloudwatch', 'alarm-minimal.json');
    const reply = await investigate(minimal as Alert);
    // The alarm fires on a metric the recording lacks: the alert itself is the evidence, not "healthy".
    expect(reply.summary).toMatch(/^Likely cause: bastion-1/);
    expect(renderText(reply)).toMatch(/bastion-1 \(aws\.ec2\.instance, us-east-1, running\) named in the alert/);
  });
});
