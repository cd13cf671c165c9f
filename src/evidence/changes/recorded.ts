import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CompanionError } from '../../errors.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { formatZodIssues } from '../../validation.ts';
import { outOfScope, type EvidenceRequest } from '../common.ts';
import { ChangeOrigin, type ChangeRecord, type ChangeSource, type ChangesResult } from './record.ts';

/**
 * Recorded changes (demo data, replayed incidents), in a JSON file beside the recorded metrics
 * (`<metrics>.changes.json`). Times are minutes before "now", like the recorded metrics whose last
 * value plays as now, so a recording always lines up with its metrics. Schema: docs/evidence.md.
 */
export const RecordedChangesFile = z.object({
  version: z.literal(1),
  changes: z.array(z.object({
    resourceId: z.string().min(1),
    minutesAgo: z.number().min(0),
    summary: z.string().min(1).max(500),
    actor: z.string().max(300).optional(),
    source: ChangeOrigin.default('recorded'),
    before: z.string().max(300).optional(),
    after: z.string().max(300).optional(),
  })),
});
export type RecordedChangesFile = z.infer<typeof RecordedChangesFile>;

export class RecordedChangeSource implements ChangeSource {
  readonly name = 'recorded';
  private readonly byOrg = new Map<string, RecordedChangesFile['changes']>();

  constructor(private readonly now: () => number = Date.now) {}

  add(orgId: string, file: RecordedChangesFile): void {
    this.byOrg.set(orgId, [...(this.byOrg.get(orgId) ?? []), ...file.changes]);
  }

  async load(orgId: string, path: string): Promise<void> {
    const parsed = RecordedChangesFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) throw new CompanionError('input_invalid', `${path} is not a valid recorded changes file:\n${formatZodIssues(parsed.error)}`);
    this.add(orgId, parsed.data);
  }

  supports(orgId: string, resource: CloudResource): boolean {
    return (this.byOrg.get(orgId) ?? []).some((c) => c.resourceId === resource.id);
  }

  async read(request: EvidenceRequest): Promise<ChangesResult> {
    const end = Math.floor(this.now() / 60_000) * 60_000;
    const items: ChangeRecord[] = [];
    const failures = [];
    for (const resource of request.resources) {
      if (!request.accountIds.includes(resource.accountId)) {
        failures.push(outOfScope(resource, this.name));
        continue;
      }
      for (const c of this.byOrg.get(request.orgId) ?? []) {
        if (c.resourceId !== resource.id || c.minutesAgo > request.windowMinutes) continue;
        items.push({
          at: new Date(end - c.minutesAgo * 60_000).toISOString(),
          summary: c.summary,
          resourceId: c.resourceId,
          source: c.source,
          ...(c.actor ? { actor: c.actor } : {}),
          ...(c.before ? { before: c.before } : {}),
          ...(c.after ? { after: c.after } : {}),
          citation: `recorded change, ${c.minutesAgo} min before the recording's end`,
        });
      }
    }
    return { items, failures };
  }
}
