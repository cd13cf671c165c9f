import { z } from 'zod';
import { impliedKind, suggestNames, type NameSuggestions } from '../../src/intent/did-you-mean.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { scopeOf, withinBudget, type ToolFactory } from '../tool.ts';

const schema = z.object({
  name: z.string().min(1).max(300).describe('A resource name that matched nothing'),
});

/** Candidates read per search word: enough for a suggestion, bounded on a large estate. */
const perWord = 100;

/**
 * "Did you mean …": names in this channel's accounts close to one that matched nothing. Candidates
 * come only from the request's scope (its organization and the channel's accounts); the words of the
 * name and their first letters narrow them, so a large estate is never read whole.
 */
export const similarResourcesTool: ToolFactory<typeof schema, NameSuggestions> = (context, deps) => ({
  name: 'similar_resources',
  description: 'Resource names in this channel\'s accounts close to a name that matched nothing (misspellings, same kind).',
  schema,
  async run(input) {
    const scope = scopeOf(context);
    const words = input.name.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 2);
    const probes = [...new Set([...words.filter((w) => w.length >= 3), ...words.filter((w) => w.length >= 4).map((w) => w.slice(0, 3)), ...words.filter((w) => w.length >= 4).map((w) => w.slice(-3))])].slice(0, 8);
    const found = await Promise.all(probes.map((text) => deps.graph.findResources(scope, { text, limit: perWord })));
    const kinds = await kindCandidates(input.name, deps, scope);
    return suggestNames(input.name, [...found.flat(), ...kinds]);
  },
  toText: (s) => withinBudget(s.misspellings.length ? `Did you mean: ${s.misspellings.map((r) => r.name).join(', ')}?` : s.related.length ? `Nearest${s.kind ? ` ${s.kind}s` : ''}: ${s.related.map((r) => r.name).join(', ')}` : 'Nothing similar.'),
});

/**
 * Resources of the kind a name implies ("payments-queue": the queues), found by type from the
 * channel's own type counts, since type names differ per provider.
 */
async function kindCandidates(name: string, deps: Parameters<typeof similarResourcesTool>[1], scope: ReturnType<typeof scopeOf>): Promise<CloudResource[]> {
  const kind = impliedKind(name);
  if (!kind) return [];
  const counts = await deps.graph.counts(scope);
  const types = Object.keys(counts.byType).filter((type) => kind.type.test(type)).slice(0, 5);
  return (await Promise.all(types.map((type) => deps.graph.findResources(scope, { type, limit: perWord })))).flat();
}
