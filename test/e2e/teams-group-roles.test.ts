import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { FakeBotFrameworkIssuer } from '../support/bot-framework-tokens.ts';
import { entraAccessToken, FakeGraph, fakeEntraTokens } from '../support/fake-graph.ts';
import { FakeTeamsConnector, type ConnectorCall } from '../support/fake-teams.ts';
import { postActivity, teamsActivity } from '../support/teams-activities.ts';
import { demoTenantsWith } from '../support/tenants.ts';

interface Card { actions?: { type: string; verb?: string; data?: { approvalId?: string }; card?: Card }[] }

const appId = '00000000-0000-0000-0000-0000000000b0';
const demoTenant = '00000000-0000-0000-0000-000000000001';
const thread = '19:ops0000000000000000000000000000@thread.tacv2;messageid=1759944781430';
const onCallGroup = '6f1d0000-0000-0000-0000-0000000000a1';
// Neither person has a member entry (the demo's defaultRole is viewer).
const inGroup = { id: '29:1-grace', name: 'Grace Group', aadObjectId: '00000000-0000-0000-0000-00000000c0c0' };
const outside = { id: '29:1-otto', name: 'Otto Outside', aadObjectId: '00000000-0000-0000-0000-00000000c0ff' };
const tenantsFile = demoTenantsWith('demo', { groups: [{ platform: 'teams', groupId: onCallGroup, role: 'operator' }] });

function approvalIdOf(call: ConnectorCall | undefined): string | undefined {
  const card = (call?.activity.attachments as { content: Card }[] | undefined)?.[0]?.content;
  const actions = (card?.actions ?? []).flatMap((a) => (a.type === 'Action.ShowCard' ? a.card?.actions ?? [] : [a]));
  return actions.find((a) => a.verb === 'cloud_companion.approve')?.data?.approvalId;
}

describe('Teams roles from Entra groups (Microsoft Graph checkMemberGroups)', () => {
  const issuer = new FakeBotFrameworkIssuer();
  const teams = new FakeTeamsConnector();
  const graph = new FakeGraph();
  const executor = new RecordingExecutor();
  let entra: ReturnType<typeof fakeEntraTokens>;
  let bot: RunningBot;

  beforeAll(async () => {
    await Promise.all([issuer.start(), teams.start(), graph.start()]);
    entra = fakeEntraTokens();
    bot = await startTestBot({
      MICROSOFT_APP_ID: appId, MICROSOFT_APP_PASSWORD: 'test-client-secret', MICROSOFT_APP_TENANT_ID: demoTenant,
      MICROSOFT_OPENID_METADATA_URL: issuer.metadataUrl, MICROSOFT_GRAPH_URL: graph.graphUrl, TENANTS_FILE: tenantsFile,
    }, { executor });
  });
  afterAll(async () => {
    await bot.stop();
    entra.done();
    await Promise.all([issuer.stop(), teams.stop(), graph.stop()]);
  });

  const settled = () => vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  const bearer = () => `Bearer ${issuer.token({ aud: appId, serviceurl: teams.serviceUrl(demoTenant) })}`;

  async function approvalCard(id: string): Promise<{ approvalId: string; messageId: string }> {
    teams.reset();
    const mention = teamsActivity('channel-mention', teams.serviceUrl(demoTenant), (a) => { a.id = id; });
    expect((await postActivity(bot.url, mention, bearer())).status).toBe(200);
    await settled();
    const call = teams.sent(thread).find((c) => approvalIdOf(c));
    return { approvalId: approvalIdOf(call) as string, messageId: call?.activity.id as string };
  }

  async function approveAs(from: Record<string, string>, card: { approvalId: string; messageId: string }): Promise<{ type: string; value: unknown }> {
    const click = teamsActivity('invoke-approve', teams.serviceUrl(demoTenant), (a) => {
      a.from = from;
      a.replyToId = card.messageId;
      (a.value as { action: { data: { approvalId: string } } }).action.data.approvalId = card.approvalId;
    });
    const response = await postActivity(bot.url, click, bearer());
    expect(response.status).toBe(200);
    const body = await response.json() as { type: string; value: unknown };
    await settled();
    return body;
  }

  it('lets a member of an Entra group granted operator approve, and refuses someone outside it', async () => {
    graph.members.set(onCallGroup, [inGroup.aadObjectId]);
    const card = await approvalCard('1759944900000');

    const refused = await approveAs(outside, card);
    expect(refused).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('you are a viewer') });
    expect(executor.executed).toHaveLength(0);

    const approved = await approveAs(inGroup, card);
    expect(approved.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(approved.value)).toContain('Approved by Grace Group');
    expect(executor.executed.map((a) => a.id)).toEqual([card.approvalId]);

    // Graph was asked about the configured group only, by object id, with an app token for the tenant.
    expect(graph.calls.length).toBeGreaterThan(0);
    expect(graph.calls.every((c) => c.groupIds.join() === onCallGroup && c.authorization === `Bearer ${entraAccessToken}`)).toBe(true);
    expect(new Set(graph.calls.map((c) => c.userId))).toEqual(new Set([outside.aadObjectId, inGroup.aadObjectId, '00000000-0000-0000-0000-00000000ad02']));
    expect(entra.requests.some((r) => r.tenant === demoTenant && r.clientId === appId && r.scope.includes('https://graph.microsoft.com/.default'))).toBe(true);
  });

  it('asks Graph once per person within the cache time', async () => {
    const calls = graph.calls.length;
    const card = await approvalCard('1759944910000');
    await approveAs(outside, card);
    expect(graph.calls.length).toBe(calls);
  });

  it('falls back to member entries and the default role when Graph cannot answer', async () => {
    graph.failWith = { status: 503, code: 'serviceNotAvailable' };
    const newcomer = { id: '29:1-nina', name: 'Nina New', aadObjectId: '00000000-0000-0000-0000-00000000c0d0' };
    graph.members.set(onCallGroup, [inGroup.aadObjectId, newcomer.aadObjectId]);
    const card = await approvalCard('1759944920000');
    const calls = graph.calls.length;

    const refused = await approveAs(newcomer, card);
    expect(graph.calls.length).toBeGreaterThan(calls);
    expect(refused.value).toEqual(expect.stringContaining('you are a viewer'));
    expect(executor.executed).toHaveLength(1);

    // The member entry of the operator (aadObjectId …ad02 in tenants.yaml) still counts.
    const approved = await approveAs({ id: '29:1-operator-teams-id', name: 'Olga Operator', aadObjectId: '00000000-0000-0000-0000-00000000ad02' }, card);
    expect(JSON.stringify(approved.value)).toContain('Approved by Olga Operator');
    expect(executor.executed).toHaveLength(2);
  });
});
