import { clusters, nodeLabel, type DiagramModel, type DiagramNode } from './model.ts';
import { edgeLabel, edgeStyles, healthColors, mixedEdgeStyle, oneLine, providerColors, providerNames } from './style.ts';

const font = 'DejaVu Sans';

/**
 * A DOT string literal's content. The DOT parser only knows `\"`, but Graphviz then expands
 * backslash escapes in labels (`\n`, `\N`, `\G`, …) and HTML entities (`&lt;`), so backslashes
 * and ampersands are escaped too; line breaks never reach the label.
 */
export function dotString(text: string): string {
  return oneLine(text, 10_000).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/&/g, '&amp;');
}

/** The model as a Graphviz DOT digraph: one cluster per account and region, styled nodes and edges, a legend. */
export function toDot(model: DiagramModel): string {
  const lines: string[] = [];
  lines.push('digraph diagram {');
  lines.push('  graph [charset="UTF-8", rankdir=LR, nodesep=0.3, ranksep=0.6, pad=0.3, fontname="' + font + '", fontsize=11, labelloc=b, labeljust=l, bgcolor="white", label="' + legend(model).map((line) => `${dotString(line)}\\l`).join('') + '"];');
  lines.push(`  node [shape=box, style="rounded,filled", fontname="${font}", fontsize=11, penwidth=1.5, margin="0.15,0.06"];`);
  lines.push(`  edge [fontname="${font}", fontsize=9, arrowsize=0.7];`);
  for (const cluster of clusters(model)) {
    lines.push(`  subgraph cluster_${cluster.key} {`);
    lines.push(`    label="${dotString(`${providerNames[cluster.provider]} · ${oneLine(cluster.accountId)} · ${oneLine(cluster.region)}`)}"; labelloc=t; style="rounded,dashed"; color="${providerColors[cluster.provider]}"; fontcolor="#1f2328";`);
    for (const node of cluster.nodes) lines.push(`    ${nodeLine(node)}`);
    lines.push('  }');
  }
  for (const edge of model.edges) {
    const style = edge.mixed ? mixedEdgeStyle : edgeStyles[edge.type];
    const attrs = [`style=${style.style}`, `color="${style.color}"`, `arrowhead=${style.arrowhead}`];
    if (edge.count > 1) attrs.push(`xlabel="${dotString(edgeLabel(edge))}"`, `penwidth=${Math.min(1 + Math.log2(edge.count), 4).toFixed(1)}`);
    lines.push(`  ${edge.from} -> ${edge.to} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function nodeLine(node: DiagramNode): string {
  const { title, subtitle } = nodeLabel(node);
  const label = `${dotString(oneLine(title))}\\n${dotString(oneLine(subtitle))}`;
  if (node.kind === 'group') {
    return `${node.key} [label="${label}", shape=folder, style="filled,dashed", fillcolor="${healthColors[node.health]}", color="${providerColors[node.provider]}"];`;
  }
  const attrs = [`label="${label}"`, `fillcolor="${healthColors[node.health]}"`, `color="${providerColors[node.resource.provider]}"`];
  if (node.focus) attrs.push('penwidth=3.5', 'peripheries=2', `fontname="${font} Bold"`);
  return `${node.key} [${attrs.join(', ')}];`;
}

/** The key under the picture, one left-aligned line each: what is shown, what the colours and lines mean. */
export function legend(model: DiagramModel): string[] {
  const summarised = model.totalResources - model.shownResources;
  const shown = summarised > 0
    ? `${model.title}: ${model.shownResources} of ${model.totalResources} resources shown, ${summarised} collapsed into groups`
    : `${model.title}: ${model.totalResources} resource${model.totalResources === 1 ? '' : 's'}`;
  const hidden = model.hiddenEdges > 0 ? ` ${model.hiddenEdges} less relevant link(s) not drawn.` : '';
  return [
    `${shown}.${hidden}`,
    'Fill: green ok, yellow warning, red critical, grey unknown. Border: orange AWS, blue Azure, green GCP; double border = focus.',
    'Lines: solid depends on, bold blue routes to, dotted contains, dashed attached to.',
  ];
}
