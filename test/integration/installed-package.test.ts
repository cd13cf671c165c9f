import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildState } from '../../bin/build-state.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The package as a user gets it: packed (what `npm publish` would upload), installed into an empty
 * folder from npm's cache (offline first), and run through `npx` from there. It must start from the
 * compiled build it ships, quickly, with no warning and with its bundled demo files.
 */
describe('the installed package', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cc-installed-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs `npx cloud-companion --help` and `tenants` from the packed tarball', () => {
    if (!buildState().fresh) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore', timeout: 300_000 });
    // The build above is what prepare would do; --ignore-scripts keeps pack from building twice.
    execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', scratch, '--silent'], { cwd: root, stdio: 'ignore', timeout: 120_000 });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const app = join(scratch, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"try-cloud-companion","private":true}\n');
    // The user's install: dependency install scripts run as npm decides; the package needs none of its own.
    execFileSync(npm, ['install', join(scratch, tarball as string), '--prefer-offline', '--no-audit', '--no-fund', '--silent'], { cwd: app, stdio: 'ignore', timeout: 600_000 });

    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}) };
    const started = Date.now();
    const help = spawnSync(npm, ['exec', '--offline', '--', 'cloud-companion', '--help'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    const helpMs = Date.now() - started;
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: cloud-companion/);
    expect(help.stdout).toMatch(/ask \[options\]/);
    expect(help.stdout).toMatch(/approvals/);
    // Compiled and fresh: no "running the sources through tsx" warning.
    expect(help.stderr).not.toMatch(/tsx/);
    // Generous for a loaded 2-core machine; bench/startup.ts measures it properly.
    expect(helpMs).toBeLessThan(20_000);

    const tenants = spawnSync(npm, ['exec', '--offline', '--', 'cloud-companion', 'tenants'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    expect(tenants.status, tenants.stderr).toBe(0);
    expect(tenants.stdout).toMatch(/^demo\t/m);
    expect(tenants.stderr).not.toMatch(/tsx/);
  }, 900_000);
});
