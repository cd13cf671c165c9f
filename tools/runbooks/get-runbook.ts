import { z } from 'zod';
import type { Runbook } from '../../src/stores/runbooks.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const schema = z.object({
  runbookId: z.string().min(1).max(128).describe('Runbook id, as cited by search_runbooks'),
});

export const getRunbookTool: ToolFactory<typeof schema, Runbook | undefined> = (context, deps) => ({
  name: 'get_runbook',
  description: 'The whole text of one runbook of this organization, with its suggested actions.',
  schema,
  run: (input) => deps.runbooks.get(context.orgId, input.runbookId),
  toText: (runbook) => runbook
    ? withinBudget(`${runbook.title} (${runbook.id})\nSuggested actions: ${runbook.actions.map((a) => `${a.kind} ${JSON.stringify(a.params)}`).join('; ') || 'none'}\n\n${runbook.body}`)
    : 'No such runbook.',
});
