import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';
import { closeServer, listenOnLoopback } from '../support/local-server.ts';

const form = 'application/x-www-form-urlencoded';

interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: { key: string; value: OtlpValue }[]; status?: { code?: number } }
interface OtlpExport { resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

/** A local OpenTelemetry collector: records what OTLP/HTTP (JSON) exporters POST to /v1/traces. */
class FakeCollector {
  readonly exports: { path: string; contentType: string | undefined; body: OtlpExport }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.exports.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.url = await listenOnLoopback(this.server);
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  get spans(): OtlpSpan[] {
    return this.exports.flatMap((e) => e.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  }
}

function attribute(span: OtlpSpan | undefined, key: string): string | undefined {
  const value = span?.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue;
}

describe('OpenTelemetry tracing, when an OTLP endpoint is configured', () => {
  const slack = new FakeSlack();
  const collector = new FakeCollector();
  let bot: RunningBot | undefined;

  beforeAll(async () => {
    await Promise.all([slack.start(), collector.start()]);
  });
  afterAll(async () => {
    await bot?.stop(1_000);
    await Promise.all([slack.stop(), collector.stop()]);
  });

  it('exports one trace per slash command: adapter → agent → each tool, to the collector, without secrets', async () => {
    bot = await startTestBot({
      SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`, OTEL_SERVICE_NAME: 'companion-under-test',
    });
    const ack = await postToSlackEndpoint(`${bot.url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('t1') }),
    });
    expect(ack.status).toBe(200);
    await vi.waitFor(() => expect(bot?.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    // Stopping flushes the batch of spans.
    await bot.stop(1_000);
    bot = undefined;

    expect(collector.exports.map((e) => [e.path, e.contentType])).toContainEqual(['/v1/traces', 'application/json']);
    const service = collector.exports[0]?.body.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
    expect(service).toBe('companion-under-test');
    const spans = collector.spans;
    const root = spans.find((s) => s.name === 'slack.command');
    expect(root?.parentSpanId ?? '').toBe('');
    const handle = spans.find((s) => s.name === 'companion.handle');
    expect(handle).toMatchObject({ traceId: root?.traceId, parentSpanId: root?.spanId });
    expect(attribute(handle, 'companion.org')).toBe('demo');
    expect(attribute(handle, 'companion.channel')).toBe('C0000OPS');
    expect(attribute(handle, 'companion.thread')).toMatch(/^\d+\.\d+$/);
    const tools = spans.filter((s) => s.name.startsWith('tool '));
    expect(tools.map((s) => s.name)).toEqual(expect.arrayContaining(['tool find_resources', 'tool get_metrics']));
    // Every tool call nests under the request, in the same trace.
    expect(tools.every((s) => s.traceId === root?.traceId && s.parentSpanId === handle?.spanId)).toBe(true);
    const exported = JSON.stringify(collector.exports);
    expect(exported).not.toContain(testBotToken);
    expect(exported).not.toContain(testSigningSecret);
  });

  it('exports nothing when no endpoint is set', async () => {
    const before = collector.exports.length;
    const quiet = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl });
    await postToSlackEndpoint(`${quiet.url}/slack/events`, {
      secret: testSigningSecret, contentType: form,
      body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text: 'why is checkout-api slow?', response_url: slack.responseUrl('t2') }),
    });
    await vi.waitFor(() => expect(quiet.background.size).toBe(0), { timeout: 10_000, interval: 20 });
    await quiet.stop(1_000);
    expect(collector.exports.length).toBe(before);
  });
});
