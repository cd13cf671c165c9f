/**
 * The last step of `npm run bench` (bench/run-all.ts): prints every benchmark's headline figures as
 * one table and writes it to bench/RESULTS.md with the machine it ran on.
 */
import os from 'node:os';
import { writeFile } from 'node:fs/promises';
import { markdownTable, megabytes } from './report.ts';
import { readResults } from './results.ts';
import { fromPackageRoot } from '../src/package-root.ts';

const records = await readResults();
if (records.length === 0) {
  process.stderr.write('No benchmark results recorded: run `npm run bench`.\n');
  process.exit(1);
}
const rows = records.flatMap((record) => record.rows.map((row) => [
  record.bench, row.figure, row.target ?? '—', row.result, row.baseline ?? '—', row.ratio ?? '—', row.verdict ? (row.verdict === 'PASS' ? 'PASS' : '**MISS**') : '—',
]));
const cpus = os.cpus();

/**
 * When the figures were measured: one `npm run bench`, or — after `bench/run-all.ts <names>` re-ran
 * some benchmarks — each benchmark's own finish time, since the others keep their earlier figures.
 */
function provenance(): string[] {
  const times = records.map((record) => Date.parse(record.finishedAt));
  const oneRun = Math.max(...times) - Math.min(...times) < 30 * 60_000;
  if (oneRun) return [`\`npm run bench\`, finished ${records.at(-1)?.finishedAt ?? new Date().toISOString()}. Every figure below was measured in that one run.`];
  return [`Figures from \`npm run bench\` and later partial re-runs (\`bench/run-all.ts <names>\`), each benchmark as of its own run: ${records.map((record) => `${record.bench} ${record.finishedAt}`).join(', ')}.`];
}
const misses = rows.filter((row) => row[6] === '**MISS**').length;
const text = [
  '# Benchmark results',
  '',
  ...provenance(),
  'A baseline is the same work done the naive way in the same run, and the ratio says how many times better the product is.',
  'How each is measured, and what the figures mean: [docs/benchmarks.md](../docs/benchmarks.md).',
  '',
  markdownTable(['Bench', 'Figure', 'Target', 'Result', 'Baseline', 'Ratio', 'Verdict'], rows),
  '',
  misses === 0 ? 'Every target was met.' : `${misses} figure(s) missed their target (the bench is a report: it exits 0 either way).`,
  '',
  '## Machine',
  '',
  markdownTable(['Item', 'Value'], [
    ['CPU', `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`],
    ['Memory', megabytes(os.totalmem())],
    ['OS', `${os.type()} ${os.release()}`],
    ['Node.js', process.version],
    ['Load average at the end (1/5/15 min)', os.loadavg().map((l) => l.toFixed(2)).join(' / ')],
  ]),
  '',
].join('\n');
await writeFile(fromPackageRoot('bench/RESULTS.md'), text);
process.stdout.write(`\n${text}\nWritten to bench/RESULTS.md.\n`);
