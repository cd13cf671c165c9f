#!/usr/bin/env node
// Runs one TypeScript entry file (bench, scripts): its compiled counterpart in dist/ when the build is
// fresh, else the source through tsx (with a warning when a compiled counterpart was expected).
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildState, builtDirs, compiledPath, root } from './build-state.mjs';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts <file.ts> [args]');
  process.exit(2);
}
const source = resolve(entry);
const rel = relative(root, source).split(sep).join('/');
const compiled = builtDirs.some((dir) => rel.startsWith(`${dir}/`)) ? compiledPath(rel) : undefined;
const state = compiled ? buildState(builtDirs) : { fresh: false };
// argv[1] names the file that runs, so an entry's "am I the main module" check holds either way.
if (compiled && state.fresh && existsSync(compiled)) {
  process.argv = [process.argv[0], compiled, ...rest];
  await import(pathToFileURL(compiled).href);
} else {
  process.argv = [process.argv[0], source, ...rest];
  if (compiled) process.stderr.write(`run-ts: ${state.reason ?? `${rel} is not in the build`}; running ${rel} through tsx. Run \`npm run build\` to fix.\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
