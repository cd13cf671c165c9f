import { z } from 'zod';
import type { EvidenceResult, EvidenceSource } from '../common.ts';

/** Where a change record came from: the provider API that reported it. */
export const ChangeOrigin = z.enum([
  'cloudtrail', 'ecs-deployment', 'lambda-version', 'autoscaling',
  'azure-activity-log', 'app-service-deployment', 'gcp-audit-log', 'cloud-run-revision',
  'recorded',
]);
export type ChangeOrigin = z.infer<typeof ChangeOrigin>;

/** One change to one resource, normalised across clouds. */
export const ChangeRecord = z.object({
  /** ISO time the change happened (or started, for a rollout). */
  at: z.string().datetime(),
  /** Who made it: IAM principal, Azure caller, GCP principal email; absent when the API does not say. */
  actor: z.string().max(300).optional(),
  /** What changed, one line: "deployment of task definition checkout-api:41". */
  summary: z.string().min(1).max(500),
  resourceId: z.string().min(1),
  source: ChangeOrigin,
  /** The state before and after, where the API gives both (task definition :40 → :41, version 6 → 7). */
  before: z.string().max(300).optional(),
  after: z.string().max(300).optional(),
  /** The provider call behind it, precise enough to find it again. */
  citation: z.string().max(500).optional(),
});
export type ChangeRecord = z.infer<typeof ChangeRecord>;

/** Reads recent changes of resources. Implemented per cloud, and by recordings (demo, replays). */
export type ChangeSource = EvidenceSource<ChangeRecord>;
export type ChangesResult = EvidenceResult<ChangeRecord>;

/** Newest first, at most `limit`, duplicates (same resource, time and summary from two APIs) dropped. */
export function newestChanges(changes: readonly ChangeRecord[], limit: number): ChangeRecord[] {
  const seen = new Set<string>();
  return [...changes]
    .sort((a, b) => b.at.localeCompare(a.at))
    .filter((c) => {
      const key = `${c.resourceId}\u0000${c.at}\u0000${c.summary}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, limit);
}
