import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import { openApiDocument } from '../../src/api/openapi.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Role } from '../../src/request.ts';
import type { RuntimeOverrides } from '../../src/runtime.ts';
import { ApiClient, parseEventStream } from '../support/api-client.ts';
import { alertFixtureText } from '../support/alert-fixtures.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { scriptedModel } from '../support/scripted-model.ts';

interface ReplyBody { summary: string; parts: { kind: string; approval?: { id: string; action: { kind: string } }; resources?: { resource: { name: string } }[] }[] }
interface AskBody { requestId: string; threadId: string; reply: ReplyBody }
interface ErrorBody { error: string; message: string }

const checkoutApi = 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api';
const globexCheckoutApi = 'arn:aws:ecs:us-east-2:333333333333:service/globex-core/checkout-api';

/** The real server on a free port with the embedded stores; keys are made the way the CLI makes them. */
async function startApiBot(env: Record<string, string>, executor = new RecordingExecutor(), overrides: Omit<RuntimeOverrides, 'executor' | 'now'> = {}) {
  let clock = new Date('2025-06-01T12:00:00.000Z');
  const bot = await startTestBot(env, { ...overrides, executor, now: () => clock });
  const keys = new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger(), now: () => clock });
  const api = await ApiClient.connect(bot.url);
  return {
    bot, api, executor, keys,
    advance(ms: number) { clock = new Date(clock.getTime() + ms); },
    async key(orgId: string, role: Role, extra: { expiresAt?: Date } = {}) {
      return (await keys.create({ orgId, role, name: `${orgId} ${role}`, createdBy: 'cli:test', ...extra })).key;
    },
    now: () => clock,
  };
}

describe('HTTP API end to end', () => {
  let t: Awaited<ReturnType<typeof startApiBot>>;
  let viewer: string;
  let operator: string;
  let admin: string;
  let globex: string;

  beforeAll(async () => {
    t = await startApiBot({ API_RATE_LIMIT_PER_KEY: '1000', API_RATE_LIMIT_PER_ORG: '5000' });
    [viewer, operator, admin, globex] = await Promise.all([t.key('demo', 'viewer'), t.key('demo', 'operator'), t.key('demo', 'admin'), t.key('globex', 'admin')]);
  });
  afterAll(async () => {
    await t.bot.stop();
  });

  async function settled(): Promise<void> {
    await vi.waitFor(() => expect(t.bot.background.size).toBe(0), { timeout: 10_000, interval: 20 });
  }

  describe('OpenAPI document', () => {
    it('is served without a key, is valid OpenAPI 3.1, and is the committed one', async () => {
      const response = await fetch(`${t.bot.url}/v1/openapi.json`);
      expect(response.status).toBe(200);
      const served = await response.json() as Record<string, unknown>;
      expect(served).toEqual(openApiDocument());
      await expect(new Validator().validate(served)).resolves.toEqual({ valid: true });
    });
  });

  describe('authentication', () => {
    it('refuses a missing key with 401 and says where the key goes and how to get one', async () => {
      const { status, body } = await t.api.call<ErrorBody>('GET', '/v1/approvals');
      expect(status).toBe(401);
      expect(body.error).toBe('unauthorized');
      expect(body.message).toMatch(/X-API-Key header.*cloud-companion keys create --org/);
    });

    it('refuses malformed, unknown and forged keys alike, without saying which ids exist', async () => {
      const known = /^cc_([0-9a-f]{16})_/.exec(viewer)?.[1] ?? '';
      const forged = await t.api.call<ErrorBody>('GET', '/v1/approvals', { key: `cc_${known}_${'A'.repeat(43)}` });
      const unknown = await t.api.call<ErrorBody>('GET', '/v1/approvals', { key: `cc_0123456789abcdef_${'A'.repeat(43)}` });
      const malformed = await t.api.call<ErrorBody>('GET', '/v1/approvals', { key: 'Bearer something' });
      for (const r of [forged, unknown, malformed]) expect(r.status).toBe(401);
      expect(forged.body.message.replace(known, 'X')).toBe(unknown.body.message.replace('0123456789abcdef', 'X'));
      expect(malformed.body.message).toMatch(/does not hold a whole Cloud Companion API key.*cc_/);
    });

    it('refuses a revoked key from the moment it is revoked, and an expired key from its expiry', async () => {
      const key = await t.key('demo', 'viewer');
      const keyId = /^cc_([0-9a-f]{16})_/.exec(key)?.[1] ?? '';
      expect((await t.api.call('GET', '/v1/approvals', { key })).status).toBe(200);
      await t.keys.revoke('demo', keyId, 'cli:test');
      const revoked = await t.api.call<ErrorBody>('GET', '/v1/approvals', { key });
      expect(revoked.status).toBe(401);
      expect(revoked.body.message).toMatch(new RegExp(`${keyId}.*was revoked at .*keys create --org demo`));

      const temporary = await t.key('demo', 'viewer', { expiresAt: new Date(t.now().getTime() + 60_000) });
      expect((await t.api.call('GET', '/v1/approvals', { key: temporary })).status).toBe(200);
      t.advance(60_000);
      const expired = await t.api.call<ErrorBody>('GET', '/v1/approvals', { key: temporary });
      expect(expired.status).toBe(401);
      expect(expired.body.message).toMatch(/expired at .*keys create --org demo/);
    });

    it('records every use: last used on the key, an audit event per request', async () => {
      const key = await t.key('demo', 'viewer');
      const keyId = /^cc_([0-9a-f]{16})_/.exec(key)?.[1] ?? '';
      t.advance(1_000);
      await t.api.call('GET', '/v1/resources?q=checkout', { key });
      await t.api.call('GET', '/v1/approvals/no-such-id', { key, documented: '/v1/approvals/{id}' });
      await settled();
      expect((await t.bot.runtime.stores.apiKeys.find(keyId))?.lastUsedAt).toBe(t.now().toISOString());
      const events = await t.bot.runtime.stores.audit.list('demo', { subjectId: keyId });
      expect(events.map((e) => [e.type, e.actor, e.detail['method'], e.detail['path'], e.detail['status']])).toEqual([
        ['api_key.created', 'cli:test', undefined, undefined, undefined],
        ['api.request', `apikey:${keyId}`, 'GET', '/v1/resources', 200],
        ['api.request', `apikey:${keyId}`, 'GET', '/v1/approvals/no-such-id', 404],
      ]);
    });
  });

  describe('POST /v1/ask', () => {
    it('answers a question as JSON, and a follow-up in the same thread', async () => {
      const first = await t.api.call<AskBody>('POST', '/v1/ask', { key: viewer, body: { question: 'why is checkout-api slow?' } });
      expect(first.status).toBe(200);
      expect(first.body.reply.summary).toContain('checkout-api');
      expect(first.body.reply.parts.some((p) => p.kind === 'resources' && p.resources?.some((r) => r.resource.name === 'checkout-api'))).toBe(true);
      expect(first.body.threadId).toMatch(/^[0-9a-f-]{36}$/);

      const followUp = await t.api.call<AskBody>('POST', '/v1/ask', { key: operator, body: { question: 'deps checkout-db', threadId: first.body.threadId } });
      expect(followUp.status).toBe(200);
      expect(followUp.body.threadId).toBe(first.body.threadId);
      expect(followUp.body.requestId).not.toBe(first.body.requestId);

      const thread = await t.api.call<{ threadId: string; messages: { role: string; text: string; actorId?: string }[] }>('GET', `/v1/threads/${first.body.threadId}`, { key: viewer, documented: '/v1/threads/{id}' });
      expect(thread.status).toBe(200);
      expect(thread.body.messages.map((m) => [m.role, m.role === 'user' ? m.text : 'answer'])).toEqual([
        ['user', 'why is checkout-api slow?'], ['assistant', 'answer'], ['user', 'deps'], ['assistant', 'answer'],
      ]);
      expect(thread.body.messages[0]?.actorId).toMatch(/^apikey:[0-9a-f]{16}$/);
    });

    it('investigates an alert from its resources and metric, and proposes nothing for a resolved one', async () => {
      const alert = { title: 'High p99 latency', severity: 'critical', summary: 'p99 above 2 s for 10 minutes', resources: [checkoutApi], source: 'grafana', metric: { name: 'TargetResponseTime', threshold: 2, observed: 3.4, unit: 'Seconds' } };
      const firing = await t.api.call<AskBody>('POST', '/v1/ask', { key: viewer, body: { alert } });
      expect(firing.status).toBe(200);
      const text = JSON.stringify(firing.body.reply);
      expect(text).toContain('High p99 latency (firing');
      expect(text).toContain('checkout-api');
      expect(firing.body.reply.parts.some((p) => p.kind === 'approval')).toBe(true);
      const thread = await t.api.call<{ messages: { role: string; text: string }[] }>('GET', `/v1/threads/${firing.body.threadId}`, { key: viewer, documented: '/v1/threads/{id}' });
      expect(thread.body.messages[0]?.text).toMatch(/^Alert firing from api: High p99 latency \(severity critical\)\.\np99 above 2 s for 10 minutes Reported by grafana\./);

      const resolved = await t.api.call<AskBody>('POST', '/v1/ask', { key: viewer, body: { alert: { ...alert, status: 'resolved' }, threadId: firing.body.threadId } });
      expect(resolved.status).toBe(200);
      expect(resolved.body.reply.parts.some((p) => p.kind === 'approval')).toBe(false);
    });

    it('refuses a thread of nobody, and says how to start one', async () => {
      const { status, body } = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: viewer, body: { question: 'and now?', threadId: 'never-started' } });
      expect(status).toBe(404);
      expect(body.message).toMatch(/no thread "never-started".*Omit threadId/);
    });

    it('lists every problem of an invalid request, and refuses non-JSON and oversized bodies', async () => {
      const both = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: viewer, body: { question: 'x', alert: { title: 'y' }, threadId: 'bad id!', extra: 1 } });
      expect(both.status).toBe(400);
      expect(both.body.error).toBe('input_invalid');
      expect(both.body.message).toMatch(/body\.threadId: use up to 128/);
      expect(both.body.message).toMatch(/body: Unrecognized key: "extra"/);
      const neither = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: viewer, body: {} });
      expect(neither.body.message).toContain('send either "question" or "alert"');
      const text = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: viewer, rawBody: 'question=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(text.status).toBe(400);
      expect(text.body.message).toContain('Content-Type: application/json');
      const broken = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: viewer, rawBody: '{"question": ', headers: { 'content-type': 'application/json' } });
      expect(broken.status).toBe(400);
      expect(broken.body.message).toMatch(/not valid JSON/);
      const huge = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: viewer, body: { question: 'x'.repeat(2_000_000) } });
      expect(huge.status).toBe(413);
    });

    it('streams server-sent events: started, progress as tools run, then the reply', async () => {
      const response = await fetch(`${t.bot.url}/v1/ask`, {
        method: 'POST',
        headers: { 'x-api-key': viewer, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ question: 'why is checkout-api slow?' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('cache-control')).toContain('no-cache');
      const events = parseEventStream(await response.text());
      const names = events.map((e) => e.event);
      expect(names[0]).toBe('started');
      expect(names.at(-1)).toBe('reply');
      expect(names.filter((n) => n === 'progress').length).toBeGreaterThan(0);
      expect(names.slice(1, -1).every((n) => n === 'progress')).toBe(true);
      const started = events[0]?.data as { requestId: string; threadId: string };
      const reply = events.at(-1)?.data as AskBody;
      expect(reply.requestId).toBe(started.requestId);
      expect(reply.threadId).toBe(started.threadId);
      expect(reply.reply.summary).toContain('checkout-api');
      t.api.check('post', '/v1/ask', 200, reply);
      const steps = events.filter((e) => e.event === 'progress').map((e) => (e.data as { step: string; requestId: string }));
      expect(steps.every((s) => s.requestId === started.requestId)).toBe(true);
      expect(steps.map((s) => s.step)).toContain('tool:get_metrics');
    });
  });

  describe('resources', () => {
    it('searches by text, type and tag, within the organization', async () => {
      const byText = await t.api.call<{ resources: { id: string; name: string }[] }>('GET', '/v1/resources?q=checkout', { key: viewer });
      expect(byText.status).toBe(200);
      expect(byText.body.resources.map((r) => r.id)).toContain(checkoutApi);
      expect(byText.body.resources.every((r) => r.id.includes(':111111111111:') || r.id.includes(':222222222222:') || !r.id.includes('333333333333'))).toBe(true);
      const byType = await t.api.call<{ resources: { type: string }[] }>('GET', '/v1/resources?type=aws.ecs.service&limit=50', { key: viewer });
      expect(byType.body.resources.length).toBeGreaterThan(0);
      expect(byType.body.resources.every((r) => r.type === 'aws.ecs.service')).toBe(true);
      const byTag = await t.api.call<{ resources: { tags: Record<string, string> }[] }>('GET', '/v1/resources?tag=service=checkout', { key: viewer });
      expect(byTag.body.resources.length).toBeGreaterThan(0);
      expect(byTag.body.resources.every((r) => r.tags['service'] === 'checkout')).toBe(true);
      const bad = await t.api.call<ErrorBody>('GET', '/v1/resources?limit=0&colour=red', { key: viewer });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/query\.limit: .*\n.*colour/s);
    });

    it('shows one resource with what it needs and what needs it, by its URL-encoded id', async () => {
      const { status, body } = await t.api.call<{ resource: { id: string }; dependencies: { resource: { name: string }; depth: number }[]; dependents: { resource: { name: string } }[] }>(
        'GET', `/v1/resources/${encodeURIComponent(checkoutApi)}?depth=2`, { key: viewer, documented: '/v1/resources/{id}' },
      );
      expect(status).toBe(200);
      expect(body.resource.id).toBe(checkoutApi);
      expect(body.dependencies.map((d) => d.resource.name)).toContain('checkout-db');
      expect(body.dependents.length).toBeGreaterThan(0);
      expect(Math.max(...body.dependencies.map((d) => d.depth))).toBeLessThanOrEqual(2);
      const missing = await t.api.call<ErrorBody>('GET', `/v1/resources/${encodeURIComponent('arn:aws:ecs:us-east-1:111111111111:service/nope')}`, { key: viewer, documented: '/v1/resources/{id}' });
      expect(missing.status).toBe(404);
      expect(missing.body.message).toMatch(/GET \/v1\/resources\?q=/);
    });
  });

  describe('approvals', () => {
    async function proposeScale(): Promise<string> {
      const { body } = await t.api.call<AskBody>('POST', '/v1/ask', { key: viewer, body: { question: 'why is checkout-api slow?' } });
      const approval = body.reply.parts.find((p) => p.kind === 'approval' && p.approval?.action.kind === 'aws.ecs.scale')?.approval;
      expect(approval).toBeDefined();
      return approval?.id ?? '';
    }

    it('lists and shows pending requests', async () => {
      const id = await proposeScale();
      const list = await t.api.call<{ approvals: { id: string; state: string }[] }>('GET', '/v1/approvals', { key: viewer });
      expect(list.status).toBe(200);
      expect(list.body.approvals.map((a) => a.id)).toContain(id);
      expect(list.body.approvals.every((a) => a.state === 'pending')).toBe(true);
      const one = await t.api.call<{ approval: { id: string; state: string; risk: string } }>('GET', `/v1/approvals/${id}`, { key: viewer, documented: '/v1/approvals/{id}' });
      expect(one.body.approval).toMatchObject({ id, state: 'pending', risk: 'low' });
    });

    it('applies the chat buttons\' rules: a viewer cannot decide, an operator approves a low-risk action once', async () => {
      const id = await proposeScale();
      const decide = (key: string, decision: string) => t.api.call<Record<string, unknown>>('POST', `/v1/approvals/${id}/decision`, { key, body: { decision }, documented: '/v1/approvals/{id}/decision' });

      const byViewer = await decide(viewer, 'approve');
      expect(byViewer.status).toBe(403);
      expect(String(byViewer.body['message'])).toMatch(/viewer role.*needs operator.*--role operator/);

      const before = t.executor.executed.length;
      const results = await Promise.all([decide(operator, 'approve'), decide(operator, 'approve'), decide(admin, 'approve')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      const won = results.find((r) => r.status === 200)?.body as { outcome: string; approval: { state: string } };
      expect(won.outcome).toBe('executed');
      expect(won.approval.state).toBe('succeeded');
      expect(t.executor.executed.filter((a) => a.id === id)).toHaveLength(1);
      expect(t.executor.executed.length).toBe(before + 1);
      const lost = results.find((r) => r.status === 409)?.body as { error: string; message: string };
      expect(lost.error).toBe('already_decided');
      // Decisions carry the key's name, as chat decisions carry the clicker's.
      expect(lost.message).toMatch(/already succeeded \(approved by demo (operator|admin) at .*\); nothing was run now/);
      const invalid = await decide(operator, 'maybe');
      expect(invalid.status).toBe(400);
    });

    it('denies, and then runs nothing', async () => {
      const id = await proposeScale();
      const denied = await t.api.call<{ outcome: string; approval: { state: string } }>('POST', `/v1/approvals/${id}/decision`, { key: operator, body: { decision: 'deny' }, documented: '/v1/approvals/{id}/decision' });
      expect(denied.status).toBe(200);
      expect(denied.body).toMatchObject({ outcome: 'denied', approval: { state: 'denied' } });
      expect(t.executor.executed.some((a) => a.id === id)).toBe(false);
      const all = await t.api.call<{ approvals: { id: string; state: string }[] }>('GET', '/v1/approvals?state=all&limit=200', { key: viewer });
      expect(all.body.approvals.find((a) => a.id === id)?.state).toBe('denied');
    });
  });

  describe('audit log', () => {
    it('is for admin keys only, and shows key uses and decisions', async () => {
      const refused = await t.api.call<ErrorBody>('GET', '/v1/audit', { key: operator });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toMatch(/operator role.*needs admin/);
      await settled();
      const { status, body } = await t.api.call<{ events: { type: string; actor: string; detail: Record<string, unknown> }[] }>('GET', '/v1/audit?limit=500', { key: admin });
      expect(status).toBe(200);
      const types = new Set(body.events.map((e) => e.type));
      for (const type of ['api_key.created', 'api_key.revoked', 'api.request', 'approval.requested', 'approval.approved', 'approval.denied']) expect(types, type).toContain(type);
      expect(body.events.filter((e) => e.type === 'api.request' && e.detail['status'] === 403 && e.detail['path'] === '/v1/audit')).toHaveLength(1);
      const adminId = /^cc_([0-9a-f]{16})_/.exec(admin)?.[1] ?? '';
      const bySubject = await t.api.call<{ events: { subjectId: string; type: string }[] }>('GET', `/v1/audit?subjectId=${adminId}`, { key: admin });
      expect(bySubject.body.events.length).toBeGreaterThan(1);
      expect(bySubject.body.events.every((e) => e.subjectId === adminId)).toBe(true);
      const approved = body.events.find((e) => e.type === 'approval.approved') as { at: string } | undefined;
      const later = new Date(Date.parse(approved?.at ?? '') + 1).toISOString().replace('Z', '+00:00');
      const since = await t.api.call<{ events: { at: string }[] }>('GET', `/v1/audit?limit=500&since=${encodeURIComponent(later)}`, { key: admin });
      expect(since.status).toBe(200);
      expect(since.body.events.every((e) => e.at >= new Date(later).toISOString())).toBe(true);
      expect(since.body.events.length).toBeLessThan(body.events.length);
      const badSince = await t.api.call<ErrorBody>('GET', '/v1/audit?since=yesterday', { key: admin });
      expect(badSince.status).toBe(400);
    });
  });

  describe('tenant isolation', () => {
    it('never shows another organization\'s threads, resources, approvals or audit, even by exact id', async () => {
      const asked = await t.api.call<AskBody>('POST', '/v1/ask', { key: viewer, body: { question: 'why is checkout-api slow?' } });
      const approvalId = asked.body.reply.parts.find((p) => p.kind === 'approval')?.approval?.id ?? '';
      expect(approvalId).not.toBe('');

      const thread = await t.api.call<ErrorBody>('GET', `/v1/threads/${asked.body.threadId}`, { key: globex, documented: '/v1/threads/{id}' });
      expect(thread.status).toBe(404);
      const followUp = await t.api.call<ErrorBody>('POST', '/v1/ask', { key: globex, body: { question: 'and?', threadId: asked.body.threadId } });
      expect(followUp.status).toBe(404);
      const resource = await t.api.call<ErrorBody>('GET', `/v1/resources/${encodeURIComponent(checkoutApi)}`, { key: globex, documented: '/v1/resources/{id}' });
      expect(resource.status).toBe(404);
      const approval = await t.api.call<ErrorBody>('GET', `/v1/approvals/${approvalId}`, { key: globex, documented: '/v1/approvals/{id}' });
      expect(approval.status).toBe(404);
      const decision = await t.api.call<ErrorBody>('POST', `/v1/approvals/${approvalId}/decision`, { key: globex, body: { decision: 'approve' }, documented: '/v1/approvals/{id}/decision' });
      expect(decision.status).toBe(404);
      expect((await t.bot.runtime.stores.approvals.get('demo', approvalId))?.state).toBe('pending');

      const search = await t.api.call<{ resources: { id: string }[] }>('GET', '/v1/resources?q=checkout-api', { key: globex });
      expect(search.body.resources.map((r) => r.id)).toContain(globexCheckoutApi);
      expect(search.body.resources.some((r) => r.id === checkoutApi)).toBe(false);
      const answer = await t.api.call<AskBody>('POST', '/v1/ask', { key: globex, body: { question: 'why is checkout-api slow?' } });
      expect(JSON.stringify(answer.body)).not.toContain('111111111111');
      const approvals = await t.api.call<{ approvals: { orgId: string }[] }>('GET', '/v1/approvals?state=all&limit=200', { key: globex });
      expect(approvals.body.approvals.every((a) => a.orgId === 'globex')).toBe(true);
      await settled();
      const audit = await t.api.call<{ events: { type: string; actor: string; subjectId: string }[] }>('GET', '/v1/audit?limit=500', { key: globex });
      expect(audit.body.events.length).toBeGreaterThan(0);
      // Globex's own requests are audited with the paths it tried; nothing else of Demo Corp's shows.
      const notOwnRequests = audit.body.events.filter((e) => e.type !== 'api.request');
      expect(notOwnRequests.length).toBeGreaterThan(0);
      expect(JSON.stringify(notOwnRequests)).not.toContain(approvalId);
      const demoKeyIds = [viewer, operator, admin].map((k) => /^cc_([0-9a-f]{16})_/.exec(k)?.[1] ?? '');
      expect(audit.body.events.some((e) => demoKeyIds.some((id) => e.actor.includes(id) || e.subjectId === id))).toBe(false);
    });
  });

  it('answers unknown endpoints under /v1 with 404 and where to look', async () => {
    const response = await fetch(`${t.bot.url}/v1/nothing`, { headers: { 'x-api-key': viewer } });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).message).toContain('/v1/openapi.json');
  });
});

describe('HTTP API rate limits', () => {
  let t: Awaited<ReturnType<typeof startApiBot>>;
  beforeAll(async () => {
    t = await startApiBot({ API_RATE_LIMIT_PER_KEY: '3', API_RATE_LIMIT_PER_ORG: '5' });
  });
  afterAll(async () => {
    await t.bot.stop();
  });

  it('answers 429 with Retry-After per key, then per organization, and lets requests through again once tokens refill', async () => {
    const [first, second] = await Promise.all([t.key('demo', 'viewer'), t.key('demo', 'viewer')]);
    const other = await t.key('globex', 'viewer');
    const get = (key: string) => t.api.call<ErrorBody>('GET', '/v1/approvals', { key });

    for (let i = 0; i < 3; i += 1) expect((await get(first)).status).toBe(200);
    const limited = await get(first);
    expect(limited.status).toBe(429);
    // Three a minute: one token every 20 s.
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(limited.body.message).toMatch(/API key [0-9a-f]{16} may make 3 requests a minute; retry after 20 s/);

    expect((await get(second)).status).toBe(200);
    expect((await get(second)).status).toBe(200);
    const orgLimited = await get(second);
    expect(orgLimited.status).toBe(429);
    expect(orgLimited.body.message).toMatch(/Organization "demo" \(all its keys together\) may make 5 requests a minute/);
    expect(Number(orgLimited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Another organization is not affected.
    expect((await get(other)).status).toBe(200);

    t.advance(20_000);
    expect((await get(first)).status).toBe(200);
  });
});

describe('HTTP API streaming with the LLM agent', () => {
  let t: Awaited<ReturnType<typeof startApiBot>>;
  beforeAll(async () => {
    const model = scriptedModel([
      { tools: [{ name: 'get_metrics', args: { resource: 'checkout-api', windowMinutes: 60 } }] },
      { answer: 'checkout-api (id={{id:checkout-api}}) is CPU-bound: CPUUtilization is above its threshold of 80 over the last 60 min.' },
    ]);
    t = await startApiBot({}, new RecordingExecutor(), { chatModel: { model, name: 'scripted' } });
  });
  afterAll(async () => {
    await t.bot.stop();
  });

  it('streams the evidence before the model answers, each agent step as it starts and ends, then the reply', async () => {
    const key = await t.key('demo', 'viewer');
    const response = await fetch(`${t.bot.url}/v1/ask`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ question: 'why is checkout-api slow?' }),
    });
    const events = parseEventStream(await response.text());
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('started');
    expect(names.at(-1)).toBe('reply');
    const evidenceAt = names.indexOf('evidence');
    expect(evidenceAt).toBeGreaterThan(0);
    const evidence = events[evidenceAt]?.data as { reply: ReplyBody; threadId: string };
    expect(evidence.reply.parts.some((p) => p.kind === 'metrics')).toBe(true);
    // The agent's own tool call, after the evidence: started (from the toolset) and finished (from the agent).
    const after = events.slice(evidenceAt).filter((e) => e.event === 'progress').map((e) => e.data as { step: string; phase: string; ok?: boolean });
    expect(after).toContainEqual(expect.objectContaining({ step: 'tool:get_metrics', phase: 'started' }));
    expect(after).toContainEqual(expect.objectContaining({ step: 'tool:get_metrics', phase: 'finished', ok: true }));
    const reply = events.at(-1)?.data as AskBody;
    t.api.check('post', '/v1/ask', 200, reply);
    expect(JSON.stringify(reply.reply)).toContain('CPU-bound');
  });
});

describe('alert webhooks accept API keys', () => {
  const slack = new FakeSlack();
  let t: Awaited<ReturnType<typeof startApiBot>>;
  beforeAll(async () => {
    await slack.start();
    t = await startApiBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl });
  });
  afterAll(async () => {
    await t.bot.stop();
    await slack.stop();
  });

  const postAlert = (headers: Record<string, string>) => fetch(`${t.bot.url}/alerts/alertmanager`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: alertFixtureText('alertmanager/firing-group.json'),
  });

  it('posts an alert sent with an organization\'s API key in that organization\'s alert channel, and audits the use', async () => {
    const key = await t.key('demo', 'viewer');
    const keyId = /^cc_([0-9a-f]{16})_/.exec(key)?.[1] ?? '';
    const response = await postAlert({ 'x-api-key': key });
    expect(response.status).toBe(202);
    await expect(response.json()).resolves.toEqual({ status: 'accepted', alerts: 2 });
    await vi.waitFor(() => expect(t.bot.background.size).toBe(0), { timeout: 15_000, interval: 20 });
    const parents = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    expect(parents.map((c) => c.args.channel)).toEqual(['C0000ALERTS', 'C0000ALERTS']);
    const uses = (await t.bot.runtime.stores.audit.list('demo', { subjectId: keyId })).filter((e) => e.type === 'api.request');
    expect(uses.map((e) => [e.detail['path'], e.detail['status']])).toEqual([['/alerts/alertmanager', 202]]);
  });

  it('refuses a bad or revoked key with the key\'s own message, and never falls back to other credentials', async () => {
    const invalid = await postAlert({ 'x-api-key': `cc_0123456789abcdef_${'A'.repeat(43)}` });
    expect(invalid.status).toBe(401);
    expect(((await invalid.json()) as ErrorBody).message).toMatch(/API key 0123456789abcdef is not valid/);
    const key = await t.key('globex', 'admin');
    await t.keys.revoke('globex', /^cc_([0-9a-f]{16})_/.exec(key)?.[1] ?? '', 'cli:test');
    const revoked = await postAlert({ 'x-api-key': key, authorization: 'Bearer demo-alerts-token' });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as ErrorBody).message).toMatch(/was revoked at/);
  });
});
