import { z } from 'zod';
import type { RunbookHit } from '../../src/stores/runbooks.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const schema = z.object({
  query: z.string().min(1).max(500).describe('What is wrong, in words: symptoms, service, metric'),
  resourceTypes: z.array(z.string().max(100)).max(10).optional().describe('Normalised resource types to prefer, e.g. ["aws.ecs.service"]'),
});

const excerptChars = 600;

export const searchRunbooksTool: ToolFactory<typeof schema, RunbookHit[]> = (context, deps) => ({
  name: 'search_runbooks',
  description: "Search this organization's runbooks; returns the best sections with their runbook id and title for citation.",
  schema,
  run: (input) => deps.runbooks.search(context.orgId, { query: input.query, ...(input.resourceTypes ? { resourceTypes: input.resourceTypes } : {}), limit: 5 }),
  toText: (hits) => withinBudget(hits.length === 0
    ? 'No matching runbook.'
    : hits.map((h) => `[${h.chunk.runbookId} § ${h.chunk.section}] ${h.chunk.title}\n${h.chunk.text.slice(0, excerptChars)}`).join('\n\n')),
});
