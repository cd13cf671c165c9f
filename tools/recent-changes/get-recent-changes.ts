import { z } from 'zod';
import { readEvidence } from '../../src/evidence/common.ts';
import { newestChanges, type ChangeRecord } from '../../src/evidence/changes/record.ts';
import type { MetricFailure } from '../../src/metrics/source.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { failureLine } from '../metrics/get-metrics.ts';
import { resolveResource } from '../resource-graph/resolve.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const name = z.string().min(1).max(300);

const schema = z.object({
  resource: name.optional().describe('Resource name or id'),
  resources: z.array(name).min(1).max(10).optional().describe('Several resources (e.g. the path of an incident)'),
  windowMinutes: z.number().int().min(5).max(10_080).default(180).describe('How far back to look: the alert window plus a lead-in'),
});

/** Changes listed per answer: the newest. */
const maxChanges = 20;

export interface ChangesView {
  resources: CloudResource[];
  windowMinutes: number;
  /** Newest first. */
  changes: ChangeRecord[];
  failed: MetricFailure[];
  /** Resources no change source serves (no recording, no live provider configured). */
  unserved: string[];
}

export const getRecentChangesTool: ToolFactory<typeof schema, ChangesView> = (context, deps) => ({
  name: 'get_recent_changes',
  description: 'Recent changes to one or more resources (deployments, task definition revisions, Lambda versions, scaling activities, configuration writes from CloudTrail, the Azure Activity Log or GCP audit logs): when, who, what, before → after.',
  schema,
  async run(input) {
    const names = [...(input.resource ? [input.resource] : []), ...(input.resources ?? [])];
    const found = await Promise.all(names.map((n) => resolveResource(deps.graph, context, n)));
    const resources = [...new Map(found.filter((r): r is CloudResource => r !== undefined).map((r) => [r.id, r])).values()];
    const view: ChangesView = { resources, windowMinutes: input.windowMinutes, changes: [], failed: [], unserved: [] };
    if (resources.length === 0) return view;
    const reading = await readEvidence('changes', deps.evidence?.changes ?? [], { orgId: context.orgId, accountIds: context.accountIds, resources, windowMinutes: input.windowMinutes });
    // Sources answer for the resources asked; anything else is dropped rather than trusted.
    const asked = new Set(resources.map((r) => r.id));
    view.changes = newestChanges(reading.items.filter((c) => asked.has(c.resourceId)), maxChanges);
    view.failed = reading.failures;
    view.unserved = reading.unserved.map((r) => r.name);
    return view;
  },
  toText(view) {
    if (view.resources.length === 0) return 'No such resource in this channel\'s accounts.';
    const nameOf = new Map(view.resources.map((r) => [r.id, r.name]));
    const lines = [`Changes in the last ${view.windowMinutes} min to ${view.resources.map((r) => r.name).join(', ')}:`];
    if (view.changes.length === 0) lines.push('  none found');
    for (const c of view.changes) lines.push(`  ${changeLine(c, nameOf.get(c.resourceId) ?? c.resourceId)}`);
    if (view.unserved.length) lines.push(`No change history available for: ${view.unserved.join(', ')}`);
    lines.push(...view.failed.map((f) => `unavailable: ${failureLine(f)}`));
    return withinBudget(lines.join('\n'));
  },
});

export function changeLine(c: ChangeRecord, resourceName: string): string {
  const delta = c.before || c.after ? ` [${c.before ?? '?'} → ${c.after ?? '?'}]` : '';
  return `${c.at} ${resourceName}: ${c.summary}${delta}${c.actor ? ` by ${c.actor}` : ''} (${c.source})`;
}
