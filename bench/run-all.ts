/**
 * `npm run bench`: every benchmark in its own process, one after the other (so none measures
 * another's leftovers), then the combined table (bench/summary.ts → bench/RESULTS.md). A benchmark
 * that fails is reported and the rest still run; the exit code says whether any failed.
 */
import { spawnSync } from 'node:child_process';
import { clearResults } from './results.ts';
import { fromPackageRoot } from '../src/package-root.ts';

const benches = ['startup.ts', 'index.ts', 'metrics.ts', 'slack-ack.ts', 'investigations.ts', 'render.ts', 'load.ts', 'crawl.ts', 'soak.ts'];
const runTs = fromPackageRoot('bin/run-ts.mjs');
const only = process.argv.slice(2);

// A subset keeps the other benchmarks' figures from the last full run in the table.
if (only.length === 0) await clearResults();
const failed: string[] = [];
for (const bench of benches.filter((b) => only.length === 0 || only.includes(b.replace(/\.ts$/, '')))) {
  process.stderr.write(`\n=== bench/${bench}\n`);
  const run = spawnSync(process.execPath, [runTs, fromPackageRoot(`bench/${bench}`)], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(`${bench} (exit ${run.status ?? run.signal ?? '?'})`);
}
const summary = spawnSync(process.execPath, [runTs, fromPackageRoot('bench/summary.ts')], { stdio: 'inherit' });
if (failed.length > 0) process.stderr.write(`\nThese benchmarks failed: ${failed.join(', ')}\n`);
process.exit(failed.length > 0 || summary.status !== 0 ? 1 : 0);
