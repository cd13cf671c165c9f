import type { CloudResource } from '../../stores/graph.ts';
import type { EvidenceResult, EvidenceSource } from '../common.ts';
import type { LogSignature } from './cluster.ts';

/** Reads the top error signatures of resources' logs. Implemented per cloud and by recordings. */
export type LogSource = EvidenceSource<LogSignature>;
export type LogsResult = EvidenceResult<LogSignature>;

/** Bounds every log source keeps: lines read per resource, and bytes of message text per resource. */
export const logReadLimits = { maxLines: 1_000, maxBytes: 512 * 1024 } as const;

/** Words an error line carries; the query of each provider filters on them. */
export const errorWords = ['error', 'exception', 'fatal', 'panic', 'timeout', 'timed out', 'refused', 'exhausted', 'failed', 'denied', 'unavailable'] as const;

/**
 * Where a resource's logs are, from the estate's tags (docs/evidence.md): `logGroup` (CloudWatch
 * Logs; Lambda functions default to /aws/lambda/<name>), `logAnalyticsWorkspaceId` (Azure),
 * `logFilter` (an extra Cloud Logging filter; GCP resources default to their own resource labels).
 */
export function logGroupOf(resource: CloudResource): string | undefined {
  if (resource.tags.logGroup) return resource.tags.logGroup;
  if (resource.type === 'aws.lambda.function') return `/aws/lambda/${resource.name}`;
  return undefined;
}

/** Keeps lines until either bound is reached: the rest of a flood is never read into memory. */
export function withinReadLimits<T extends { message: string }>(lines: readonly T[]): T[] {
  const out: T[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (out.length >= logReadLimits.maxLines) break;
    bytes += Buffer.byteLength(line.message);
    if (bytes > logReadLimits.maxBytes) break;
    out.push(line);
  }
  return out;
}
