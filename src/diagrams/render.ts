import { existsSync } from 'node:fs';
import type { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { ChatImage } from '../image.ts';
import type { DiagramModel } from './model.ts';
import { diagramAlt } from './describe.ts';
import { toDot } from './dot.ts';
import { toMermaid } from './mermaid.ts';

/** A diagram's PNG, as adapters attach it. */
export type DiagramImage = ChatImage;

export interface RenderedDiagram {
  dot: string;
  svg: string;
  mermaid: string;
  alt: string;
}

/** Widest PNG sent to chat: Slack and Teams scale it down anyway, and a bigger one only costs bytes. */
export const maxPngWidth = 1600;
export const maxPngHeight = 2400;

let graphviz: Promise<Graphviz> | undefined;

/** Graphviz compiled to WebAssembly, loaded on the first diagram (about 0.2 s) and reused. */
function loadGraphviz(): Promise<Graphviz> {
  graphviz ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load()).catch((error: unknown) => {
    graphviz = undefined;
    throw error;
  });
  return graphviz;
}

/**
 * resvg's font set: DejaVu Sans (the face Graphviz measured for) from the usual Linux location when
 * present — loading only those files is much faster than scanning every system font on each
 * render — else whatever the system has.
 */
const dejavu = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];
const fonts = dejavu.every((file) => existsSync(file))
  ? { loadSystemFonts: false, fontFiles: dejavu, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }
  : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };

/** Lays the model out with Graphviz `dot` and returns every text form (DOT, SVG, Mermaid, alt). */
export async function diagramText(model: DiagramModel): Promise<RenderedDiagram> {
  const dot = toDot(model);
  // Graphviz names the bold face as a family; SVG renderers want the family plus a weight.
  const svg = (await loadGraphviz()).dot(dot, 'svg').replaceAll('font-family="DejaVu Sans Bold"', 'font-family="DejaVu Sans" font-weight="bold"');
  const alt = diagramAlt(model);
  return { dot, svg, mermaid: toMermaid(model, alt), alt };
}

/** DOT → SVG (Graphviz WASM) → PNG (resvg): no browser, no native Graphviz. */
export async function renderDiagram(model: DiagramModel): Promise<RenderedDiagram & { image: DiagramImage }> {
  const text = await diagramText(model);
  // Graphviz sizes in points; 1.5× gives crisp text, scaled down so huge layouts stay a sane file.
  // resvg reads points as CSS points (4/3 px).
  const size = (name: string): number => (Number(new RegExp(`<svg[^>]*\\s${name}="([\\d.]+)pt"`).exec(text.svg)?.[1] ?? 0) * 4) / 3;
  const [widthPx, heightPx] = [size('width'), size('height')];
  const zoom = widthPx > 0 && heightPx > 0 ? Math.min(1.5, maxPngWidth / widthPx, maxPngHeight / heightPx) : 1;
  const { renderAsync } = await import('@resvg/resvg-js');
  const rendered = await renderAsync(text.svg, {
    fitTo: { mode: 'zoom', value: zoom },
    background: '#ffffff',
    font: fonts,
  });
  const png = rendered.asPng();
  const { width, height } = rendered;
  return { ...text, image: { mimeType: 'image/png', png: new Uint8Array(png), width, height, alt: text.alt, fileName: `${slug(model.title)}-diagram.png` } };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'resources';
}
