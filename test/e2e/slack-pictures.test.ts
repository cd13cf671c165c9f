import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot, testBotToken, testSigningSecret } from '../support/bot.ts';
import { FakeSlack, type SlackCall } from '../support/fake-slack.ts';
import { postToSlackEndpoint, slashCommandBody } from '../support/slack-requests.ts';

const form = 'application/x-www-form-urlencoded';

describe('Slack: diagrams and charts are uploaded into the thread, end to end', () => {
  const slack = new FakeSlack();
  let bot: RunningBot;
  let events: string;

  beforeAll(async () => {
    await slack.start();
    bot = await startTestBot({ SLACK_SIGNING_SECRET: testSigningSecret, SLACK_BOT_TOKEN: testBotToken, SLACK_API_URL: slack.apiUrl }, { executor: new RecordingExecutor() });
    events = `${bot.url}/slack/events`;
  });
  afterAll(async () => {
    await bot.stop();
    await slack.stop();
  });
  beforeEach(() => {
    slack.reset();
  });

  /** Runs `/cloud <text>` in the ops channel; returns the parent message the answer's thread hangs under. */
  async function command(text: string): Promise<{ parent: SlackCall; thread: SlackCall[] }> {
    const ack = await postToSlackEndpoint(events, { secret: testSigningSecret, contentType: form, body: slashCommandBody({ team_id: 'T00000001', user_id: 'U0000OPER', channel_id: 'C0000OPS', text, response_url: slack.responseUrl(text.replace(/\W+/g, '-')) }) });
    expect(ack.status).toBe(200);
    await vi.waitFor(() => expect(bot.background.size).toBe(0), { timeout: 20_000, interval: 20 });
    const parent = slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === undefined);
    expect(parent?.ts).toBeDefined();
    return { parent: parent as SlackCall, thread: slack.thread(parent?.ts as string) };
  }

  it('`/cloud diagram <resource>` uploads the PNG into the question\'s thread through the external upload flow', async () => {
    const { parent, thread } = await command('diagram checkout-api');
    // 1. an upload URL for the file, with its size and alt text, 2. the bytes, 3. shared into the channel and thread.
    const [ask] = slack.callsOf('files.getUploadURLExternal');
    expect(ask?.args.filename).toBe('checkout-api-diagram.png');
    expect(String(ask?.args.alt_txt)).toMatch(/^Dependency diagram of checkout-api: \d+ resources shown/);
    expect(String(ask?.args.alt_txt).length).toBeLessThanOrEqual(1000);
    const [complete] = slack.callsOf('files.completeUploadExternal');
    expect(complete?.args.channel_id).toBe('C0000OPS');
    expect(complete?.args.thread_ts).toBe(parent.ts);
    expect(slack.uploads).toHaveLength(1);
    const upload = slack.uploads[0];
    expect(upload).toMatchObject({ channelId: 'C0000OPS', threadTs: parent.ts, filename: 'checkout-api-diagram.png', title: 'Dependency diagram of checkout-api' });
    expect(Number(ask?.args.length)).toBe(upload?.bytes.length);
    const png = PNG.sync.read(upload?.bytes as Buffer);
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(100);
    // The answer in the thread names the diagram and describes it in words.
    expect(thread).toHaveLength(1);
    expect(JSON.stringify(thread[0]?.args.blocks)).toContain('Diagram attached in this thread');
    // The upload came after the answer, so the picture sits under it.
    const order = slack.calls.map((c) => c.method);
    expect(order.lastIndexOf('chat.update')).toBeLessThan(order.indexOf('files.getUploadURLExternal'));
  });

  it('`--format mermaid` answers with Mermaid text in the thread and uploads nothing', async () => {
    const { thread } = await command('diagram checkout-api --format mermaid');
    expect(slack.callsOf('files.getUploadURLExternal')).toHaveLength(0);
    const blocks = JSON.stringify(thread[0]?.args.blocks);
    expect(blocks).toContain('```flowchart LR');
    expect(blocks).toContain('checkout-api');
  });

  it('an investigation uploads its metric chart and the diagram of the affected chain into its thread', async () => {
    const { parent } = await command('ask why is checkout-api slow?');
    expect(slack.uploads.map((u) => u.threadTs)).toEqual([parent.ts, parent.ts]);
    expect(slack.uploads.every((u) => u.channelId === 'C0000OPS')).toBe(true);
    const chart = slack.uploads.find((u) => u.filename.startsWith('checkout-api-cpuutilization'));
    expect(chart?.altText).toMatch(/^Line chart of CPUUtilization for checkout-api/);
    expect(chart?.title).toBe('Metrics, last 60 min');
    expect(PNG.sync.read(chart?.bytes as Buffer).width).toBe(720);
    const diagram = slack.uploads.find((u) => u.filename.endsWith('-diagram.png'));
    expect(diagram?.title).toBe('Affected chain: checkout-api');
  });

  it('an account id draws that account\'s topology', async () => {
    await command('diagram 111111111111');
    expect(slack.uploads).toHaveLength(1);
    expect(slack.uploads[0]?.altText).toMatch(/^Dependency diagram of account 111111111111/);
    expect(slack.uploads[0]?.altText).not.toMatch(/Azure|GCP|222222222222/);
  });

  it('says in the thread when Slack refuses the upload, with the scope to add and what the picture shows', async () => {
    slack.failOnce('files.getUploadURLExternal', 'missing_scope');
    const { thread } = await command('diagram checkout-api');
    expect(slack.uploads).toHaveLength(0);
    expect(thread).toHaveLength(2);
    const notice = String(thread[1]?.args.text);
    expect(notice).toContain('I could not attach "Dependency diagram of checkout-api" (missing_scope)');
    expect(notice).toContain('`files:write`');
    expect(notice).toContain('What it shows: Dependency diagram of checkout-api');
  });

  it('a target nobody can see gets a plain answer and no upload', async () => {
    const { thread } = await command('diagram no-such-thing-anywhere');
    expect(slack.uploads).toHaveLength(0);
    expect(String(thread[0]?.args.text)).toMatch(/No resource or account "no-such-thing-anywhere"/);
  });
});
