import { MetricsError } from '../../metrics/failure.ts';
import { toMetricsError } from '../../metrics/providers/cloud-monitoring.ts';
import { failureFor } from '../../metrics/source.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { outOfScope, type EvidenceRequest } from '../common.ts';
import { CloudLoggingReader, projectOf, quoted, shortName, type CloudLoggingOptions, type RawEntry } from '../gcp.ts';
import type { ChangeRecord, ChangeSource, ChangesResult } from './record.ts';

interface AuditPayload {
  methodName?: string;
  resourceName?: string;
  serviceName?: string;
  authenticationInfo?: { principalEmail?: string };
}

/**
 * Recent changes of GCP resources from Cloud Audit Logs (Admin Activity: every write to a
 * resource's configuration, always on and free), read through Cloud Logging `entries.list`
 * filtered on the resource's name. Cloud Run deployments appear here as the calls that create
 * revisions (ReplaceService / UpdateService).
 */
export class GcpChangeSource implements ChangeSource {
  readonly name = 'gcp';
  private readonly reader: CloudLoggingReader;

  constructor(private readonly options: CloudLoggingOptions) {
    this.reader = new CloudLoggingReader(options);
  }

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'gcp';
  }

  async read(request: EvidenceRequest): Promise<ChangesResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    const now = (this.options.now ?? Date.now)();
    const results = await Promise.all(request.resources.map(async (resource): Promise<ChangesResult> => {
      if (!request.accountIds.includes(resource.accountId)) return { items: [], failures: [outOfScope(resource, this.name)] };
      const project = projectOf(resource);
      const filter = [
        `logName=${quoted(`projects/${project}/logs/cloudaudit.googleapis.com%2Factivity`)}`,
        `protoPayload.resourceName:${quoted(shortName(resource))}`,
        `timestamp>=${quoted(new Date(now - request.windowMinutes * 60_000).toISOString())}`,
      ].join(' AND ');
      try {
        const entries = await this.reader.list(request.orgId, resource, filter, 'audit logs', deadline, 100, 2);
        return { items: entries.flatMap((e) => toChange(e, resource, project)), failures: [] };
      } catch (error) {
        const e = error instanceof MetricsError ? error : toMetricsError(error, project);
        return { items: [], failures: [failureFor(resource, this.name, e.reason, e.message)] };
      }
    }));
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }
}

function toChange(entry: RawEntry, resource: CloudResource, project: string): ChangeRecord[] {
  const payload = (entry.protoPayload ?? {}) as AuditPayload;
  const at = entry.timestamp ? new Date(entry.timestamp) : undefined;
  if (!at || Number.isNaN(at.getTime())) return [];
  const method = payload.methodName ?? 'change';
  const run = /run\.googleapis\.com/.test(payload.serviceName ?? '') && /(ReplaceService|UpdateService|CreateService)$/.test(method);
  return [{
    at: at.toISOString(),
    ...(payload.authenticationInfo?.principalEmail ? { actor: payload.authenticationInfo.principalEmail } : {}),
    summary: `${method.split('.').pop()}${run ? ' (new Cloud Run revision)' : ''} on ${resource.name}`,
    resourceId: resource.id,
    source: run ? 'cloud-run-revision' : 'gcp-audit-log',
    citation: `Cloud Audit Logs ${method}, insertId ${entry.insertId ?? '?'}, project ${project}`,
  }];
}
