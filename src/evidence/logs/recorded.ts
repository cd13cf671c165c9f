import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CompanionError } from '../../errors.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { formatZodIssues } from '../../validation.ts';
import { outOfScope, type EvidenceRequest } from '../common.ts';
import { clusterLines, type LogLine } from './cluster.ts';
import type { LogSource, LogsResult } from './source.ts';

/**
 * Recorded log lines (demo data, replayed incidents), in a JSON file beside the recorded metrics
 * (`<metrics>.logs.json`). Each line says how many minutes before "now" it was written and how many
 * times it repeated; they go through the same redaction and clustering as live logs. Schema: docs/evidence.md.
 */
export const RecordedLogsFile = z.object({
  version: z.literal(1),
  lines: z.array(z.object({
    resourceId: z.string().min(1),
    minutesAgo: z.number().min(0),
    message: z.string().min(1).max(4000),
    count: z.number().int().positive().default(1),
  })),
});
export type RecordedLogsFile = z.infer<typeof RecordedLogsFile>;

export class RecordedLogSource implements LogSource {
  readonly name = 'recorded';
  private readonly byOrg = new Map<string, RecordedLogsFile['lines']>();

  constructor(private readonly now: () => number = Date.now) {}

  add(orgId: string, file: RecordedLogsFile): void {
    this.byOrg.set(orgId, [...(this.byOrg.get(orgId) ?? []), ...file.lines]);
  }

  async load(orgId: string, path: string): Promise<void> {
    const parsed = RecordedLogsFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) throw new CompanionError('input_invalid', `${path} is not a valid recorded logs file:\n${formatZodIssues(parsed.error)}`);
    this.add(orgId, parsed.data);
  }

  supports(orgId: string, resource: CloudResource): boolean {
    return (this.byOrg.get(orgId) ?? []).some((l) => l.resourceId === resource.id);
  }

  async read(request: EvidenceRequest): Promise<LogsResult> {
    const end = Math.floor(this.now() / 60_000) * 60_000;
    const items = [];
    const failures = [];
    for (const resource of request.resources) {
      if (!request.accountIds.includes(resource.accountId)) {
        failures.push(outOfScope(resource, this.name));
        continue;
      }
      const lines: LogLine[] = (this.byOrg.get(request.orgId) ?? [])
        .filter((l) => l.resourceId === resource.id && l.minutesAgo <= request.windowMinutes)
        .map((l) => ({ at: new Date(end - l.minutesAgo * 60_000).toISOString(), message: l.message, count: l.count }));
      items.push(...clusterLines(resource.id, lines, 'recorded log lines'));
    }
    return { items, failures };
  }
}
