import { MetricsError } from '../../metrics/failure.ts';
import { toMetricsError } from '../../metrics/providers/cloud-monitoring.ts';
import { failureFor } from '../../metrics/source.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { outOfScope, type EvidenceRequest } from '../common.ts';
import { CloudLoggingReader, projectOf, quoted, shortName, type CloudLoggingOptions } from '../gcp.ts';
import { clusterLines } from './cluster.ts';
import { withinReadLimits, type LogSource, type LogsResult } from './source.ts';

/** The resource's own entries, by the labels Cloud Logging gives each resource type. */
export function resourceFilter(resource: CloudResource): string {
  if (resource.tags.logFilter) return `(${resource.tags.logFilter})`;
  const name = quoted(shortName(resource));
  switch (resource.type) {
    case 'gcp.run.service': return `resource.type="cloud_run_revision" AND resource.labels.service_name=${name}`;
    case 'gcp.compute.instance': return `resource.type="gce_instance" AND labels."compute.googleapis.com/resource_name"=${name}`;
    case 'gcp.sql.instance': return `resource.type="cloudsql_database" AND resource.labels.database_id=${quoted(`${projectOf(resource)}:${shortName(resource)}`)}`;
    case 'gcp.functions.function': return `resource.type="cloud_function" AND resource.labels.function_name=${name}`;
    default: return `${name}`;
  }
}

/**
 * Cloud Logging `entries.list`: the resource's entries at severity ERROR or above in the window,
 * newest first, bounded in entries and bytes, clustered into signatures.
 */
export class CloudLoggingSource implements LogSource {
  readonly name = 'cloud-logging';
  private readonly reader: CloudLoggingReader;

  constructor(private readonly options: CloudLoggingOptions) {
    this.reader = new CloudLoggingReader(options);
  }

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'gcp';
  }

  async read(request: EvidenceRequest): Promise<LogsResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 20_000);
    const now = (this.options.now ?? Date.now)();
    const results = await Promise.all(request.resources.map(async (resource): Promise<LogsResult> => {
      if (!request.accountIds.includes(resource.accountId)) return { items: [], failures: [outOfScope(resource, this.name)] };
      const project = projectOf(resource);
      const filter = `${resourceFilter(resource)} AND severity>=ERROR AND timestamp>=${quoted(new Date(now - request.windowMinutes * 60_000).toISOString())}`;
      try {
        const entries = await this.reader.list(request.orgId, resource, filter, 'log entries', deadline);
        const lines = withinReadLimits(entries.map((e) => {
          const at = e.timestamp ? new Date(e.timestamp) : new Date(now);
          const json = e.jsonPayload;
          const message = e.textPayload ?? (typeof json?.message === 'string' ? json.message : json ? JSON.stringify(json) : '');
          return { at: (Number.isNaN(at.getTime()) ? new Date(now) : at).toISOString(), message };
        }).filter((l) => l.message));
        return { items: clusterLines(resource.id, lines, `Cloud Logging severity>=ERROR for ${resource.name}, last ${request.windowMinutes} min, project ${project}`), failures: [] };
      } catch (error) {
        const e = error instanceof MetricsError ? error : toMetricsError(error, project);
        return { items: [], failures: [failureFor(resource, this.name, e.reason, e.message)] };
      }
    }));
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }
}
