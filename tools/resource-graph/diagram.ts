import { z } from 'zod';
import { accountDiagram, neighbourhoodDiagram } from '../../src/diagrams/build.ts';
import type { DiagramModel } from '../../src/diagrams/model.ts';
import { renderDiagram, diagramText, type DiagramImage } from '../../src/diagrams/render.ts';
import { readMetrics } from '../../src/metrics/read.ts';
import type { MetricSummary } from '../../src/metrics/source.ts';
import { summarizeSeries } from '../../src/metrics/summarize.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { scopeOf, type ToolFactory } from '../tool.ts';
import { resolveResource } from './resolve.ts';

const name = z.string().min(1).max(300);

const schema = z.object({
  target: name.optional().describe('A resource name or id, an account id, or "all" for every account this channel may see'),
  resources: z.array(name).min(1).max(10).optional().describe('Several resources drawn together as the focus (an investigation\'s affected chain)'),
  format: z.enum(['png', 'mermaid']).default('png'),
  depth: z.number().int().min(1).max(3).default(2).describe('Hops around the focus'),
  /** Metric summaries already read (an investigation's), so health needs no second read. */
  summaries: z.array(z.custom<MetricSummary>()).optional(),
  /** Resource ids a firing alert names: drawn as critical. */
  alerting: z.array(z.string()).optional(),
});

export interface DiagramView {
  /** Absent when the target names nothing this channel may see. */
  model?: DiagramModel;
  alt: string;
  mermaid: string;
  image?: DiagramImage;
}

/** Neighbours whose metrics are read for health colours, at most (one batched read). */
const maxHealthReads = 10;
const healthWindowMinutes = 60;

/**
 * Draws the scoped resource graph: a resource's neighbourhood, an account's topology, or every
 * account of the channel. Not offered to the LLM agent (its output is a picture, not text for a
 * model); the planner and the `diagram` command use it.
 */
export const diagramTool: ToolFactory<typeof schema, DiagramView> = (context, deps) => ({
  name: 'get_diagram',
  description: 'A dependency diagram (PNG and Mermaid) of a resource\'s neighbourhood or an account\'s topology.',
  schema,
  async run(input) {
    const scope = scopeOf(context);
    const names = [...(input.target ? [input.target] : []), ...(input.resources ?? [])];
    const target = input.target?.trim().toLowerCase() ?? '';
    const health = { summaries: input.summaries ?? [], alerting: new Set(input.alerting ?? []) };
    let model: DiagramModel | undefined;
    const account = context.accountIds.find((a) => a.toLowerCase() === target.replace(/^account\s+/, ''));
    if (!input.resources && ['all', 'accounts', 'all accounts', 'everything'].includes(target)) {
      model = await accountDiagram(deps.graph, scope, 'all accounts of this channel', health);
    } else if (!input.resources && account) {
      model = await accountDiagram(deps.graph, { orgId: scope.orgId, accountIds: [account] }, `account ${account}`, health);
    } else {
      const found = await Promise.all(names.map((n) => resolveResource(deps.graph, context, n)));
      const focus = [...new Map(found.filter((r): r is CloudResource => r !== undefined).map((r) => [r.id, r])).values()];
      if (focus.length === 0) return { alt: '', mermaid: '' };
      if (!input.summaries) health.summaries = await healthSummaries(deps, context, focus, input.depth);
      model = await neighbourhoodDiagram(deps.graph, scope, focus, focus.map((r) => r.name).join(', '), health, { depth: input.depth });
    }
    if (input.format === 'mermaid') {
      const text = await diagramText(model);
      return { model, alt: text.alt, mermaid: text.mermaid };
    }
    const rendered = await renderDiagram(model);
    return { model, alt: rendered.alt, mermaid: rendered.mermaid, image: rendered.image };
  },
  toText: (view) => (view.model ? view.alt : 'No such resource or account in this channel\'s accounts.'),
});

/** Latest metrics of the focus and its direct neighbours, for health colours; failures leave health to the state. */
async function healthSummaries(deps: Parameters<typeof diagramTool>[1], context: Parameters<typeof diagramTool>[0], focus: readonly CloudResource[], depth: number): Promise<MetricSummary[]> {
  if (deps.metrics.length === 0 || depth < 1) return [];
  const scope = scopeOf(context);
  const near = await Promise.all(focus.map((r) => deps.graph.dependencies(scope, r.id, 1)));
  const resources = [...new Map([...focus, ...near.flat().map((n) => n.resource)].map((r) => [r.id, r])).values()].slice(0, maxHealthReads);
  try {
    const reading = await readMetrics(deps.metrics, { orgId: context.orgId, accountIds: context.accountIds, resources, windowMinutes: healthWindowMinutes });
    const nameOf = new Map(resources.map((r) => [r.id, r.name]));
    return reading.series.flatMap(({ source, series }) => summarizeSeries(series, nameOf.get(series.resourceId) ?? series.resourceId, healthWindowMinutes, source) ?? []);
  } catch {
    return [];
  }
}
