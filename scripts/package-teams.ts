// Builds the Teams app package to upload (Teams admin center, or Apps → Manage your apps → Upload):
//   MICROSOFT_APP_ID=<your Azure Bot's app id> [TEAMS_APP_ID=<a GUID of your own>] npm run package:teams
//   → dist/teams-app.zip
// The zip holds manifest.json, color.png and outline.png at its root. The manifest gets bots[0].botId = the
// bot's app id, and its own `id` (the Teams app's identity in your tenant's catalog) = TEAMS_APP_ID, by default
// the bot's app id too: never the fixed GUID committed in manifests/teams/manifest.json, which every checkout shares.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const manifestDir = fileURLToPath(new URL('../manifests/teams/', import.meta.url));

export interface TeamsPackage {
  manifest: Record<string, unknown>;
  zip: Uint8Array;
}

/** The manifest with the bot's app id and the Teams app id filled in, zipped with its icons. */
export function buildTeamsPackage(appId: string, dir = manifestDir, teamsAppId = appId): TeamsPackage {
  if (!guid.test(appId)) throw new Error(`MICROSOFT_APP_ID must be your Azure Bot's Microsoft App ID (a GUID); got "${appId}".`);
  if (!guid.test(teamsAppId)) throw new Error(`TEAMS_APP_ID must be a GUID that identifies your Teams app (e.g. from \`uuidgen\`); got "${teamsAppId}".`);
  const manifest = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')) as { id: string; bots?: { botId: string }[]; icons: { color: string; outline: string } };
  manifest.id = teamsAppId.toLowerCase();
  const bot = manifest.bots?.[0];
  if (!bot) throw new Error('manifests/teams/manifest.json declares no bot.');
  bot.botId = appId.toLowerCase();
  const files: Record<string, Uint8Array> = {
    'manifest.json': new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
    [manifest.icons.color]: readFileSync(resolve(dir, manifest.icons.color)),
    [manifest.icons.outline]: readFileSync(resolve(dir, manifest.icons.outline)),
  };
  return { manifest: manifest as unknown as Record<string, unknown>, zip: zipSync(files, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') }) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const appId = process.env.MICROSOFT_APP_ID ?? '';
  const out = resolve(process.env.TEAMS_PACKAGE_OUT ?? 'dist/teams-app.zip');
  try {
    const built = buildTeamsPackage(appId, manifestDir, process.env.TEAMS_APP_ID || appId);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, built.zip);
    console.log(`wrote ${out}: upload it in Teams (Apps → Manage your apps → Upload an app) or the Teams admin center.`);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
}
