#!/usr/bin/env node
// Compiles the TypeScript once (npm runs this as `prepare` after `npm ci`) into dist/, then writes the
// stamp bin/ checks. Emits without type-checking (`npm test` type-checks), so it takes seconds.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { distDir, root, sourceHashes, stampFile } from '../bin/build-state.mjs';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // A production install (--omit=dev) has no compiler; bin/ then runs the sources through tsx.
  process.stderr.write('cloud-companion build: TypeScript is not installed, so dist/ was not built; the CLI will run the sources through tsx (slower start-up).\n');
  process.exit(0);
}

// Hashed before compiling: a source edited during the build leaves the build stale, never falsely fresh.
const hashes = sourceHashes();
const started = Date.now();
rmSync(distDir, { recursive: true, force: true });
const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write(`cloud-companion build: tsc failed (exit ${run.status ?? run.signal}); no build stamp written, so bin/ keeps running the sources through tsx.\n`);
  process.exit(1);
}
mkdirSync(distDir, { recursive: true });
writeFileSync(stampFile, `${JSON.stringify({ version: 1, builtAt: new Date().toISOString(), hashes }, null, 2)}\n`);
process.stderr.write(`cloud-companion build: compiled to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
