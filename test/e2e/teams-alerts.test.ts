import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTeamsAdapter, type TeamsAdapter } from '../../adapters/teams/index.ts';
import { BackgroundWork } from '../../src/background.ts';
import { loadConfig } from '../../src/config.ts';
import { CompanionError } from '../../src/errors.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Reply } from '../../src/reply.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { createHttpApp, listen, type RunningServer } from '../../src/server/http.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';

const demoTenant = '00000000-0000-0000-0000-000000000001';
const teamChannel = '19:team000000000000000000000000000@thread.tacv2';

/** The Teams chat port on a running server: what the alert service uses to start a thread in a channel. */
describe('Teams alert threads: a proactive post into a channel, then replies in its thread', () => {
  const teams = new FakeTeamsConnector();
  const logger = silentLogger();
  const background = new BackgroundWork(logger);
  let runtime: Runtime;
  let adapter: TeamsAdapter;
  let server: RunningServer;

  beforeAll(async () => {
    await teams.start();
    runtime = await createRuntime(loadConfig({ LOG_LEVEL: 'silent' }), logger);
    adapter = createTeamsAdapter({
      appType: 'SingleTenant', maxBodyBytes: 1_048_576, companion: runtime.companion, idempotency: runtime.stores.idempotency,
      references: runtime.stores.references, tenants: runtime.stores.tenants, background, logger,
    });
    server = await listen(createHttpApp(runtime, [adapter]), 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    await background.drain();
    await runtime.close();
    await teams.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  it('cannot post into a channel it has never been in, and says what to do', async () => {
    const error = await adapter.chat.post('demo', { platform: 'teams', channelId: teamChannel }, 'hello').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompanionError);
    expect((error as CompanionError).toUserText()).toMatch(/Add Cloud Companion to that team/);
    expect(teams.calls).toHaveLength(0);
  });

  it('posts an alert at the top of the channel it was installed in, replies in that thread, updates the post, and hears follow-ups there', async () => {
    await postActivity(server.url, teamsActivity('conversation-update-install', teams.serviceUrl(demoTenant)));
    await settled();
    teams.reset();

    const alert: Reply = { summary: 'ALARM: checkout-api p95 latency above 800 ms', parts: [{ kind: 'text', markdown: '*Firing*: checkout-api latency p95 1200 ms > 800 ms' }] };
    const posted = await adapter.chat.post('demo', { platform: 'teams', channelId: teamChannel }, alert);
    expect(teams.calls).toHaveLength(1);
    const parent = teams.calls[0];
    expect(parent?.kind).toBe('send');
    expect(parent?.conversationId).toBe(teamChannel);
    expect(JSON.stringify(parent?.activity.attachments)).toContain('**Firing**');
    expect(posted).toEqual({ platform: 'teams', channelId: teamChannel, workspaceKey: demoTenant, messageId: parent?.activity.id, threadId: `${teamChannel};messageid=${String(parent?.activity.id)}` });

    await adapter.chat.post('demo', { platform: 'teams', channelId: teamChannel }, 'Investigating…', posted.threadId);
    await adapter.chat.update('demo', posted, 'Resolved: checkout-api latency back under 800 ms');
    expect(teams.calls.slice(1).map((c) => [c.kind, c.conversationId, c.activityId])).toEqual([
      ['send', posted.threadId, undefined],
      ['update', posted.threadId, posted.messageId],
    ]);

    // Someone asks in the alert's thread: the answer lands there, and the thread is the conversation.
    teams.reset();
    await postActivity(server.url, teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => {
      a.id = '1759944999000';
      a.conversation.id = posted.threadId;
      a.channelData = { ...a.channelData, channel: { id: teamChannel }, teamsChannelId: teamChannel };
    }));
    await settled();
    expect(teams.calls.length).toBeGreaterThan(0);
    expect(teams.calls.every((c) => c.conversationId === posted.threadId)).toBe(true);
    const history = await runtime.stores.conversations.history('demo', { platform: 'teams', workspaceId: demoTenant, channelId: teamChannel, threadId: posted.threadId });
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('never posts into a channel for an organization its tenant is not bound to', async () => {
    const globexTenant = '00000000-0000-0000-0000-000000000002';
    await postActivity(server.url, teamsActivity('conversation-update-install', teams.serviceUrl(globexTenant), (a) => {
      a.conversation.tenantId = globexTenant;
      a.channelData = { ...a.channelData, tenant: { id: globexTenant } };
    }));
    await settled();
    teams.reset();
    // Demo Corp naming Globex's tenant: that channel reference is Globex's, not Demo Corp's.
    const wrongTenant = await adapter.chat.post('demo', { platform: 'teams', channelId: teamChannel, workspaceId: '00000000-0000-0000-0000-000000000002' }, 'hello').catch((e: unknown) => e);
    expect(wrongTenant).toBeInstanceOf(CompanionError);
    expect(teams.calls).toHaveLength(0);
    // Globex's own channel works for Globex.
    await adapter.chat.post('globex', { platform: 'teams', channelId: teamChannel }, 'hello');
    expect(teams.calls.map((c) => c.conversationId)).toEqual([teamChannel]);
  });
});
