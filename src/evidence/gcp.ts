import { Logging } from '@google-cloud/logging';
import type { AccountLookup } from '../metrics/credentials.ts';
import { MetricsError } from '../metrics/failure.ts';
import { toMetricsError } from '../metrics/providers/cloud-monitoring.ts';
import { beforeDeadline } from '../metrics/deadline.ts';
import { withRetry, type RetryOptions } from '../metrics/retry.ts';
import type { CloudResource } from '../stores/graph.ts';
import { evidenceError } from './common.ts';

export interface CloudLoggingOptions {
  accounts: AccountLookup;
  /** Options for the Logging client (credentials, apiEndpoint); the REST transport is always used. */
  clientOptions?: Record<string, unknown>;
  timeoutMs?: number;
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>;
  now?: () => number;
}

/** The project a GCP resource lives in: its full resource name says so, its account id otherwise. */
export function projectOf(resource: CloudResource): string {
  return /\/projects\/([^/]+)/.exec(resource.id)?.[1] ?? resource.accountId;
}

/** The last path segment of a full resource name: the name audit logs and labels use. */
export function shortName(resource: CloudResource): string {
  return resource.id.split('/').pop() || resource.name;
}

/** Cloud Logging filter string literal: quotes and backslashes escaped. */
export function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A log entry as `entries.list` returns it in JSON (protoPayload stays JSON: see CloudLoggingReader). */
export interface RawEntry {
  timestamp?: string;
  insertId?: string;
  severity?: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  protoPayload?: Record<string, unknown>;
}

/**
 * `entries.list` (POST /v2/entries:list) with the `@google-cloud/logging` client's own credentials
 * (its GoogleAuth), one page of at most `pageSize` entries newest first, at most `maxPages` pages,
 * before the deadline; failures labelled with the permission to grant. Not `getEntries`: its
 * protobuf decoding has no AuditLog type and rejects every audit entry's protoPayload
 * ("cannot find type google.cloud.audit.AuditLog"), so the JSON is read as the API sends it.
 */
export class CloudLoggingReader {
  private readonly clients = new Map<string, Logging>();

  constructor(private readonly options: CloudLoggingOptions) {}

  async list(orgId: string, resource: CloudResource, filter: string, what: string, deadline: number, pageSize = 200, maxPages = 3): Promise<RawEntry[]> {
    const project = projectOf(resource);
    const account = await this.options.accounts(orgId, resource.accountId);
    if (!account || account.provider !== 'gcp') throw new MetricsError('unknown_account', `GCP project ${resource.accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
    const logging = this.client(project);
    const endpoint = typeof this.options.clientOptions?.apiEndpoint === 'string' ? this.options.clientOptions.apiEndpoint : 'logging.googleapis.com';
    const out: RawEntry[] = [];
    try {
      await beforeDeadline(deadline, `${what} for ${resource.name}`, async (signal) => {
        let pageToken: string | undefined;
        for (let page = 0; page < maxPages; page += 1) {
          const token = pageToken;
          const answer = await withRetry(async () => {
            try {
              const response = await logging.auth.request<{ entries?: RawEntry[]; nextPageToken?: string }>({
                url: `https://${endpoint}/v2/entries:list`,
                method: 'POST',
                data: { resourceNames: [`projects/${project}`], filter, orderBy: 'timestamp desc', pageSize, ...(token ? { pageToken: token } : {}) },
                timeout: Math.max(1_000, deadline - Date.now()),
                signal,
                retry: false,
              });
              return response.data;
            } catch (error) {
              throw toMetricsError(error, project);
            }
          }, { deadline, ...this.options.retry });
          out.push(...(answer.entries ?? []));
          pageToken = answer.nextPageToken || undefined;
          if (!pageToken) break;
        }
      });
    } catch (error) {
      throw evidenceError(toMetricsError(error, project), `Cloud Logging (${what}) in project ${project}`, 'roles/logging.viewer (logging.logEntries.list) on the project');
    }
    return out;
  }

  private client(project: string): Logging {
    let client = this.clients.get(project);
    if (!client) {
      client = new Logging({ projectId: project, ...this.options.clientOptions, scopes: ['https://www.googleapis.com/auth/logging.read'] });
      this.clients.set(project, client);
    }
    return client;
  }
}
