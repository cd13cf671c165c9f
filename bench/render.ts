/**
 * Diagram rendering benchmark (`npm run bench`, last step): for estates of 10, 100 and 1,000
 * resources (BENCH_RENDER_SIZES), the whole path a `/cloud diagram <account>` takes in process —
 * read the account and its edges from the in-memory graph, summarise, lay out with Graphviz (WASM)
 * to SVG, rasterise with resvg to PNG — timed per stage over BENCH_RENDER_RUNS runs (after one
 * warm-up that loads the WASM module), with the PNG's size. Prints a Markdown table.
 */
import { performance } from 'node:perf_hooks';
import { accountDiagram } from '../src/diagrams/build.ts';
import { diagramText, renderDiagram } from '../src/diagrams/render.ts';
import type { DiagramModel } from '../src/diagrams/model.ts';
import { MemoryResourceGraph } from '../src/stores/memory/graph.ts';
import { generateEstate } from './estate.ts';
import { markdownTable, ms, summarize } from './report.ts';
import { recordResults } from './results.ts';

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw?.trim()) return fallback;
  const values = raw.split(',').map((v) => Number(v.trim().replace(/_/g, '')));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`${name} must be a comma-separated list of positive integers (got "${raw}").`);
  return values;
}

const sizes = envList('BENCH_RENDER_SIZES', [10, 100, 1000]);
const [runs = 15] = envList('BENCH_RENDER_RUNS', [15]);

interface Row { size: number; model: number[]; layout: number[]; png: number[]; total: number[]; bytes: number; width: number; height: number; drawn: string }

async function measure(size: number): Promise<Row> {
  const estate = generateEstate({ resources: size, relationships: size * 2, seed: 42 + size });
  const graph = new MemoryResourceGraph();
  await graph.ingest('bench', estate);
  const scope = { orgId: 'bench', accountIds: estate.accounts.map((a) => a.accountId) };
  const row: Row = { size, model: [], layout: [], png: [], total: [], bytes: 0, width: 0, height: 0, drawn: '' };
  for (let i = 0; i <= runs; i += 1) {
    const t0 = performance.now();
    const model: DiagramModel = await accountDiagram(graph, scope, `bench estate of ${size}`);
    const t1 = performance.now();
    await diagramText(model);
    const t2 = performance.now();
    const rendered = await renderDiagram(model);
    const t3 = performance.now();
    if (i === 0) continue; // warm-up: loads Graphviz's WASM module and resvg's fonts
    row.model.push(t1 - t0);
    row.layout.push(t2 - t1);
    // renderDiagram lays out again before rasterising: its own time minus one layout is the PNG step.
    row.png.push(Math.max(0, t3 - t2 - (t2 - t1)));
    row.total.push(t1 - t0 + (t3 - t2));
    row.bytes = rendered.image.png.length;
    row.width = rendered.image.width;
    row.height = rendered.image.height;
    row.drawn = `${model.shownResources} + ${model.nodes.length - model.shownResources} groups, ${model.edges.length} edges`;
  }
  await graph.close();
  return row;
}

const rows: Row[] = [];
for (const size of sizes) rows.push(await measure(size));

const p = (values: number[]): string => {
  const s = summarize(values);
  return `${ms(s.p50)} / ${ms(s.p95)}`;
};
await recordResults('render', 40, rows.map((r) => ({
  figure: `Diagram render, ${r.size} resources (${r.drawn} drawn), p50 / p95`,
  result: `${p(r.total)} (PNG ${Math.round(r.bytes / 1024)} KiB)`,
})));
process.stdout.write(`\n## Diagram rendering (in process, ${runs} runs each after a warm-up; p50 / p95)\n\n`);
process.stdout.write(`${markdownTable(
  ['resources', 'drawn', 'graph read + summarise', 'layout (Graphviz WASM)', 'PNG (resvg)', 'total', 'PNG'],
  rows.map((r) => [String(r.size), r.drawn, p(r.model), p(r.layout), p(r.png), p(r.total), `${Math.round(r.bytes / 1024)} KiB, ${r.width}×${r.height}`]),
)}\n`);
