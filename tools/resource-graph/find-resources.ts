import { z } from 'zod';
import type { CloudResource } from '../../src/stores/graph.ts';
import { scopeOf, withinBudget, type ToolFactory } from '../tool.ts';
import { describeResource } from './resolve.ts';

const schema = z.object({
  query: z.string().min(1).max(200).describe('Words from the resource name, id or tag values, e.g. "checkout" or "payments"'),
  type: z.string().max(100).optional().describe('Optional normalised type, e.g. aws.ecs.service'),
});

export const findResourcesTool: ToolFactory<typeof schema, CloudResource[]> = (context, deps) => ({
  name: 'find_resources',
  description: 'Search the cloud resources this channel may see by name, id or tag value.',
  schema,
  async run(input) {
    const byText = await deps.graph.findResources(scopeOf(context), { text: input.query, ...(input.type ? { type: input.type } : {}), limit: 10 });
    if (byText.length > 0) return byText;
    return deps.graph.resolveMentions(scopeOf(context), input.query, 10);
  },
  toText: (resources) => withinBudget(resources.length === 0 ? 'No matching resources.' : resources.map(describeResource).join('\n')),
});
