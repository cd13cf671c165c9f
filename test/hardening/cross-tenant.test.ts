import { approveActionId, undoActionId } from '../../adapters/slack/ids.ts';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { slackContext } from '../support/agent.ts';
import { runCli } from '../support/cli.ts';
import { demoResource } from '../support/metrics.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { FakeTeamsConnector } from '../support/fake-teams.ts';
import { capturingLogger } from '../support/log-capture.ts';
import { scriptedModel, seen } from '../support/scripted-model.ts';
import { blockActionsBody, postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { checkoutApiArn, foreignMarkers, otherOrg, surfacesOf, type DemoOrg } from '../support/tenant-markers.ts';
import { inTenant, postActivity, teamsActivity } from '../support/teams-activities.ts';

/**
 * Two organizations with look-alike estates (both run a `checkout-api` and a `checkout-db`), every
 * surface (Slack commands, mentions and clicks, Teams, alert webhooks, the HTTP API, the CLI) and
 * every agent tool driven for one organization at a time, and everything that came out of that
 * phase (chat replies, API answers, log lines, /metrics, audit entries, the LLM's inputs) searched
 * for what only the other organization holds.
 *
 * The model is a worst case: on every request it calls every tool with names and ids of *both*
 * organizations (the other's ARN, the other's runbook id, a proposal on the other's service) and
 * then answers with everything its tools returned.
 */
const form = 'application/x-www-form-urlencoded';

function greedyTurn(messages: readonly BaseMessage[]): AIMessage {
  const toolResults = messages.filter((m) => m instanceof ToolMessage);
  if (toolResults.length === 0) {
    const calls = [
      { name: 'find_resources', args: { query: 'checkout' } },
      { name: 'get_dependencies', args: { resource: checkoutApiArn.demo, depth: 2 } },
      { name: 'get_dependencies', args: { resource: checkoutApiArn.globex, depth: 2 } },
      { name: 'get_metrics', args: { resources: [checkoutApiArn.demo, checkoutApiArn.globex] } },
      { name: 'get_recent_changes', args: { resources: [checkoutApiArn.demo, checkoutApiArn.globex, 'checkout-api'], windowMinutes: 180 } },
      { name: 'search_logs', args: { resources: [checkoutApiArn.demo, checkoutApiArn.globex, 'checkout-api'], windowMinutes: 60 } },
      { name: 'search_runbooks', args: { query: 'checkout errors latency storefront ledger' } },
      { name: 'get_runbook', args: { runbookId: 'globex-checkout-errors' } },
      { name: 'get_runbook', args: { runbookId: 'ecs-service-high-latency' } },
      { name: 'list_pending_approvals', args: {} },
      { name: 'propose_action', args: { kind: 'aws.ecs.scale', resource: checkoutApiArn.globex, params: { desiredCount: 9 }, reason: 'cross-tenant attempt' } },
      { name: 'propose_action', args: { kind: 'aws.ecs.scale', resource: checkoutApiArn.demo, params: { desiredCount: 9 }, reason: 'cross-tenant attempt' } },
    ];
    return new AIMessage({ content: '', tool_calls: calls.map((c, i) => ({ ...c, id: `x${messages.length}_${i}`, type: 'tool_call' as const })) });
  }
  // Echo every tool result: anything a tool leaked would reach the reply.
  return new AIMessage(`Here is everything I found:\n${toolResults.map((m) => String(m.content)).join('\n')}`);
}

describe('cross-tenant isolation: every surface and tool, two look-alike organizations', () => {
  const slack = new FakeSlack();
  const teams = new FakeTeamsConnector();
  const executor = new RecordingExecutor();
  const logs = capturingLogger();
  const model = scriptedModel(Array.from({ length: 400 }, () => greedyTurn));
  let bot: RunningBot;
  let keys: Record<DemoOrg, string>;
  const pending: Partial<Record<DemoOrg, string>> = {};
  const casesTried: Record<DemoOrg, number> = { demo: 0, globex: 0 };

  beforeAll(async () => {
    await Promise.all([slack.start(), teams.start()]);
    bot = await startTestBot({
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl, TEAMS_ENABLED: 'true',
      API_RATE_LIMIT_PER_KEY: '1000', API_RATE_LIMIT_PER_ORG: '5000', AGENT_MAX_TOOL_CALLS: '12',
    }, { executor, chatModel: { model, name: 'scripted' } }, logs.logger);
    const service = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() });
    keys = {
      demo: (await service.create({ orgId: 'demo', role: 'admin', name: 'demo admin', createdBy: 'cli:test' })).key,
      globex: (await service.create({ orgId: 'globex', role: 'admin', name: 'globex admin', createdBy: 'cli:test' })).key,
    };
    // One pending request in each organization (proposed in its ops channel), for the other one to try to click.
    for (const org of ['demo', 'globex'] as const) {
      const context = await slackContext(bot.runtime, { org });
      const proposed = await bot.runtime.approvals.propose(context, { kind: 'aws.ecs.scale', params: { desiredCount: 4 }, target: demoResource('checkout-api', org === 'demo' ? '111111111111' : '333333333333'), reason: 'setup' });
      if (!proposed.ok) throw new Error(proposed.message);
      pending[org] = proposed.approval.id;
    }
  });
  afterAll(async () => {
    await bot.stop();
    await Promise.all([slack.stop(), teams.stop()]);
    console.log(`[hardening] cross-tenant: ${casesTried.demo + casesTried.globex} surface requests checked (demo ${casesTried.demo}, globex ${casesTried.globex}); 0 leaks allowed`);
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
  }

  /** Drives every surface as `org` and returns what came back directly (HTTP bodies, CLI output). */
  async function driveEverySurface(org: DemoOrg): Promise<string[]> {
    const s = surfacesOf[org];
    const answers: string[] = [];
    const events = `${bot.url}/slack/events`;
    const count = (): void => { casesTried[org] += 1; };
    // Slack: every /cloud subcommand, on the look-alike names and on the other organization's ids.
    const commands = [
      'why is checkout-api slow?', 'resource checkout-api', 'deps checkout-api', 'metrics checkout-api 6h', 'runbook checkout errors',
      'approvals', `resource ${checkoutApiArn[otherOrg(org)]}`, `deps ${checkoutApiArn[otherOrg(org)]}`, 'resource checkout-db',
    ];
    for (const [i, text] of commands.entries()) {
      const response = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: s.slackTeam, user_id: s.slackUser, channel_id: s.slackChannel, text, response_url: slack.responseUrl(`${org}-${i}`) }) });
      expect(response.status).toBe(200);
      count();
      await settled();
    }
    // Slack: an @mention in a thread.
    const mention = {
      token: 'x', team_id: s.slackTeam, api_app_id: 'A00000001', type: 'event_callback', event_id: `Ev${org}MENTION1`, event_time: 1700000000,
      authorizations: [{ team_id: s.slackTeam, enterprise_id: null, user_id: 'UBOT00001', is_bot: true }],
      event: { type: 'app_mention', user: s.slackUser, text: '<@UBOT00001> what does checkout-api depend on?', ts: '1700000100.000100', channel: s.slackChannel, event_ts: '1700000100.000100' },
    };
    expect((await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: 'application/json', body: JSON.stringify(mention) })).status).toBe(200);
    count();
    await settled();
    // Slack: Approve and Undo clicks on the other organization's pending request.
    const foreign = pending[otherOrg(org)];
    if (foreign) {
      for (const actionId of [approveActionId, undoActionId]) {
        const click = {
          type: 'block_actions', team: { id: s.slackTeam, domain: org }, user: { id: s.slackUser, username: 'u', team_id: s.slackTeam }, api_app_id: 'A00000001',
          token: 'x', trigger_id: '1.2.3', response_url: slack.responseUrl('click'), channel: { id: s.slackChannel, name: 'ops' },
          container: { type: 'message', message_ts: '1700000000.000002', channel_id: s.slackChannel, is_ephemeral: false, thread_ts: '1700000000.000001' },
          message: { type: 'message', ts: '1700000000.000002', thread_ts: '1700000000.000001', text: 'x', blocks: [] },
          actions: [{ type: 'button', block_id: 'x', action_id: actionId, value: foreign, text: { type: 'plain_text', text: 'Approve' }, action_ts: '1700000001.000100' }],
        };
        expect((await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: blockActionsBody(click) })).status).toBe(200);
        count();
        await settled();
      }
    }
    // Teams: an @mention from the organization's tenant.
    const activity = teamsActivity('channel-mention', teams.serviceUrl(s.teamsTenant), (a) => {
      inTenant(a, s.teamsTenant);
      a.id = `17599447814${org === 'demo' ? '31' : '32'}`;
    });
    expect((await postActivity(bot.url, activity)).status).toBe(200);
    count();
    await settled();
    // An alert webhook with the organization's token, naming the look-alike service.
    const alert = {
      receiver: 'cloud-companion', status: 'firing', version: '4', groupKey: `{}:{alertname="CheckoutApiErrors-${org}"}`, externalURL: '', groupLabels: {}, commonLabels: {}, commonAnnotations: {},
      alerts: [{ status: 'firing', labels: { alertname: `CheckoutApiErrors-${org}`, service: 'checkout-api', severity: 'critical' }, annotations: { summary: 'checkout-api 5xx above 5%' }, startsAt: '2025-01-14T09:00:00.000Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `fp-${org}-1` }],
    };
    const webhook = await fetch(`${bot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${s.alertToken}` }, body: JSON.stringify(alert) });
    expect(webhook.status).toBe(202);
    count();
    await settled();
    // The HTTP API: ask, resources, approvals, audit, and the other organization's ids.
    const api = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> => {
      const response = await fetch(`${bot.url}${path}`, { method, headers: { 'x-api-key': keys[org], ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      count();
      return { status: response.status, text: await response.text() };
    };
    const asked = await api('POST', '/v1/ask', { question: 'why is checkout-api slow?' });
    expect(asked.status).toBe(200);
    answers.push(asked.text);
    for (const path of ['/v1/resources?q=checkout', '/v1/approvals', '/v1/audit?limit=500', `/v1/resources/${encodeURIComponent(checkoutApiArn[org])}`]) {
      const got = await api('GET', path);
      expect(got.status, path).toBe(200);
      answers.push(got.text);
    }
    expect((await api('GET', `/v1/resources/${encodeURIComponent(checkoutApiArn[otherOrg(org)])}`)).status).toBe(404);
    if (foreign) {
      expect((await api('GET', `/v1/approvals/${foreign}`)).status).toBe(404);
      expect((await api('POST', `/v1/approvals/${foreign}/decision`, { decision: 'approve' })).status).toBe(404);
    }
    await settled();
    // The CLI, on its own runtime, for the organization.
    for (const args of [['ask', '--org', org, 'why is checkout-api slow?'], ['ask', '--org', org, 'deps', 'checkout-api'], ['ask', '--org', org, 'runbook', 'checkout errors']]) {
      const run = await runCli(args, {});
      expect(run.code, run.stderr).toBe(0);
      count();
      answers.push(run.stdout, run.stderr);
    }
    return answers;
  }

  for (const org of ['demo', 'globex'] as const) {
    it(`${org}: nothing of ${otherOrg(org)} reaches ${org}'s replies, logs, metrics, audit or the LLM's prompts`, async () => {
      const other = otherOrg(org);
      slack.reset();
      teams.reset();
      logs.reset();
      const modelCallsBefore = model.calls.length;
      const answers = await driveEverySurface(org);

      // The phase did real work: answers in Slack and Teams, an agent run with every tool, and one pending request of its own.
      expect(slack.callsOf('chat.postMessage').length).toBeGreaterThan(10);
      expect(teams.calls.length).toBeGreaterThan(0);
      const inputs = model.calls.slice(modelCallsBefore).map((c) => seen(c.messages)).join('\n');
      expect(inputs).toContain('checkout-api');
      const approvals = await bot.runtime.stores.approvals.list(org);
      expect(approvals.length).toBeGreaterThan(0);

      const metrics = await (await fetch(`${bot.url}/metrics`)).text();
      const audit = JSON.stringify(await bot.runtime.stores.audit.list(org, { limit: 5000 }));
      const surfaces: Record<string, string> = {
        'Slack messages': slack.visibleText(), 'Teams activities': teams.visibleText(), 'API and CLI answers': answers.join('\n'),
        'log lines': logs.text(), '/metrics': metrics, 'audit entries': audit, 'LLM prompts': inputs,
        'approval requests': JSON.stringify(approvals), 'conversation history': JSON.stringify(await bot.runtime.stores.conversations.history(org, { platform: 'slack', workspaceId: `:${surfacesOf[org].slackTeam}`, channelId: surfacesOf[org].slackChannel, threadId: '1700000100.000100' })),
      };
      // The probes themselves (the other's ARN, typed by the user or the model) are echoed back legitimately; anything else of the other's is a leak.
      const probe = checkoutApiArn[other];
      // A progress line may echo the probe cut short ("…globex-core/chec…"): still the probe, not a leak.
      const cutProbe = new RegExp(`${probe.slice(0, 24).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[^\\s"…]{0,${probe.length - 24}}…`, 'g');
      for (const [where, text] of Object.entries(surfaces)) expect(foreignMarkers(text.replaceAll(probe, '(probe)').replaceAll(encodeURIComponent(probe), '(probe)').replace(cutProbe, (cut) => (probe.startsWith(cut.slice(0, -1)) ? '(probe)' : cut)), other), `${other}'s data in ${org}'s ${where}`).toEqual([]);
      // Metric labels never carry an organization, a resource or an account.
      expect(metrics).not.toMatch(/(orgId|org|tenant)="/);
      // Nothing ran, and the other organization's requests are untouched.
      expect(executor.executed).toEqual([]);
      const accounts = (await bot.runtime.stores.tenants.getOrganization(org))?.accounts.map((a) => a.accountId) ?? [];
      for (const a of approvals) expect(accounts).toContain(a.action.accountId);
      expect((await bot.runtime.stores.approvals.list(other)).every((a) => a.state === 'pending')).toBe(true);
      // The attempt on the other organization's service was refused, and said so to the model.
      expect(inputs).toMatch(/not found|outside|no resource|withheld/i);
    });
  }
});
