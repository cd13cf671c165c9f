import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/commands.ts';
import { jsonReply } from '../../src/reply.ts';
import { diagramAlt } from '../../src/diagrams/describe.ts';
import { dotString, toDot } from '../../src/diagrams/dot.ts';
import { mermaidText } from '../../src/diagrams/mermaid.ts';
import { diagramText, maxPngWidth, renderDiagram } from '../../src/diagrams/render.ts';
import { healthColors } from '../../src/diagrams/style.ts';
import { summarise } from '../../src/diagrams/summarise.ts';
import { fixedGraph, syntheticGraph } from '../support/diagram-graph.ts';

const golden = (name: string): string => new URL(`../fixtures/diagrams/${name}`, import.meta.url).pathname;

function decode(png: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(png));
}

function hex(color: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16)) as [number, number, number];
}

describe('diagram text: golden files for a fixed graph', () => {
  it('writes the same DOT, SVG and Mermaid for the same graph', async () => {
    const text = await diagramText(summarise(fixedGraph()));
    await expect(text.dot).toMatchFileSnapshot(golden('fixed.dot'));
    await expect(text.mermaid).toMatchFileSnapshot(golden('fixed.mmd'));
    await expect(text.svg).toMatchFileSnapshot(golden('fixed.svg'));
  });
});

describe('diagram escaping', () => {
  it('keeps hostile names inside DOT strings', () => {
    expect(dotString('a "b" \\N & c\nd')).toBe('a \\"b\\" \\\\N &amp; c d');
    const dot = toDot(summarise(fixedGraph()));
    // Every quote inside a label is escaped: removing escaped quotes leaves balanced delimiters on each line.
    for (const line of dot.split('\n')) expect((line.replace(/\\\\/g, '').replace(/\\"/g, '').match(/"/g) ?? []).length % 2).toBe(0);
    expect(dot).not.toContain('\nand a newline');
  });

  it('never lets a name become SVG markup', async () => {
    const { svg } = await diagramText(summarise(fixedGraph()));
    expect(svg).not.toContain('<script');
    expect(svg).toContain('portal&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('orders &quot;primary&quot; &lt;db&gt; &amp; {replica}');
    expect(svg).toContain('edge\\lb #1 `prod`');
  });

  it('turns Mermaid-breaking characters into entity codes and line breaks into spaces', () => {
    expect(mermaidText('a "b" <c> & #d `e`\nf')).toBe('a #34;b#34; #60;c#62; #38; #35;d #96;e#96; f');
  });

  it('keeps each Mermaid label on one line between its own quotes', async () => {
    const { mermaid } = await diagramText(summarise(fixedGraph()));
    for (const line of mermaid.split('\n').filter((l) => /^\s+[ngc]\d+\[/.test(l) || l.includes('subgraph'))) {
      expect(line.match(/"/g)).toHaveLength(2);
      expect(line).not.toMatch(/<(?!br\/>|b>|\/b>)/);
    }
  });
});

describe('diagram PNG', () => {
  it('decodes to a non-blank picture of the stated size, with the health colours drawn', async () => {
    const { image } = await renderDiagram(summarise(fixedGraph()));
    const png = decode(image.png);
    expect(png.width).toBe(image.width);
    expect(png.height).toBe(image.height);
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(150);
    expect(png.width).toBeLessThanOrEqual(maxPngWidth);
    let ink = 0;
    const colours = new Set<number>();
    const seen = { critical: 0, warning: 0 };
    const [cr, cg, cb] = hex(healthColors.critical);
    const [wr, wg, wb] = hex(healthColors.warning);
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i] ?? 0, png.data[i + 1] ?? 0, png.data[i + 2] ?? 0];
      if (r < 250 || g < 250 || b < 250) ink += 1;
      colours.add((r << 16) | (g << 8) | b);
      if (r === cr && g === cg && b === cb) seen.critical += 1;
      if (r === wr && g === wg && b === wb) seen.warning += 1;
    }
    const pixels = png.width * png.height;
    expect(ink / pixels).toBeGreaterThan(0.03);
    expect(colours.size).toBeGreaterThan(50);
    // The critical and warning fills cover whole boxes, not a stray pixel.
    expect(seen.critical).toBeGreaterThan(500);
    expect(seen.warning).toBeGreaterThan(500);
    expect(image.alt).toContain('checkout-api');
    expect(image.fileName).toBe('checkout-api-diagram.png');
  });

  it('draws a 1,000-resource estate as a readable summary, never wider than the cap', async () => {
    const model = summarise(syntheticGraph(1000));
    const { image } = await renderDiagram(model);
    const png = decode(image.png);
    expect(png.width).toBeLessThanOrEqual(maxPngWidth);
    expect(model.nodes.filter((n) => n.kind === 'resource')).toHaveLength(40);
    expect(image.alt).toMatch(/40 resources shown and 960 more collapsed into \d+ group/);
  });
});

describe('summarising large graphs', () => {
  it('keeps the focus and the most relevant resources, and counts the rest in groups', () => {
    const input = syntheticGraph(1000);
    const model = summarise(input, { maxNodes: 25, maxGroups: 8 });
    const resources = model.nodes.filter((n) => n.kind === 'resource');
    const groups = model.nodes.filter((n) => n.kind === 'group');
    expect(resources).toHaveLength(25);
    expect(resources.some((n) => n.kind === 'resource' && n.resource.id === 'arn:r0' && n.focus)).toBe(true);
    // Every unhealthy resource that fits is drawn before any healthy non-focus one.
    const critical = input.resources.filter((r) => r.state === 'degraded').length;
    expect(resources.filter((n) => n.health === 'critical').length).toBe(Math.min(critical, 24));
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.length).toBeLessThanOrEqual(8);
    expect(groups.reduce((n, g) => n + (g.kind === 'group' ? g.count : 0), 0)).toBe(975);
    expect(model.totalResources).toBe(1000);
    expect(model.shownResources).toBe(25);
    // Edges between collapsed resources merge, with their count.
    expect(model.edges.some((e) => e.count > 1)).toBe(true);
    expect(new Set(model.edges.map((e) => `${e.from}>${e.to}>${e.type}`)).size).toBe(model.edges.length);
  });

  it('draws a small graph whole', () => {
    const model = summarise(fixedGraph());
    expect(model.nodes.every((n) => n.kind === 'resource')).toBe(true);
    expect(model.edges).toHaveLength(7);
  });
});

describe('diagram alt text', () => {
  it('says what is shown, what is highlighted, what is unhealthy and how things link, within 1000 characters', () => {
    const alt = diagramAlt(summarise(fixedGraph()));
    expect(alt).toMatch(/^Dependency diagram of checkout-api: 8 resources shown, in 3 account\/region group/);
    expect(alt).toContain('Highlighted: checkout-api.');
    expect(alt).toContain('checkout-api (critical, CPUUtilization above threshold 80 for the last 6 min)');
    expect(alt).toContain('checkout-api depends on orders "primary" <db> & {replica}');
    expect(alt).not.toContain('\n');
    expect(diagramAlt(summarise(syntheticGraph(1000))).length).toBeLessThanOrEqual(1000);
  });
});

describe('the diagram command grammar', () => {
  it.each([
    ['diagram checkout-api', { kind: 'diagram', target: 'checkout-api', format: 'png' }],
    ['diagram checkout-api --format mermaid', { kind: 'diagram', target: 'checkout-api', format: 'mermaid' }],
    ['diagram --format=mermaid 111111111111', { kind: 'diagram', target: '111111111111', format: 'mermaid' }],
    ['diagram all --mermaid', { kind: 'diagram', target: 'all', format: 'mermaid' }],
    ['diagram', { kind: 'help' }],
    ['diagram checkout-api --format svg', { kind: 'help' }],
  ])('parses `%s`', (text, intent) => {
    expect(parseCommand(text)).toEqual(intent);
  });
});

describe('pictures over JSON (HTTP API)', () => {
  it('spells image bytes as base64, not one number per byte', async () => {
    const { image, alt, mermaid } = await renderDiagram(summarise(fixedGraph()));
    const json = jsonReply({ summary: 's', parts: [{ kind: 'diagram', title: 'Dependency diagram of checkout-api', format: 'png', alt, mermaid, image }] }) as { parts: { image: { pngBase64: string; png?: unknown } }[] };
    const encoded = json.parts[0]?.image;
    expect(encoded?.png).toBeUndefined();
    expect(Buffer.from(encoded?.pngBase64 ?? '', 'base64').equals(Buffer.from(image.png))).toBe(true);
  });
});
