/**
 * Start-up: how long a new user waits, measured as they would see it, in one run and as ratios to a
 * bare `node -e ""` on the same machine (so a busy machine slows both): `cloud-companion --help`,
 * `tenants`, a one-shot `ask` on the embedded default, and `npm start` until /healthz answers, each
 * with its peak memory (GNU time's maximum resident set size). Runs the compiled build, as `npm ci`
 * leaves it; builds first when dist/ is stale.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromPackageRoot } from '../src/package-root.ts';
import type { buildState as buildStateOf } from '../bin/build-state.mjs';
import { markdownTable } from './report.ts';
import { recordResults, type ResultRow } from './results.ts';

const bin = fromPackageRoot('bin/cloud-companion.mjs');
const timeBin = '/usr/bin/time';
const runs = Number(process.env.STARTUP_RUNS ?? 5);

interface Sample {
  ms: number;
  /** Peak resident set size in MB, when GNU time is there to measure it. */
  peakMb?: number;
}

/** Only what the CLI needs: no NEO4J_URI, WEAVIATE_URL or OLLAMA_BASE_URL, so it is the embedded default. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  return env;
}

/** argv run to completion under GNU time (when present): wall time from here, peak memory from time. */
function measure(argv: readonly string[]): Sample {
  const scratch = mkdtempSync(join(tmpdir(), 'cc-startup-'));
  const out = join(scratch, 'time.txt');
  const withTime = existsSync(timeBin);
  const [cmd, ...args] = withTime ? [timeBin, '-f', '%M', '-o', out, ...argv] : argv;
  const started = performance.now();
  const run = spawnSync(cmd as string, args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const ms = performance.now() - started;
  try {
    if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr.toString().slice(-500)}`);
    const kb = withTime ? Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)) : Number.NaN;
    return { ms, ...(Number.isFinite(kb) ? { peakMb: kb / 1024 } : {}) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * Peak resident set (VmHWM) of the process tree under `pid` (npm and the server it starts), read from
 * /proc while it still runs: the server is stopped by a signal, so GNU time could not report it.
 */
function treePeakMb(pid: number): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (p: number): boolean => {
    for (let at: number | undefined = p, hops = 0; at && hops < 20; at = parentOf.get(at), hops++) if (at === pid) return true;
    return false;
  };
  let peakKb = 0;
  for (const p of parentOf.keys()) {
    if (!inTree(p)) continue;
    try {
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // gone meanwhile
    }
  }
  return peakKb > 0 ? peakKb / 1024 : undefined;
}

/** `npm start` until GET /healthz answers 200; then SIGTERM to its process group. */
async function measureServerStart(): Promise<Sample> {
  const port = await freePort();
  const argv = ['npm', 'start', '--silent'];
  const [cmd, ...args] = argv;
  const started = performance.now();
  const child = spawn(cmd as string, args, { cwd: fromPackageRoot('.'), env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1' }), stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ms = Number.NaN;
  let peakMb: number | undefined;
  try {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
      if (ok) {
        ms = performance.now() - started;
        break;
      }
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode} before /healthz answered`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!Number.isFinite(ms)) throw new Error('npm start: /healthz did not answer within 120 s');
    peakMb = child.pid ? treePeakMb(child.pid) : undefined;
  } finally {
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  return { ms, ...(peakMb === undefined ? {} : { peakMb }) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Figure {
  name: string;
  samples: Sample[];
  targetMs?: number;
  targetPeakMb?: number;
}

export async function runStartupBench(): Promise<Figure[]> {
  const { buildState } = await import(pathToFileURL(fromPackageRoot('bin/build-state.mjs')).href) as { buildState: typeof buildStateOf };
  const state = buildState();
  if (!state.fresh) {
    process.stderr.write(`startup: ${state.reason}; building first (npm run build)…\n`);
    const build = spawnSync(process.execPath, [fromPackageRoot('scripts/build.mjs')], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const node = process.execPath;
  const repeat = (n: number, work: () => Sample): Sample[] => Array.from({ length: n }, work);
  // One warm-up of each, so the file cache is the same for every figure.
  measure([node, bin, '--help']);
  const figures: Figure[] = [
    { name: 'node -e "" (the floor on this machine)', samples: repeat(runs, () => measure([node, '-e', ''])) },
    { name: 'cloud-companion --help', samples: repeat(runs, () => measure([node, bin, '--help'])), targetMs: 500, targetPeakMb: 120 },
    { name: 'cloud-companion tenants', samples: repeat(runs, () => measure([node, bin, 'tenants'])) },
    { name: 'cloud-companion ask --org demo "why is checkout-api slow?" (embedded default, one shot)', samples: repeat(Math.max(3, Math.ceil(runs / 2)), () => measure([node, bin, 'ask', '--org', 'demo', 'why is checkout-api slow?'])), targetMs: 2000 },
  ];
  const server: Sample[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) server.push(await measureServerStart());
  figures.push({ name: 'npm start until /healthz answers', samples: server, targetMs: 3000 });
  return figures;
}

function rowsOf(figures: readonly Figure[]): ResultRow[] {
  const floor = median(figures[0]?.samples.map((s) => s.ms) ?? [1]);
  return figures.flatMap((f) => {
    const ms = median(f.samples.map((s) => s.ms));
    const peaks = f.samples.map((s) => s.peakMb).filter((v): v is number => v !== undefined);
    const peak = peaks.length ? Math.max(...peaks) : undefined;
    const timeOk = f.targetMs === undefined || ms <= f.targetMs;
    const memOk = f.targetPeakMb === undefined || peak === undefined || peak <= f.targetPeakMb;
    const targets = [f.targetMs === undefined ? '' : `≤ ${(f.targetMs / 1000).toFixed(1)} s`, f.targetPeakMb === undefined ? '' : `peak ≤ ${f.targetPeakMb} MB`].filter(Boolean).join(', ');
    return [{
      figure: `Start-up: ${f.name}, median of ${f.samples.length}, peak memory`,
      result: `${(ms / 1000).toFixed(2)} s, ${peak === undefined ? 'peak n/a' : `peak ${peak.toFixed(0)} MB`}`,
      ...(targets ? { target: targets } : {}),
      ...(f === figures[0] ? {} : { baseline: `node -e "" ${(floor / 1000).toFixed(2)} s`, ratio: `${(ms / floor).toFixed(1)}× node` }),
      ...(f.targetMs === undefined && f.targetPeakMb === undefined ? {} : { verdict: timeOk && memOk ? 'PASS' as const : 'MISS' as const }),
    }];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runStartupBench();
  const rows = rowsOf(figures);
  await recordResults('startup', 5, rows);
  process.stdout.write(`${markdownTable(['Figure', 'Target', 'Result', 'Baseline', 'Ratio', 'Verdict'], rows.map((r) => [r.figure, r.target ?? '—', r.result, r.baseline ?? '—', r.ratio ?? '—', r.verdict ?? '—']))}\n`);
}
