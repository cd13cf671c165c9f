import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReplyMessages } from '../../adapters/slack/render.ts';
import { renderReply as renderTeamsReply } from '../../adapters/teams/render.ts';
import { WebhookSource } from '../../src/alerts/alert.ts';
import { parseChatAlert, webhookParsers } from '../../src/alerts/sources/index.ts';
import { parseCommand } from '../../src/commands.ts';
import { isCompanionError } from '../../src/errors.ts';
import type { Reply } from '../../src/reply.ts';
import { consoleUrl } from '../../src/resource-facts.ts';
import { chunkRunbook, parseRunbook } from '../../src/runbooks/parse.ts';
import { loadEstateFile } from '../../src/seed/estate-file.ts';
import { parseTenantsYaml } from '../../src/tenancy/tenants-file.ts';
import { alertFixture } from '../support/alert-fixtures.ts';
import { runCli } from '../support/cli.ts';
import { CaseCounter, hardeningRuns, hostileText, mutated, slackControlSequences, spoofTokens } from '../support/hostile.ts';

/**
 * Every parser at a trust boundary, fed generated hostile input: each answers with a value or a
 * refusal that says what to fix (a rejection, a CompanionError), never an unexpected exception.
 */
const cases = new CaseCounter();
const demo = (path: string): string => fileURLToPath(new URL(`../../src/demo/${path}`, import.meta.url));
const fixtureRoot = fileURLToPath(new URL('../fixtures/alerts/', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-hardening-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  cases.print('parsers');
});

/** A refusal with an actionable message, or a value: anything else fails the property. */
function refusesCleanly(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (isCompanionError(error) && error.message.length > 0) return true;
    throw error;
  }
}

describe('alert webhook parsers', () => {
  const outcomes = ['alerts', 'ignored', 'subscription', 'rejected'];

  for (const source of WebhookSource.options) {
    it(`${source}: any JSON value, and any mutation of its documented payloads, parses or is rejected with the field`, async () => {
      const parse = webhookParsers[source];
      const fixtures = await Promise.all((await readdir(join(fixtureRoot, source))).map((f) => alertFixture(`${source}/${f}`)));
      const check = cases.counted(`alert webhook ${source}`, (body: unknown) => {
        const outcome = parse({ body, headers: { 'x-amz-sns-message-type': 'Notification', 'x-webhook-id': 'w1' } });
        expect(outcomes).toContain(outcome.kind);
        if (outcome.kind === 'rejected') {
          expect(outcome.rejection.source).toBe(source);
          expect(outcome.rejection.message).toMatch(new RegExp(`^${source} payload rejected: `));
        }
        if (outcome.kind === 'alerts') {
          for (const alert of outcome.alerts) {
            expect(alert.title.length).toBeGreaterThan(0);
            expect(['firing', 'resolved']).toContain(alert.status);
          }
        }
      });
      fc.assert(fc.property(fc.oneof(fc.anything(), fc.json().map((j) => JSON.parse(j) as unknown)), check), { numRuns: hardeningRuns });
      fc.assert(fc.property(fc.constantFrom(...fixtures).chain(mutated), check), { numRuns: hardeningRuns * 2 });
    });
  }

  it('chat alert messages (alert channels): any title, text and fields become an alert or are rejected', () => {
    const field = fc.record({ title: hostileText(80), value: hostileText(300) });
    fc.assert(fc.property(fc.option(hostileText(300), { nil: undefined }), hostileText(3000), fc.array(field, { maxLength: 5 }), cases.counted('chat alert message', (title, text, fields) => {
      const outcome = parseChatAlert({ authorId: 'B0000CHATBOT', ...(title !== undefined ? { title } : {}), text, fields, links: [] });
      expect(['alerts', 'rejected']).toContain(outcome.kind);
      if (outcome.kind === 'alerts') for (const alert of outcome.alerts) expect(alert.title.length).toBeGreaterThan(0);
    })), { numRuns: hardeningRuns });
  });
});

describe('tenants.yaml', () => {
  it('any text, and any mutation of the demo file, is a tenants file or a tenant_file_invalid error naming the problem', async () => {
    const real = (await import('yaml')).parse(await readFile(demo('tenants.yaml'), 'utf8')) as unknown;
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 500 }), hostileText(500), mutated(real).map((doc) => toYaml(doc))), cases.counted('tenants.yaml', (text: string) => refusesCleanly(() => parseTenantsYaml(text)))), { numRuns: hardeningRuns * 2 });
    // YAML bombs: aliases that expand exponentially are refused, not expanded.
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(() => parseTenantsYaml(bomb)).toThrow(/tenants.yaml/);
    cases.add('tenants.yaml');
  });
});

describe('estate files', () => {
  it('any mutation of the demo estate loads or is refused with input_invalid, before anything could be written', async () => {
    const real = (await import('yaml')).parse(await readFile(demo('estate/demo.yaml'), 'utf8')) as unknown;
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.oneof(mutated(real).map((doc) => toYaml(doc)), hostileText(1000), fc.json()), cases.counted('estate file', async (text: string) => {
      const path = join(dir, `estate-${(n += 1)}.yaml`);
      await writeFile(path, text);
      try {
        const estate = await loadEstateFile(path);
        // What loads is whole: every relationship joins two listed resources.
        const ids = new Set(estate.resources.map((r) => r.id));
        expect(estate.relationships.every((r) => ids.has(r.from) && ids.has(r.to))).toBe(true);
      } catch (error) {
        if (!isCompanionError(error) || error.code !== 'input_invalid') throw error;
      }
    })), { numRuns: hardeningRuns });
  });
});

describe('runbook files', () => {
  it('any markdown with any front matter parses into chunks or is refused with input_invalid', async () => {
    const real = await readFile(demo('runbooks/demo/rds-high-cpu.md'), 'utf8');
    const frontMatter = fc.oneof(hostileText(300), fc.json().map((j) => toYaml(JSON.parse(j))), fc.constant('id: x\ntitle: y'), fc.constant(real.split('---')[1] ?? ''));
    fc.assert(fc.property(frontMatter, hostileText(3000), fc.boolean(), cases.counted('runbook file', (front: string, body: string, withFront: boolean) => {
      const text = withFront ? `---\n${front}\n---\n${body}` : body;
      return refusesCleanly(() => {
        const runbook = parseRunbook(text, 'fuzz.md');
        for (const chunk of chunkRunbook(runbook)) expect(chunk.text.length).toBeLessThanOrEqual(2000);
      });
    })), { numRuns: hardeningRuns * 2 });
  });
});

describe('the /cloud grammar and the CLI', () => {
  it('any command text becomes an intent', () => {
    fc.assert(fc.property(hostileText(4000), cases.counted('/cloud grammar', (text: string) => {
      const intent = parseCommand(text);
      expect(['help', 'ask', 'resource', 'deps', 'metrics', 'runbook', 'approvals']).toContain(intent.kind);
      if (intent.kind === 'metrics') expect(intent.windowMinutes).toBeGreaterThanOrEqual(5);
    })), { numRuns: hardeningRuns * 5 });
  });

  it('any argument list exits with a code and a message, never an exception', async () => {
    const word = fc.oneof(hostileText(60), fc.constantFrom('ask', 'ingest', 'estate', 'runbooks', 'keys', 'create', 'revoke', 'audit', '--org', 'demo', 'globex', '--role', 'admin', '--help', '--since', '--format', 'json', '-x', '--', '/etc/passwd', '../../tenants.yaml'));
    await fc.assert(fc.asyncProperty(fc.array(word, { maxLength: 6 }).filter((args) => args[0] !== 'start'), cases.counted('CLI arguments', async (args: string[]) => {
      const run = await runCli(args, {});
      expect(Number.isInteger(run.code)).toBe(true);
      if (run.code !== 0) expect(run.stderr.trim().length + run.stdout.trim().length).toBeGreaterThan(0);
    })), { numRuns: Math.ceil(hardeningRuns / 2) });
  }, 120_000);
});

describe('renderers: data never becomes markup', () => {
  const reply = fc.record({
    summary: hostileText(),
    text: hostileText(4000),
    name: hostileText(80),
    tag: hostileText(80),
  }).map(({ summary, text, name, tag }): Reply => ({
    summary,
    parts: [
      { kind: 'text', markdown: text },
      { kind: 'facts', title: name, facts: [{ label: tag, value: text.slice(0, 200) }] },
      { kind: 'resources', title: 'Resources', resources: [{ resource: { id: `arn:aws:ecs:us-east-1:111111111111:service/x/${name}`, provider: 'aws', accountId: '111111111111', type: 'aws.ecs.service', name, region: tag, state: name, tags: { note: tag } } }] },
      { kind: 'citations', citations: [{ runbookId: 'r', title: name, section: tag, score: 1 }] },
      { kind: 'status', text: summary, degraded: [tag] },
    ],
  }));

  /** The one link a reply may carry: the console page of its resource, which the renderer builds from the id (parts URL-encoded). */
  function consoleLinkOf(r: Reply): string | undefined {
    const part = r.parts.find((p) => p.kind === 'resources');
    const url = part?.kind === 'resources' && part.resources[0] ? consoleUrl(part.resources[0].resource) : undefined;
    // An id that is no ARN (a line break in it) gets no link at all.
    if (!url) return undefined;
    expect(url).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/x\/services\/[^\s<>|[\]]*\/health\?region=us-east-1$/);
    return url;
  }

  it('Slack: no link, mention or block comes from data, in blocks or in the notification text (only the console link built from the id)', () => {
    fc.assert(fc.property(reply, cases.counted('Slack renderer', (r: Reply) => {
      const url = consoleLinkOf(r)?.replace(/&/g, '&amp;');
      for (const message of renderReplyMessages(r)) {
        expect(slackControlSequences(message.text)).toEqual([]);
        for (const block of message.blocks) expect(['section', 'context', 'actions', 'header', 'divider', 'image']).toContain(block.type);
        expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
        const text = collectText(message.blocks).join('\n');
        const links = slackControlSequences(text);
        // The resource's name links to its console; every other control sequence would come from data.
        expect(links.every((link) => url !== undefined && link.startsWith(`<${url}|`))).toBe(true);
        expect(links.length).toBeLessThanOrEqual(1);
      }
    })), { numRuns: hardeningRuns * 2 });
  });

  it('Teams: no markdown link or image comes from data (only the console link built from the id)', () => {
    fc.assert(fc.property(reply, cases.counted('Teams renderer', (r: Reply) => {
      const rendered = renderTeamsReply(r);
      const text = collectText(rendered.answer.body).join('\n');
      const url = consoleLinkOf(r);
      expect(url === undefined ? text : text.replace(`[console](${url.replace(/\)/g, '%29')})`, '')).not.toMatch(/\]\(/);
      expect(rendered.answer.actions ?? []).toEqual([]);
    })), { numRuns: hardeningRuns * 2 });
  });

  it('the spoofing fragments themselves are escaped in Slack', () => {
    const [message] = renderReplyMessages({ summary: spoofTokens.join(' '), parts: [{ kind: 'text', markdown: spoofTokens.join('\n') }] });
    expect(slackControlSequences(`${message?.text ?? ''}\n${collectText(message?.blocks ?? []).join('\n')}`)).toEqual([]);
    cases.add('Slack renderer');
  });
});

/** Every string under a `text` or `value` key, wherever it sits in blocks or card elements. */
function collectText(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(collectText);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (typeof v === 'string' && ['text', 'value', 'title'].includes(k) ? [v] : collectText(v)));
  }
  return [];
}
