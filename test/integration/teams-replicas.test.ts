import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { inTenant, postActivity, teamsActivity, type ActivityJson } from '../support/teams-activities.ts';

// A fresh organization, tenant and channel per run: the Neo4j server is shared with other suites.
const run = randomUUID().slice(0, 8);
const orgId = `teams-${run}`;
const tenantId = `${run}-0000-4000-8000-000000000001`;
const alertsChannel = `19:alerts${run}@thread.tacv2`;
const operator = '00000000-0000-0000-0000-00000000ad02';
const alertsToken = `alerts-token-${run}`;
const demoDir = fileURLToPath(new URL('../../src/demo/', import.meta.url));

function tenantsFile(): string {
  const yaml = `version: 1
organizations:
  - id: ${orgId}
    name: Teams replicas ${run}
    bindings: { teams: { tenants: ["${tenantId}"] } }
    accounts:
      - { provider: aws, accountId: "111111111111", name: demo-prod }
    members:
      - { platform: teams, userId: "${operator}", role: operator }
    channels:
      - { platform: teams, channelId: "${alertsChannel}", accounts: ["*"], actions: ["aws.ecs.*"], alerts: true }
    defaultChannel: { accounts: ["*"], actions: [], alerts: false }
    alerts:
      channel: { platform: teams, channelId: "${alertsChannel}" }
      webhooks:
        - { sources: ["*"], tokenSha256: ${createHash('sha256').update(alertsToken).digest('hex')} }
    seed:
      estate: ${join(demoDir, 'estate/demo.yaml')}
      runbooks: ${join(demoDir, 'runbooks/demo')}
      metrics: ${join(demoDir, 'metrics/demo.json')}
`;
  const file = join(mkdtempSync(join(tmpdir(), 'cc-teams-replicas-')), 'tenants.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The CloudWatch fixture as a new alarm: its own SNS message id and alarm ARN. */
function freshAlarm(): string {
  const envelope = JSON.parse(alertFixtureText('cloudwatch/alarm-firing.json')) as { MessageId: string; Message: string };
  const message = JSON.parse(envelope.Message) as { AlarmName: string; AlarmArn: string };
  message.AlarmName = `${message.AlarmName}-${run}`;
  message.AlarmArn = `${message.AlarmArn}-${run}`;
  return JSON.stringify({ ...envelope, MessageId: randomUUID(), Message: JSON.stringify(message) });
}

/**
 * Two replicas sharing only Neo4j. Teams' conversation references, retries and approvals live
 * there, so whichever replica an activity or an alert lands on, the result is the same.
 */
describe('Teams on two replicas sharing Neo4j', () => {
  const teams = new FakeTeamsConnector();
  const executors = [new RecordingExecutor(), new RecordingExecutor()];
  const bots: RunningBot[] = [];

  beforeAll(async () => {
    await teams.start();
    const services = inject('services');
    const env = {
      TEAMS_ENABLED: 'true', TENANTS_FILE: tenantsFile(),
      NEO4J_URI: services.NEO4J_URI, NEO4J_USER: services.NEO4J_USER, NEO4J_PASSWORD: services.NEO4J_PASSWORD,
    };
    for (const executor of executors) bots.push(await startTestBot(env, { executor }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await teams.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bots.map((b) => b.background.size)).toEqual([0, 0]), { timeout: 20_000, interval: 25 });
  }

  function inAlertsChannel(name: 'channel-mention' | 'invoke-approve' | 'conversation-update-install', patch: (a: ActivityJson) => void = () => undefined): ActivityJson {
    return teamsActivity(name, teams.serviceUrl(tenantId), (a) => {
      inTenant(a, tenantId);
      a.channelData = { ...a.channelData, channel: { id: alertsChannel }, teamsChannelId: alertsChannel };
      patch(a);
    });
  }

  it('posts an alert from one replica into the channel the other replica was added to, and runs its approval once across both', async () => {
    const [a, b] = bots as [RunningBot, RunningBot];
    await postActivity(a.url, inAlertsChannel('conversation-update-install', (x) => { x.conversation.id = alertsChannel; }));
    await settled();
    teams.reset();

    const basic = `Basic ${Buffer.from(`sns:${alertsToken}`).toString('base64')}`;
    const fired = await fetch(`${b.url}/alerts/cloudwatch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', authorization: basic, 'x-amz-sns-message-type': 'Notification' },
      body: freshAlarm(),
    });
    expect(fired.status, await fired.clone().text()).toBe(202);
    await settled();
    const [parent, ...inThread] = teams.calls;
    expect(parent?.conversationId).toBe(alertsChannel);
    const thread = `${alertsChannel};messageid=${String(parent?.activity.id)}`;
    const approvalCard = inThread.find((c) => String(JSON.stringify(c.activity.attachments)).includes('cloud_companion.approve'));
    expect(approvalCard?.conversationId).toBe(thread);
    const approvalId = /"approvalId":"([0-9a-f-]{36})"/.exec(JSON.stringify(approvalCard?.activity.attachments))?.[1] as string;
    teams.reset();

    // Ten clicks, alternating replicas: one execution, one result in the thread, one card update.
    const click = (i: number): ActivityJson => inAlertsChannel('invoke-approve', (x) => {
      x.id = `f:click-${run}-${i}`;
      x.conversation.id = thread;
      x.replyToId = approvalCard?.activity.id as string;
      (x.value as { action: { data: { approvalId: string } } }).action.data.approvalId = approvalId;
    });
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => postActivity((i % 2 ? b : a).url, click(i))));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 200));
    await settled();
    expect(executors.flatMap((e) => e.executed.map((x) => x.id))).toEqual([approvalId]);
    expect(teams.sent(thread).filter((c) => c.activity.type === 'message')).toHaveLength(1);
    expect(teams.updatesOf(approvalCard?.activity.id as string)).toHaveLength(1);
  });

  it('answers a redelivered mention once, whichever replicas it lands on', async () => {
    teams.reset();
    const mention = inAlertsChannel('channel-mention', (x) => {
      x.id = `${Date.now()}`;
      x.conversation.id = `${alertsChannel};messageid=${x.id}`;
      x.text = '<at>Cloud Companion</at> resource checkout-api';
    });
    await Promise.all(bots.flatMap((bot) => [postActivity(bot.url, mention), postActivity(bot.url, mention)]));
    await settled();
    expect(teams.calls.filter((c) => c.activity.type === 'typing')).toHaveLength(1);
    expect(teams.sent().filter((c) => c.activity.type === 'message')).toHaveLength(1);
  });
});
