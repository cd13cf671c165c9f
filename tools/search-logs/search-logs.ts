import { z } from 'zod';
import { readEvidence } from '../../src/evidence/common.ts';
import type { LogSignature } from '../../src/evidence/logs/cluster.ts';
import type { MetricFailure } from '../../src/metrics/source.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { failureLine } from '../metrics/get-metrics.ts';
import { resolveResource } from '../resource-graph/resolve.ts';
import { withinBudget, type ToolFactory } from '../tool.ts';

const name = z.string().min(1).max(300);

const schema = z.object({
  resource: name.optional().describe('Resource name or id'),
  resources: z.array(name).min(1).max(5).optional().describe('Several resources'),
  windowMinutes: z.number().int().min(5).max(1440).default(60).describe('How far back to look'),
});

/** Signatures listed per resource. */
const maxPerResource = 8;

export interface LogsView {
  resources: CloudResource[];
  windowMinutes: number;
  /** Per resource, the most frequent first; templates and samples already redacted. */
  signatures: LogSignature[];
  failed: MetricFailure[];
  unserved: string[];
}

export const searchLogsTool: ToolFactory<typeof schema, LogsView> = (context, deps) => ({
  name: 'search_logs',
  description: 'Top error signatures in the logs of one or more resources (CloudWatch Logs Insights, Azure Monitor Logs, Cloud Logging or recordings), clustered by message template, with counts and first/last seen. Secrets are redacted.',
  schema,
  async run(input) {
    const names = [...(input.resource ? [input.resource] : []), ...(input.resources ?? [])];
    const found = await Promise.all(names.map((n) => resolveResource(deps.graph, context, n)));
    const resources = [...new Map(found.filter((r): r is CloudResource => r !== undefined).map((r) => [r.id, r])).values()];
    const view: LogsView = { resources, windowMinutes: input.windowMinutes, signatures: [], failed: [], unserved: [] };
    if (resources.length === 0) return view;
    const reading = await readEvidence('logs', deps.evidence?.logs ?? [], { orgId: context.orgId, accountIds: context.accountIds, resources, windowMinutes: input.windowMinutes });
    for (const resource of resources) {
      view.signatures.push(...reading.items.filter((s) => s.resourceId === resource.id).sort((a, b) => b.count - a.count).slice(0, maxPerResource));
    }
    view.failed = reading.failures;
    view.unserved = reading.unserved.map((r) => r.name);
    return view;
  },
  toText(view) {
    if (view.resources.length === 0) return 'No such resource in this channel\'s accounts.';
    const lines: string[] = [];
    for (const resource of view.resources) {
      const own = view.signatures.filter((s) => s.resourceId === resource.id);
      lines.push(`Error signatures in the logs of ${resource.name}, last ${view.windowMinutes} min:`);
      if (own.length === 0 && !view.unserved.includes(resource.name) && !view.failed.some((f) => f.resourceId === resource.id)) lines.push('  none');
      for (const s of own) lines.push(`  ${s.count}× "${s.template}" first ${s.firstSeen}, last ${s.lastSeen} [${s.citation}]`);
    }
    if (view.unserved.length) lines.push(`No log source for: ${view.unserved.join(', ')} (tag logGroup / logAnalyticsWorkspaceId, see docs/evidence.md)`);
    lines.push(...view.failed.map((f) => `unavailable: ${failureLine(f)}`));
    return withinBudget(lines.join('\n'));
  },
});
