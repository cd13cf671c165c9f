import type { TokenCredential } from '@azure/core-auth';
import { LogsQueryClient } from '@azure/monitor-query-logs';
import type { AccountLookup, AzureCredentials } from '../../metrics/credentials.ts';
import { beforeDeadline } from '../../metrics/deadline.ts';
import { MetricsError } from '../../metrics/failure.ts';
import { toMetricsError } from '../../metrics/providers/azure-monitor.ts';
import { failureFor } from '../../metrics/source.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { azureRetry, evidenceError, outOfScope, type EvidenceRequest } from '../common.ts';
import { clusterLines } from './cluster.ts';
import { errorWords, logReadLimits, withinReadLimits, type LogSource, type LogsResult } from './source.ts';

export interface AzureLogsOptions {
  accounts: AccountLookup;
  credentials: AzureCredentials;
  timeoutMs?: number;
  /** Log Analytics endpoint (tests); default https://api.loganalytics.io/v1. */
  endpoint?: string;
  now?: () => number;
}

/** KQL string literal: single quotes doubled away, no way out of the literal. */
function kql(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Azure Monitor Logs (`@azure/monitor-query-logs`): a KQL query over the workspace the estate names
 * (tag `logAnalyticsWorkspaceId`; table from `logAnalyticsTable`, default AppTraces, message column
 * Message), scoped to the resource's id, error lines only, capped on the server.
 */
export class AzureLogsSource implements LogSource {
  readonly name = 'azure-logs';

  constructor(private readonly options: AzureLogsOptions) {}

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'azure' && Boolean(resource.tags.logAnalyticsWorkspaceId);
  }

  async read(request: EvidenceRequest): Promise<LogsResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 20_000);
    const now = (this.options.now ?? Date.now)();
    const results = await Promise.all(request.resources.map(async (resource): Promise<LogsResult> => {
      if (!request.accountIds.includes(resource.accountId)) return { items: [], failures: [outOfScope(resource, this.name)] };
      const workspace = resource.tags.logAnalyticsWorkspaceId;
      if (!workspace) return { items: [], failures: [failureFor(resource, this.name, 'unsupported', `${resource.name} names no Log Analytics workspace: tag it with logAnalyticsWorkspaceId.`)] };
      const table = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(resource.tags.logAnalyticsTable ?? '') ? resource.tags.logAnalyticsTable as string : 'AppTraces';
      const query = `${table}
| where _ResourceId =~ ${kql(resource.id)}
| where Message has_any (${errorWords.map(kql).join(', ')})
| project TimeGenerated, Message
| order by TimeGenerated desc
| take ${logReadLimits.maxLines}`;
      try {
        const account = await this.options.accounts(request.orgId, resource.accountId);
        if (!account || account.provider !== 'azure') throw new MetricsError('unknown_account', `Azure subscription ${resource.accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
        const credential: TokenCredential = this.options.credentials.forAccount(account);
        const client = new LogsQueryClient(credential, { ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}), retryOptions: azureRetry });
        const answer = await beforeDeadline(deadline, `Azure Monitor Logs for ${resource.name}`, (abortSignal) => client.queryWorkspace(workspace, query, { startTime: new Date(now - request.windowMinutes * 60_000), endTime: new Date(now) }, { abortSignal, serverTimeoutInSeconds: Math.max(1, Math.floor((deadline - Date.now()) / 1000)) }))
          .catch((error: unknown) => { throw evidenceError(toMetricsError(error, resource.region, resource.accountId), `Azure Monitor Logs (workspace ${workspace})`, 'the Log Analytics Reader role on the workspace'); });
        const tables = answer.status === 'Success' ? answer.tables : answer.partialTables;
        const rows = tables[0]?.rows ?? [];
        const columns = (tables[0]?.columnDescriptors ?? []).map((c) => c.name);
        const ti = columns.indexOf('TimeGenerated');
        const mi = columns.indexOf('Message');
        const lines = withinReadLimits(rows.map((row) => ({ at: new Date(String(row[ti])).toISOString(), message: String(row[mi] ?? '') })).filter((l) => l.message));
        const partial = answer.status !== 'Success' ? ' (partial)' : '';
        return { items: clusterLines(resource.id, lines, `Azure Monitor Logs ${table} in workspace ${workspace}, last ${request.windowMinutes} min${partial}`), failures: [] };
      } catch (error) {
        const e = toMetricsError(error, resource.region, resource.accountId);
        return { items: [], failures: [failureFor(resource, this.name, e.reason, e.message)] };
      }
    }));
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }
}
