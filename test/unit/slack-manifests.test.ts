import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { slackBotEvents, slackBotScopeReasons, slackBotScopes } from '../../adapters/slack/scopes.ts';
import { parseCommand } from '../../src/commands.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const schemaDir = 'test/fixtures/slack/manifest-schema';

interface Manifest {
  features: { slash_commands: { command: string; usage_hint: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; org_deploy_enabled: boolean };
}
const manifests = ['manifests/slack-app.yaml', 'manifests/slack-app.socket-mode.yaml'].map((path) => ({ path, manifest: parseYaml(read(path)) as Manifest }));

/**
 * What Slack's reference says each Web API method needs (Required scopes: bot token), and which
 * optional scopes widen it. https://docs.slack.dev/reference/methods/<method>.
 */
const methodScopes: Record<string, { required: string[]; optional?: string[] }> = {
  // https://docs.slack.dev/reference/methods/chat.postMessage: chat:write; chat:write.public to post
  // in public channels the app is not a member of (chat:write.customize for another name/icon).
  'chat.postMessage': { required: ['chat:write'], optional: ['chat:write.public'] },
  'chat.update': { required: ['chat:write'] }, // https://docs.slack.dev/reference/methods/chat.update
  'chat.postEphemeral': { required: ['chat:write'] }, // https://docs.slack.dev/reference/methods/chat.postEphemeral
  'files.getUploadURLExternal': { required: ['files:write'] }, // https://docs.slack.dev/reference/methods/files.getUploadURLExternal
  'files.completeUploadExternal': { required: ['files:write'] }, // https://docs.slack.dev/reference/methods/files.completeUploadExternal
  'usergroups.users.list': { required: ['usergroups:read'] }, // https://docs.slack.dev/reference/methods/usergroups.users.list
  'users.info': { required: ['users:read'] }, // https://docs.slack.dev/reference/methods/users.info
  'users.list': { required: ['users:read'] }, // https://docs.slack.dev/reference/methods/users.list
  'conversations.info': { required: ['channels:read', 'groups:read'] }, // any of; https://docs.slack.dev/reference/methods/conversations.info
};

/** Events API: https://docs.slack.dev/reference/events/<event> ("Required scopes"). */
const eventScopes: Record<string, string> = {
  app_mention: 'app_mentions:read',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  'message.im': 'im:history',
};

/** Web API families, so any call into Slack's API in the adapter is found, known to the table or not. */
const families = /^(admin|apps|assistant|auth|bookmarks|bots|calls|canvases|chat|conversations|dialog|dnd|emoji|files|oauth|pins|reactions|reminders|rtm|search|stars|team|usergroups|users|views|workflows)\./;

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The Web API methods the Slack adapter calls: `client.chat.postMessage(…)` and `client.apiCall('files.getUploadURLExternal', …)`. */
function calledMethods(): Map<string, string[]> {
  const calls = new Map<string, string[]>();
  for (const file of tsFiles('adapters/slack')) {
    const text = readFileSync(file, 'utf8');
    const found = [
      ...[...text.matchAll(/\bclient\.((?:[a-zA-Z]+\.)+[a-zA-Z]+)\(/g)].map((m) => m[1] as string),
      ...[...text.matchAll(/\.apiCall\(\s*['"]([a-zA-Z.]+)['"]/g)].map((m) => m[1] as string),
    ].filter((method) => families.test(method));
    for (const method of found) calls.set(method, [...(calls.get(method) ?? []), file.slice(root.length + 1)]);
  }
  return calls;
}

describe('Slack app manifests (issue #20)', () => {
  it('validate against Slack\'s own manifest schema (slackapi/manifest-schema)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat('uri', (value: string) => URL.canParse(value));
    for (const version of ['1.0.0', '2.0.0']) {
      ajv.addSchema(JSON.parse(read(`${schemaDir}/manifest.schema.${version}.json`)) as object, `https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/manifest.schema.${version}.json`);
    }
    const validate = ajv.compile(JSON.parse(read(`${schemaDir}/manifest.schema.json`)) as object);
    for (const { path, manifest } of manifests) {
      expect(validate(manifest), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    // The schema is not a rubber stamp: a misspelt setting or a too-long usage hint fails it.
    const broken = structuredClone(manifests[0]?.manifest) as Manifest & { settings: Record<string, unknown> };
    broken.settings.org_deploy_enable = true;
    expect(validate(broken)).toBe(false);
  });

  it('list exactly the one set of bot scopes and events the code asks for at install (adapters/slack/scopes.ts)', () => {
    for (const { path, manifest } of manifests) {
      expect(manifest.oauth_config.scopes.bot, path).toEqual(slackBotScopes);
      expect(manifest.settings.event_subscriptions.bot_events, path).toEqual([...slackBotEvents]);
    }
    expect(slackBotScopes).toContain('files:write');
    expect(slackBotScopes).not.toContain('users:read');
  });

  it('ask for every scope the Web API methods the adapter calls need, and for nothing nothing needs', () => {
    const calls = calledMethods();
    expect(calls.size, 'the scan finds the adapter\'s calls').toBeGreaterThan(3);
    const justified = new Set<string>(['commands']); // the /cloud slash command both manifests declare
    for (const [method, files] of calls) {
      const needs = methodScopes[method];
      expect(needs, `${method} (called in ${files.join(', ')}) is not in the test's table: add it with the scopes Slack's reference lists`).toBeDefined();
      for (const scope of needs?.required ?? []) {
        expect(slackBotScopes, `${method} needs ${scope}`).toContain(scope);
        justified.add(scope);
      }
      for (const scope of needs?.optional ?? []) justified.add(scope);
    }
    for (const event of slackBotEvents) {
      const scope = eventScopes[event];
      expect(scope, `event ${event}`).toBeDefined();
      expect(slackBotScopes).toContain(scope);
      justified.add(scope as string);
    }
    for (const { manifest } of manifests) expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/cloud']);
    const unused = slackBotScopes.filter((scope) => !justified.has(scope));
    expect(unused, 'scopes no called method, event or command needs').toEqual([]);
    for (const scope of slackBotScopes) expect(slackBotScopeReasons[scope].length).toBeGreaterThan(10);
  });

  it('name every /cloud command in the usage hint, the same in both manifests', () => {
    const hints = manifests.map(({ manifest }) => manifest.features.slash_commands[0]?.usage_hint ?? '');
    expect(new Set(hints).size).toBe(1);
    const hint = hints[0] ?? '';
    const words = ['help', 'resource x', 'deps x', 'metrics x', 'diagram x', 'runbook x', 'approvals'];
    for (const word of words) {
      // Each word is a command of the grammar (not a question), and the hint names it.
      expect(parseCommand(word).kind, word).not.toBe('ask');
      expect(hint).toContain(word.split(' ')[0]);
    }
  });

  it('allow an org-wide install on Enterprise Grid, as tenants.yaml can bind enterprises', () => {
    for (const { path, manifest } of manifests) expect(manifest.settings.org_deploy_enabled, path).toBe(true);
    expect(read('docs/schemas/tenants.v1.schema.json')).toContain('enterprises');
  });
});
