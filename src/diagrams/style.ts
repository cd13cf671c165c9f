import type { CloudResource, RelationshipType } from '../stores/graph.ts';
import { relationshipLabels, type DiagramEdge, type Health } from './model.ts';

/** Border colour per provider, fill per health: the same palette in PNG and Mermaid. */
export const providerColors: Record<CloudResource['provider'], string> = { aws: '#ff9900', azure: '#0078d4', gcp: '#34a853' };
export const providerNames: Record<CloudResource['provider'], string> = { aws: 'AWS', azure: 'Azure', gcp: 'GCP' };
export const healthColors: Record<Health, string> = { ok: '#dafbe1', warning: '#fff8c5', critical: '#ffcecb', unknown: '#f6f8fa' };

export interface EdgeStyle {
  style: 'solid' | 'dashed' | 'dotted' | 'bold';
  color: string;
  arrowhead: string;
}

export const edgeStyles: Record<RelationshipType, EdgeStyle> = {
  DEPENDS_ON: { style: 'solid', color: '#57606a', arrowhead: 'normal' },
  ROUTES_TO: { style: 'bold', color: '#0969da', arrowhead: 'vee' },
  CONTAINS: { style: 'dotted', color: '#8250df', arrowhead: 'odiamond' },
  ATTACHED_TO: { style: 'dashed', color: '#6e7781', arrowhead: 'dot' },
};

/** A collapsed edge of several relationship types: neutral grey, arrow only. */
export const mixedEdgeStyle: EdgeStyle = { style: 'solid', color: '#8c959f', arrowhead: 'normal' };

/** What a collapsed edge says: its type and count, or just the count when types are mixed. */
export function edgeLabel(edge: DiagramEdge): string {
  if (edge.mixed) return `${edge.count} links`;
  return edge.count > 1 ? `${relationshipLabels[edge.type]} ×${edge.count}` : relationshipLabels[edge.type];
}

/** Names longer than this are cut with an ellipsis so one resource cannot stretch the picture. */
export const maxLabelChars = 40;

/** One line of label text: control characters and line breaks become spaces, long text is cut. */
export function oneLine(text: string, max = maxLabelChars): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
