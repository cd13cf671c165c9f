import { findActionKind } from '../approvals/catalog.ts';
import type { Reply, ReplyPart } from '../reply.ts';
import { responderFactList, responderFacts } from '../resource-facts.ts';
import type { CloudResource } from '../stores/graph.ts';

/** Plain-text rendering of a reply for the terminal. */
export function renderText(reply: Reply): string {
  return [reply.summary, '', ...reply.parts.map(renderPart)].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd();
}

function renderPart(part: ReplyPart): string {
  switch (part.kind) {
    case 'text':
      return `${part.markdown}\n`;
    case 'facts':
      return `${part.title ? `${part.title}\n` : ''}${part.facts.map((f) => `  ${f.label}: ${f.value}`).join('\n')}\n`;
    case 'resources':
      return `${part.title}\n${part.resources.map(({ resource: r, relation }) => `  - ${r.name} (${r.type}, ${r.region}, ${r.state})${relation ? ` ${relation}` : ''}${responderLine(r)}`).join('\n')}\n`;
    case 'metrics':
      return `${part.title}\n${part.summaries.map((s) => `  - ${s.resourceName} ${s.metric}: last ${s.last} ${s.unit} (avg ${s.avg}, p95 ${s.p95}, max ${s.max}, ${s.trend}${s.change?.percent === undefined ? '' : `, ${s.change.percent >= 0 ? '+' : ''}${s.change.percent}% vs previous`})${s.anomaly ? ` ! ${s.anomaly}` : s.baseline?.departs ? ` ! well ${s.baseline.direction} its baseline ${s.baseline.baseline}` : ''} [${s.source}]`).join('\n')}\n`;
    case 'citations':
      return `Runbooks: ${part.citations.map((c) => `[${c.runbookId} § ${c.section}] ${c.title}`).join('; ')}\n`;
    case 'approval': {
      const a = part.approval;
      const kind = findActionKind(a.action.kind);
      const what = kind ? kind.describe(a.action.params as never, a.action.targetName) : a.action.kind;
      return `Approval ${a.state}: ${what} [${a.action.kind}, ${a.risk} risk, needs ${a.requiredRole}] id ${a.id}\n  Reason: ${a.reason}\n`;
    }
    case 'diagram':
      // The terminal shows the words and, when asked, the Mermaid text; `cloud-companion diagram` writes the PNG.
      return `${part.title}\n  ${part.alt}\n${part.format === 'mermaid' ? `\n${part.mermaid}` : part.image ? `  (PNG ${part.image.width}×${part.image.height}: \`cloud-companion diagram\` writes it to a file)\n` : ''}`;
    case 'status':
      return `-- ${part.text}${part.degraded.map((d) => `\n!! ${d}`).join('')}`;
  }
}

/** Owner, on-call, counts, last change and the console link of a resource, on its own indented line. */
function responderLine(resource: CloudResource): string {
  const facts = responderFacts(resource);
  const items = [...responderFactList(facts).map((f) => `${f.label.toLowerCase()} ${f.value}`), ...(facts.consoleUrl ? [facts.consoleUrl] : [])];
  return items.length ? `\n      ${items.join(' · ')}` : '';
}
