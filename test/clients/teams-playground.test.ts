import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, ensureChromium } from '../../scripts/browser.mjs';
import type { RunningBot } from '../../src/compose.ts';
import { RecordingExecutor, startTestBot } from '../support/bot.ts';
import { Playground } from '../support/playground.ts';

/**
 * The bot driven through Microsoft's own Teams client emulator, the Microsoft 365 Agents
 * Playground, in a real headless Chromium: what a person sees, not what a fake accepts. Issue #20:
 * the flagship answer was lost there (413), the welcome came twice, help placeholders vanished.
 *
 * The browser is Debian's chromium, provisioned by scripts/browser.mjs (cached) like the databases:
 * a browser that cannot be provisioned fails the run, never a silent skip.
 */
const artifacts = resolve('test-artifacts/teams-playground');
const demoTenant = '00000000-0000-0000-0000-000000000001';
const botName = 'Cloud Companion';
/** Each step's bound: a slow shared machine, never minutes of waiting. */
const stepTimeoutMs = 90_000;

const browserPath = await ensureChromium({ log: (line) => process.stderr.write(`[browser] ${line}\n`) });

describe('Teams through Microsoft 365 Agents Playground in a real browser', () => {
  let bot: RunningBot;
  let playground: Playground;
  let browser: Browser;
  let page: Page;
  let step = 0;

  async function shot(name: string): Promise<void> {
    step += 1;
    await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
  }

  /** A new post in the channel: an @mention picked from the composer's suggestions, then the question. */
  async function postInChannel(question: string): Promise<void> {
    const compose = page.getByRole('textbox').first();
    await compose.click();
    await page.keyboard.type('@Clo');
    const suggestion = page.locator('#typeahead-menu [role="menuitem"]').filter({ hasText: botName }).first();
    await suggestion.waitFor({ timeout: 10_000 });
    await suggestion.click();
    await compose.press('End');
    await page.keyboard.type(` ${question}`);
    await expect.poll(() => compose.innerText()).toContain(question);
    await shot('channel-question');
    await page.getByRole('button', { name: 'Post' }).click();
  }

  /** What the bot posted (or updated) into one of the Playground's conversations, as its server received it. */
  function received(predicate: (text: string) => boolean): { method: string; status: number; bytes: number; path: string }[] {
    return playground.calls.filter((c) => c.path.includes('/v3/conversations/') && predicate(JSON.stringify(c.body)));
  }

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    bot = await startTestBot({ TEAMS_ENABLED: 'true' }, { executor: new RecordingExecutor() });
    playground = await new Playground({
      botUrl: bot.url,
      workDir: join(artifacts, 'playground'),
      config: {
        tenantId: demoTenant,
        bot: { id: '28:00000000-0000-0000-0000-0000000000b0', name: botName },
        // The demo organization's Teams admin (src/demo/tenants.yaml): may approve.
        currentUser: { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-00000000ad01' },
        teamName: 'Platform',
        channelName: 'ops',
      },
    }).start();
    browser = await chromium.launch({ executablePath: browserPath, headless: true, args: chromiumArgs.filter((a) => !a.startsWith('--headless')) });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 180_000);

  afterAll(async () => {
    // What the Playground's connector received, beside the screenshots: method, path, status and size of each call.
    if (playground) writeFileSync(join(artifacts, 'connector-calls.json'), JSON.stringify(playground.calls.map(({ method, path, status, bytes, answer }) => ({ method, path, status, bytes, ...(status >= 400 ? { answer } : {}) })), null, 2));
    await browser?.close();
    await playground?.stop();
    await bot?.stop();
  }, stepTimeoutMs);

  it('welcomes the personal chat once, and answers `help` there with every placeholder visible', async () => {
    await page.goto(playground.url);
    const welcome = page.getByText('answers questions about your cloud');
    await welcome.first().waitFor({ timeout: 30_000 });
    // Both install events have reached the bot by now; give a second welcome the time to show.
    await page.waitForTimeout(2_000);
    await shot('personal-chat-welcome');
    const welcomes = received((t) => t.includes('answers questions about your cloud'));
    const perConversation = new Map<string, number>();
    for (const call of welcomes) perConversation.set(call.path, (perConversation.get(call.path) ?? 0) + 1);
    expect([...perConversation.values()].every((n) => n === 1)).toBe(true);
    expect(await welcome.count()).toBe(1);

    const box = page.getByRole('textbox').last();
    await box.click();
    await page.keyboard.type('help');
    await page.keyboard.press('Enter');
    await expect.poll(() => welcome.count(), { timeout: 30_000 }).toBe(2);
    await shot('personal-chat-help');
    for (const placeholder of ['@Cloud Companion <question>', 'resource <name>', 'runbook <query>']) {
      expect(await page.getByText(placeholder).count()).toBeGreaterThan(0);
    }
  }, stepTimeoutMs);

  it('answers a channel @mention in its thread with the full card, its pictures and the approval cards; Approve refreshes the card', async () => {
    if (page.url() === 'about:blank') await page.goto(playground.url);
    await page.getByText('ops', { exact: true }).click();
    await postInChannel('why is checkout-api slow?');

    await page.getByText('Affected chain: checkout-api').first().waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /^Approve/ }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_000);
    await shot('channel-answer');

    // Nothing was refused: every post and update the Playground's server received was accepted (no 413 for size,
    // no 400 "Activity resulted into multiple skype activities" for an update carrying several cards).
    expect(playground.calls.filter((c) => c.status >= 400).map(({ method, status, answer }) => ({ method, status, answer }))).toEqual([]);
    expect(playground.calls.every((c) => c.bytes <= 100 * 1024)).toBe(true);
    expect(await page.getByText('Drawing the diagram').count()).toBe(0);
    // The pictures: the metric chart and the dependency diagram, shown as images.
    // (The Playground's own icons are data-URI PNGs too: the pictures are told apart by their alt text.)
    const images = page.locator('img[src^="data:image/png"][alt*="checkout-api"]');
    expect(await page.locator('img[src^="data:image/png"][alt^="Dependency diagram of checkout-api"]').count()).toBeGreaterThan(0);
    expect(await page.locator('img[src^="data:image/png"][alt^="Line chart of"]').count()).toBeGreaterThan(0);
    expect(await images.count()).toBeGreaterThanOrEqual(2);
    expect(await images.evaluateAll((all) => all.filter((img) => (img as HTMLImageElement).naturalWidth >= 400).length)).toBeGreaterThanOrEqual(2);
    // Each picture as the page shows it.
    for (const [i, image] of (await images.all()).slice(0, 2).entries()) await image.screenshot({ path: join(artifacts, `picture-${i + 1}.png`) });

    // A low-risk request: Approve runs it (Action.Execute) and the card refreshes with who decided.
    await page.getByRole('button', { name: 'Approve', exact: true }).first().click();
    await page.getByText(/Approved by Alex Wilber/).first().waitFor({ timeout: 30_000 });
    await shot('channel-approved');
  }, stepTimeoutMs);

  it('asks to confirm a medium-risk action before running it', async () => {
    const confirm = page.getByRole('button', { name: 'Approve…' });
    const earlier = await confirm.count();
    await postInChannel('why is orders-queue backing up?');
    // The new thread's medium-risk card (order-worker's reserved concurrency): Approve… opens the confirmation first.
    await expect.poll(() => confirm.count(), { timeout: 60_000 }).toBeGreaterThan(earlier);
    await page.waitForTimeout(1_000);
    await confirm.last().click();
    const run = page.getByRole('button', { name: 'Approve and run' }).last();
    await run.waitFor({ timeout: 10_000 });
    await page.getByText(/Run this action\? Set reserved concurrency of Lambda order-worker/).last().waitFor({ timeout: 10_000 });
    await shot('channel-confirm');
    const before = await page.getByText(/Approved by Alex Wilber/).count();
    await run.click();
    await expect.poll(() => page.getByText(/Approved by Alex Wilber/).count(), { timeout: 30_000 }).toBeGreaterThan(before);
    await shot('channel-confirmed');
  }, stepTimeoutMs);
});
