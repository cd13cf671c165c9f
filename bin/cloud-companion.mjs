#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm ci` through the `prepare` script). When dist/ is
// missing or older than the sources, it says so and runs the sources through tsx instead: a stale build
// never runs by accident.
import { pathToFileURL } from 'node:url';
import { buildState, compiledPath, root } from './build-state.mjs';

const entry = 'src/cli/main.ts';
const state = process.env.CLOUD_COMPANION_FROM_SOURCE === '1' ? { fresh: false } : buildState();
let main;
if (state.fresh) ({ main } = await import(pathToFileURL(compiledPath(entry)).href));
else {
  if (state.reason) process.stderr.write(`cloud-companion: ${state.reason}; running the sources through tsx (slower start-up). Run \`npm run build\` to fix.\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(`${root}/${entry}`).href));
}
process.exitCode = await main(process.argv.slice(2));
