#!/usr/bin/env node
// Provisions the headless browser the real-client tests drive (the Microsoft 365 Agents Playground):
// Debian's `chromium` package, from the machine's own package registry (a test tool's own browser
// download, such as `npx playwright install`, cannot reach its CDN here). Cached: nothing is
// installed when the browser is already there.
//
//   node scripts/browser.mjs          install if needed, print the executable's path
//
// Programmatic use: `import { ensureChromium } from './browser.mjs'`.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's package puts the browser; CHROMIUM_PATH names another one. */
export const debianChromium = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a closed network: no background connections (refused here, many
 * at a time), no first-run or sync, and every host but localhost resolving to nothing, so a page
 * can never reach the Internet (the Playground's page would otherwise try telemetry and fonts).
 */
export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
];

/**
 * Returns the path of a Chromium executable, installing Debian's `chromium` package (as root, with
 * apt-get) when none is there. Throws with what to do when it cannot: the caller decides whether
 * that fails the run (it does under CI).
 */
export async function ensureChromium({ log = () => {}, timeoutMs = 10 * 60 * 1000 } = {}) {
  const wanted = process.env.CHROMIUM_PATH || debianChromium;
  if (existsSync(wanted)) return wanted;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${wanted} does not exist.`);
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`No Chromium at ${debianChromium} and no apt-get to install it: install Chromium and set CHROMIUM_PATH to its executable.`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`No Chromium at ${debianChromium}: run \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 };
  log('installing Debian\'s chromium package (apt-get update; apt-get install -y chromium)…');
  const started = Date.now();
  try {
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], options);
  } catch (error) {
    const detail = String(error?.stderr || error?.message || error).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`Could not install Debian's chromium package: ${detail}`, { cause: error });
  }
  if (!existsSync(debianChromium)) throw new Error(`apt-get installed chromium but ${debianChromium} is missing.`);
  log(`chromium installed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  return debianChromium;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureChromium({ log: (line) => process.stderr.write(`[browser] ${line}\n`) })
    .then((path) => process.stdout.write(`${path}\n`))
    .catch((error) => {
      process.stderr.write(`[browser] ${error.message}\n`);
      process.exitCode = 1;
    });
}
