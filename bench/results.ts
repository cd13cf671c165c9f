import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { fromPackageRoot } from '../src/package-root.ts';

/**
 * Each benchmark of `npm run bench` records its headline figures here; bench/summary.ts then prints
 * them as one table and writes bench/RESULTS.md. Details stay in each benchmark's own output.
 */
export const ResultRow = z.object({
  figure: z.string(),
  result: z.string(),
  target: z.string().optional(),
  /** The same work done the naive way, measured in the same run. */
  baseline: z.string().optional(),
  ratio: z.string().optional(),
  verdict: z.enum(['PASS', 'MISS']).optional(),
});
export type ResultRow = z.infer<typeof ResultRow>;

export const BenchRecord = z.object({ bench: z.string(), order: z.number(), finishedAt: z.string(), rows: z.array(ResultRow) });
export type BenchRecord = z.infer<typeof BenchRecord>;

export const resultsDir = `${fromPackageRoot('bench/.scratch/results')}/`;

export async function recordResults(bench: string, order: number, rows: readonly ResultRow[]): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  const record: BenchRecord = { bench, order, finishedAt: new Date().toISOString(), rows: [...rows] };
  await writeFile(`${resultsDir}${bench}.json`, `${JSON.stringify(record, null, 2)}\n`);
}

export async function clearResults(): Promise<void> {
  await rm(resultsDir, { recursive: true, force: true });
}

export async function readResults(): Promise<BenchRecord[]> {
  const files = await readdir(resultsDir).catch(() => [] as string[]);
  const records = await Promise.all(files.filter((f) => f.endsWith('.json')).map(async (f) => BenchRecord.parse(JSON.parse(await readFile(`${resultsDir}${f}`, 'utf8')))));
  return records.sort((a, b) => a.order - b.order || a.bench.localeCompare(b.bench));
}

/** PASS/MISS from a measured value and its bound. */
export function verdict(ok: boolean): 'PASS' | 'MISS' {
  return ok ? 'PASS' : 'MISS';
}
