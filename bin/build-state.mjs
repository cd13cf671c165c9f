// Whether dist/ (the compiled JavaScript) matches the TypeScript sources. Plain JavaScript with no
// dependencies, so `bin/` can check it before loading anything else. Content hashes rather than
// mtimes: npm resets every mtime in a packed tarball, and a checkout or `touch` must not matter.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const distDir = join(root, 'dist');
export const stampFile = join(distDir, '.build-stamp.json');
/** What the bot and the CLI run. */
export const runtimeDirs = ['src', 'adapters', 'tools'];
/** Everything tsconfig.build.json compiles (the benches import test/support). */
export const builtDirs = [...runtimeDirs, 'bench', 'test/support'];
const configFiles = ['tsconfig.json', 'tsconfig.build.json'];

/** One hash per folder of sources (absent folders hash to null), plus one for the compiler settings. */
export function sourceHashes(dirs = builtDirs) {
  const hashes = {};
  for (const dir of dirs) {
    const abs = join(root, dir);
    if (!existsSync(abs)) {
      hashes[dir] = null;
      continue;
    }
    const hash = createHash('sha256');
    const files = readdirSync(abs, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .sort();
    for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(abs, file))).update('\0');
    hashes[dir] = hash.digest('hex');
  }
  const config = createHash('sha256');
  for (const file of configFiles) config.update(existsSync(join(root, file)) ? readFileSync(join(root, file)) : '');
  hashes.config = config.digest('hex');
  return hashes;
}

/**
 * `{ fresh: true }` when dist/ was built from exactly these sources, else why not (for the warning).
 * Folders missing here (an installed package has no bench/) are not checked.
 */
export function buildState(dirs = runtimeDirs) {
  if (!existsSync(stampFile)) return { fresh: false, reason: 'there is no compiled build (dist/ is missing or incomplete)' };
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return { fresh: false, reason: 'the build stamp dist/.build-stamp.json is unreadable' };
  }
  const now = sourceHashes(dirs);
  const changed = Object.keys(now).filter((key) => now[key] !== null && stamp.hashes?.[key] !== now[key]);
  return changed.length === 0
    ? { fresh: true }
    : { fresh: false, reason: `${changed.join(', ')} changed since the last build` };
}

/** dist/ path of a source file (`src/cli/main.ts` → `dist/src/cli/main.js`). */
export function compiledPath(sourceRelative) {
  return join(distDir, sourceRelative.replace(/\.ts$/, '.js'));
}
