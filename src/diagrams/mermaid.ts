import { clusters, nodeLabel, type DiagramModel } from './model.ts';
import { edgeLabel, healthColors, oneLine, providerColors, providerNames } from './style.ts';
import type { RelationshipType } from '../stores/graph.ts';

/**
 * Text inside a quoted Mermaid label. Mermaid reads `#…;` entity codes in labels, so the characters
 * that could end the label or be read as markup or markdown (quote, <, >, &, #, backtick) become
 * numeric codes; line breaks never reach the text.
 */
export function mermaidText(text: string): string {
  return oneLine(text, 10_000).replace(/[#"<>&`]/g, (c) => `#${c.charCodeAt(0)};`);
}

function accessible(text: string): string {
  return text.replace(/</g, '‹').replace(/>/g, '›');
}

const arrows: Record<RelationshipType, string> = { DEPENDS_ON: '-->', ROUTES_TO: '==>', CONTAINS: '-.->', ATTACHED_TO: '-.-' };

/** The model as a Mermaid flowchart (left to right), with accessible title and description. */
export function toMermaid(model: DiagramModel, alt: string): string {
  const lines: string[] = ['flowchart LR'];
  // accTitle/accDescr run to the end of the line and are not entity-decoded: one line each, with
  // angle brackets swapped for look-alikes so no renderer can mistake a name for markup.
  lines.push(`  accTitle: ${accessible(oneLine(model.title, 200))}`);
  lines.push(`  accDescr: ${accessible(oneLine(alt, 1000))}`);
  const styles: string[] = [];
  for (const cluster of clusters(model)) {
    lines.push(`  subgraph ${cluster.key}["${mermaidText(`${providerNames[cluster.provider]} · ${oneLine(cluster.accountId)} · ${oneLine(cluster.region)}`)}"]`);
    for (const node of cluster.nodes) {
      const { title, subtitle } = nodeLabel(node);
      const text = `${mermaidText(oneLine(title))}<br/>${mermaidText(oneLine(subtitle))}`;
      lines.push(node.kind === 'group' ? `    ${node.key}[["${text}"]]` : `    ${node.key}["${node.focus ? `<b>${text}</b>` : text}"]`);
      const provider = node.kind === 'group' ? node.provider : node.resource.provider;
      const width = node.kind === 'resource' && node.focus ? '4px' : '2px';
      styles.push(`  style ${node.key} fill:${healthColors[node.health]},stroke:${providerColors[provider]},stroke-width:${width}${node.kind === 'group' ? ',stroke-dasharray:4 3' : ''}`);
    }
    lines.push('  end');
    styles.push(`  style ${cluster.key} fill:#ffffff,stroke:${providerColors[cluster.provider]},stroke-dasharray:6 4`);
  }
  for (const edge of model.edges) {
    lines.push(`  ${edge.from} ${edge.mixed ? '-->' : arrows[edge.type]}|"${mermaidText(edgeLabel(edge))}"| ${edge.to}`);
  }
  lines.push(...styles);
  return `${lines.join('\n')}\n`;
}
