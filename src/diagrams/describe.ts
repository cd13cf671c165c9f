import { clusters, relationshipLabels, type DiagramModel, type DiagramNode } from './model.ts';
import { oneLine, providerNames } from './style.ts';

/** Slack and Teams both take about this much alt text; the picture's key facts come first. */
export const maxAltChars = 1000;

/** The diagram in words, for screen readers, notifications and anyone who cannot see the picture. */
export function diagramAlt(model: DiagramModel): string {
  const byKey = new Map(model.nodes.map((n) => [n.key, n]));
  const places = clusters(model).map((c) => `${providerNames[c.provider]} ${oneLine(c.accountId, 60)} ${oneLine(c.region, 40)}`);
  const sentences: string[] = [];
  const collapsed = model.totalResources - model.shownResources;
  sentences.push(`Dependency diagram of ${oneLine(model.title, 120)}: ${model.shownResources} resource${model.shownResources === 1 ? '' : 's'} shown${collapsed > 0 ? ` and ${collapsed} more collapsed into ${model.nodes.filter((n) => n.kind === 'group').length} group(s)` : ''}, in ${places.length} account/region group(s) (${places.slice(0, 4).join('; ')}${places.length > 4 ? '; …' : ''}).`);
  const focus = model.nodes.filter((n): n is Extract<DiagramNode, { kind: 'resource' }> => n.kind === 'resource' && n.focus);
  if (focus.length) sentences.push(`Highlighted: ${focus.map((n) => oneLine(n.resource.name, 60)).join(', ')}.`);
  const unhealthy = model.nodes.filter((n) => n.health === 'critical' || n.health === 'warning');
  if (unhealthy.length) sentences.push(`Unhealthy: ${unhealthy.slice(0, 6).map((n) => `${name(n)} (${n.health}${n.kind === 'resource' && n.note ? `, ${oneLine(n.note, 80)}` : ''})`).join('; ')}${unhealthy.length > 6 ? `; and ${unhealthy.length - 6} more` : ''}.`);
  if (model.edges.length) {
    const shown = model.edges.slice(0, 10).map((e) => (e.mixed ? `${e.count} links from ${name(byKey.get(e.from))} to ${name(byKey.get(e.to))}` : `${name(byKey.get(e.from))} ${relationshipLabels[e.type]} ${name(byKey.get(e.to))}${e.count > 1 ? ` (×${e.count})` : ''}`));
    sentences.push(`Links: ${shown.join('; ')}${model.edges.length > 10 ? `; and ${model.edges.length - 10} more` : ''}.`);
  } else sentences.push('No relationships are recorded between them.');
  const text = sentences.join(' ');
  return text.length <= maxAltChars ? text : `${text.slice(0, maxAltChars - 1)}…`;
}

function name(node: DiagramNode | undefined): string {
  if (!node) return '?';
  return node.kind === 'resource' ? oneLine(node.resource.name, 60) : `${node.count} ${oneLine(node.type, 40)}`;
}
