import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildTeamsPackage } from '../../scripts/package-teams.ts';

// Microsoft's own v1.29 schema and validator (ajv, draft-04), from the @microsoft/app-manifest package.
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/app-manifest/build/json-schemas/teams/v1.29/MicrosoftTeams.schema.json'), 'utf8')) as Record<string, unknown>;
const manifestUrl = new URL('../../manifests/teams/manifest.json', import.meta.url);

function manifest(): Record<string, unknown> & { id: string; bots: { botId: string; scopes: string[] }[]; icons: { color: string; outline: string } } {
  return JSON.parse(readFileSync(manifestUrl, 'utf8')) as ReturnType<typeof manifest>;
}

async function schemaErrors(candidate: unknown): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(candidate as never, schema as never);
}

/** Width, height and colour type from a PNG's IHDR chunk. */
function pngHeader(bytes: Uint8Array): { width: number; height: number; colorType: number } {
  const buffer = Buffer.from(bytes);
  expect(buffer.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(buffer.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20), colorType: buffer.readUInt8(25) };
}

describe('Teams app package', () => {
  it('has a manifest that Microsoft\'s v1.29 schema accepts', async () => {
    const current = manifest();
    expect(current.manifestVersion).toBe('1.29');
    expect(schema.properties).toMatchObject({ manifestVersion: { const: '1.29' } });
    await expect(schemaErrors(current)).resolves.toEqual([]);
  });

  it('is checked for real: a manifest with a wrong scope or a long short name is refused', async () => {
    const badScope = manifest();
    badScope.bots[0]?.scopes.push('groupchat');
    expect((await schemaErrors(badScope)).join('\n')).toMatch(/scopes/);
    const longName = { ...manifest(), name: { short: 'A name far longer than thirty characters' } };
    expect((await schemaErrors(longName)).join('\n')).toMatch(/name\/short/);
  });

  it('declares a bot for channels, group chats and personal chat', () => {
    const [bot] = manifest().bots;
    expect(bot?.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
  });

  it('ships the icons Teams asks for: 192x192 colour, 32x32 outline with transparency', () => {
    const { icons } = manifest();
    const color = pngHeader(readFileSync(new URL(`../../manifests/teams/${icons.color}`, import.meta.url)));
    const outline = pngHeader(readFileSync(new URL(`../../manifests/teams/${icons.outline}`, import.meta.url)));
    expect([color.width, color.height]).toEqual([192, 192]);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(outline.colorType).toBe(6);
  });

  it('zips the manifest, with the bot\'s app id, and both icons at the root of the package', async () => {
    const appId = '11111111-2222-3333-4444-555555555555';
    const files = unzipSync(buildTeamsPackage(appId).zip);
    expect(Object.keys(files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const packaged = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as ReturnType<typeof manifest>;
    expect(packaged.bots[0]?.botId).toBe(appId);
    await expect(schemaErrors(packaged)).resolves.toEqual([]);
    expect(pngHeader(files['color.png'] as Uint8Array).width).toBe(192);
    expect(() => buildTeamsPackage('not-a-guid')).toThrow(/Microsoft App ID/);
  });

  it('gives every deployment its own Teams app id, never the GUID committed in the repository (issue #20)', async () => {
    const committed = manifest().id;
    const botId = '11111111-2222-3333-4444-555555555555';
    const unpacked = (zip: Uint8Array) => JSON.parse(new TextDecoder().decode(unzipSync(zip)['manifest.json'])) as { id: string; bots: { botId: string }[] };
    // By default the Teams app id is the bot's app id, unique to the deployer's Azure Bot.
    expect(unpacked(buildTeamsPackage(botId).zip)).toMatchObject({ id: botId, bots: [{ botId }] });
    const own = '99999999-8888-4777-8666-555555555555';
    const packaged = unpacked(buildTeamsPackage(botId, undefined, own.toUpperCase()).zip);
    expect(packaged).toMatchObject({ id: own, bots: [{ botId }] });
    expect(packaged.id).not.toBe(committed);
    await expect(schemaErrors(packaged)).resolves.toEqual([]);
    expect(() => buildTeamsPackage(botId, undefined, 'my-app')).toThrow(/TEAMS_APP_ID must be a GUID/);
  });
});
