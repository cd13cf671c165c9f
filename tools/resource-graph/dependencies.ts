import { z } from 'zod';
import type { CloudResource, Neighbour } from '../../src/stores/graph.ts';
import { scopeOf, withinBudget, type ToolFactory } from '../tool.ts';
import { describeResource, resolveResource } from './resolve.ts';

const schema = z.object({
  resource: z.string().min(1).max(300).describe('Resource name or id'),
  depth: z.number().int().min(1).max(4).default(2).describe('Hops to follow'),
});

export interface DependencyView {
  resource?: CloudResource;
  dependencies: Neighbour[];
  dependents: Neighbour[];
}

export const dependenciesTool: ToolFactory<typeof schema, DependencyView> = (context, deps) => ({
  name: 'get_dependencies',
  description: 'What a resource depends on (downstream) and what depends on it (upstream, the blast radius).',
  schema,
  async run(input) {
    const resource = await resolveResource(deps.graph, context, input.resource);
    if (!resource) return { dependencies: [], dependents: [] };
    const [dependencies, dependents] = await Promise.all([
      deps.graph.dependencies(scopeOf(context), resource.id, input.depth),
      deps.graph.dependents(scopeOf(context), resource.id, input.depth),
    ]);
    return { resource, dependencies, dependents };
  },
  toText(view) {
    if (!view.resource) return 'No such resource in this channel\'s accounts.';
    const line = (n: Neighbour): string => `  ${'  '.repeat(n.depth - 1)}${n.via} ${describeResource(n.resource)}`;
    return withinBudget([
      describeResource(view.resource),
      `Depends on (${view.dependencies.length}):`, ...view.dependencies.map(line),
      `Depended on by (${view.dependents.length}):`, ...view.dependents.map(line),
    ].join('\n'));
  },
});
