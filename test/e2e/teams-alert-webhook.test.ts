import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

const demoTenant = '00000000-0000-0000-0000-000000000001';
const alertsChannel = '19:alerts00000000000000000000000@thread.tacv2';
const demoDir = fileURLToPath(new URL('../../src/demo/', import.meta.url));

/** The bundled demo tenants, with Demo Corp's alert channel moved to a Teams channel. */
function tenantsWithTeamsAlertChannel(): string {
  const demo = readFileSync(join(demoDir, 'tenants.yaml'), 'utf8');
  const moved = demo
    .replace('channel: { platform: slack, channelId: C0000ALERTS }', `channel: { platform: teams, channelId: "${alertsChannel}" }`)
    .replace('    channels:\n', `    channels:\n      - { platform: teams, channelId: "${alertsChannel}", accounts: ["*"], actions: ["aws.ecs.*"], alerts: true }\n`)
    .replaceAll('./estate/', join(demoDir, 'estate/')).replaceAll('./runbooks/', join(demoDir, 'runbooks/')).replaceAll('./metrics/', join(demoDir, 'metrics/'));
  expect(moved).toContain(`platform: teams, channelId: "${alertsChannel}" }`);
  const file = join(mkdtempSync(join(tmpdir(), 'cc-teams-alerts-')), 'tenants.yaml');
  writeFileSync(file, moved);
  return file;
}

describe('alert webhooks end to end, into a Teams alert channel', () => {
  const teams = new FakeTeamsConnector();
  const executor = new RecordingExecutor();
  let bot: RunningBot;

  beforeAll(async () => {
    await teams.start();
    bot = await startTestBot({ TEAMS_ENABLED: 'true', TENANTS_FILE: tenantsWithTeamsAlertChannel() }, { executor });
  });
  afterAll(async () => {
    await bot.stop();
    await teams.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });
  }

  it('posts the alarm at the top of the channel, investigates in its thread, and takes follow-ups and approvals there', async () => {
    // The bot learns where the channel is when it is added to it.
    await postActivity(bot.url, teamsActivity('conversation-update-install', teams.serviceUrl(demoTenant), (a) => {
      a.conversation.id = alertsChannel;
      a.channelData = { ...a.channelData, channel: { id: alertsChannel } };
    }));
    await settled();
    teams.reset();

    const basic = `Basic ${Buffer.from('sns:demo-alerts-token').toString('base64')}`;
    const fired = await fetch(`${bot.url}/alerts/cloudwatch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', authorization: basic, 'x-amz-sns-message-type': 'Notification' },
      body: alertFixtureText('cloudwatch/alarm-firing.json'),
    });
    expect(fired.status).toBe(202);
    await settled();

    const [parent, ...inThread] = teams.calls;
    expect(parent?.kind).toBe('send');
    expect(parent?.conversationId).toBe(alertsChannel);
    expect(JSON.stringify(parent?.activity.attachments)).toContain('checkout-api-cpu-high');
    const thread = `${alertsChannel};messageid=${String(parent?.activity.id)}`;
    expect(inThread.length).toBeGreaterThan(0);
    expect(inThread.every((c) => c.conversationId === thread)).toBe(true);
    // "Investigating…" at once, replaced by the answer; the approval cards follow as messages of their own.
    expect(inThread[0]?.kind).toBe('send');
    expect(JSON.stringify(inThread[0]?.activity.attachments)).toContain('Investigating checkout-api-cpu-high');
    expect(inThread[1]?.kind).toBe('update');
    expect(JSON.stringify(inThread[1]?.activity.attachments)).toContain('checkout-api');
    const investigation = JSON.stringify(inThread.map((c) => c.activity.attachments));
    expect(investigation).toContain('checkout-api');
    const approvalCard = inThread.find((c) => String(JSON.stringify(c.activity.attachments)).includes('cloud_companion.approve'));
    expect(JSON.stringify(approvalCard?.activity.attachments)).toContain('aws.ecs.scale');

    // An operator approves from the card in the alert's thread: it runs once, the result lands in the thread.
    const approvalId = /"approvalId":"([0-9a-f-]{36})"/.exec(JSON.stringify(approvalCard?.activity.attachments))?.[1] as string;
    teams.reset();
    const click = await postActivity(bot.url, teamsActivity('invoke-approve', teams.serviceUrl(demoTenant), (a) => {
      a.conversation.id = thread;
      a.channelData = { ...a.channelData, channel: { id: alertsChannel } };
      a.replyToId = approvalCard?.activity.id as string;
      (a.value as { action: { data: { approvalId: string } } }).action.data.approvalId = approvalId;
    }));
    expect(JSON.stringify(await click.json())).toContain('Approved by Olga Operator');
    await settled();
    expect(executor.executed.map((a) => a.id)).toEqual([approvalId]);
    expect(teams.calls.every((c) => c.conversationId === thread)).toBe(true);

    // A follow-up @mention in the alert's thread continues the alert's conversation.
    teams.reset();
    await postActivity(bot.url, teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => {
      a.id = '1759945000000';
      a.conversation.id = thread;
      a.channelData = { ...a.channelData, channel: { id: alertsChannel }, teamsChannelId: alertsChannel };
      a.text = '<at>Cloud Companion</at> deps checkout-api';
    }));
    await settled();
    expect(teams.calls.length).toBeGreaterThan(0);
    expect(teams.calls.every((c) => c.conversationId === thread)).toBe(true);
    const history = await bot.runtime.stores.conversations.history('demo', { platform: 'teams', workspaceId: demoTenant, channelId: alertsChannel, threadId: thread });
    expect(history.filter((m) => m.role === 'user').length).toBeGreaterThanOrEqual(2);
  });
});
