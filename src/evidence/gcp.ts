import { Logging, type Entry } from '@google-cloud/logging';
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

/**
 * `entries.list` through `@google-cloud/logging` on its REST transport, one page of at most
 * `pageSize` entries (newest first) per call and at most `maxPages` pages, before the deadline;
 * failures are labelled with the permission to grant.
 */
export class CloudLoggingReader {
  private readonly clients = new Map<string, Logging>();

  constructor(private readonly options: CloudLoggingOptions) {}

  async list(orgId: string, resource: CloudResource, filter: string, what: string, deadline: number, pageSize = 200, maxPages = 3): Promise<Entry[]> {
    const project = projectOf(resource);
    const account = await this.options.accounts(orgId, resource.accountId);
    if (!account || account.provider !== 'gcp') throw new MetricsError('unknown_account', `GCP project ${resource.accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
    const logging = this.client(project);
    const out: Entry[] = [];
    try {
      await beforeDeadline(deadline, `${what} for ${resource.name}`, async () => {
        let pageToken: string | undefined;
        for (let page = 0; page < maxPages; page += 1) {
          const token = pageToken;
          const [entries, next] = await withRetry(async () => {
            try {
              return await logging.getEntries({
                resourceNames: [`projects/${project}`],
                filter,
                orderBy: 'timestamp desc',
                pageSize,
                autoPaginate: false,
                ...(token ? { pageToken: token } : {}),
                gaxOptions: { timeout: Math.max(1_000, deadline - Date.now()) },
              });
            } catch (error) {
              throw toMetricsError(error, project);
            }
          }, { deadline, ...this.options.retry });
          out.push(...entries);
          pageToken = (next as { pageToken?: string } | undefined)?.pageToken;
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
      // fallback: the REST transport (plain HTTPS through proxies); LoggingOptions does not declare it, the gapic client reads it.
      client = new Logging({ projectId: project, ...this.options.clientOptions, fallback: true } as ConstructorParameters<typeof Logging>[0]);
      this.clients.set(project, client);
    }
    return client;
  }
}
