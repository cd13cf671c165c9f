import { WebSiteManagementClient } from '@azure/arm-appservice';
import { MonitorClient } from '@azure/arm-monitor';
import type { TokenCredential } from '@azure/core-auth';
import type { AccountLookup, AzureCredentials } from '../../metrics/credentials.ts';
import { beforeDeadline } from '../../metrics/deadline.ts';
import { MetricsError } from '../../metrics/failure.ts';
import { toMetricsError } from '../../metrics/providers/azure-monitor.ts';
import { failureFor } from '../../metrics/source.ts';
import type { CloudResource } from '../../stores/graph.ts';
import { azureRetry, evidenceError, outOfScope, type EvidenceFailure, type EvidenceRequest } from '../common.ts';
import type { ChangeRecord, ChangeSource, ChangesResult } from './record.ts';

export interface AzureChangeOptions {
  accounts: AccountLookup;
  credentials: AzureCredentials;
  timeoutMs?: number;
  /** Activity Log events read at most per resource. */
  maxEvents?: number;
  /** Resource Manager endpoint (tests); default https://management.azure.com. */
  endpoint?: string;
  now?: () => number;
}

/**
 * Recent changes of Azure resources: the Activity Log (`@azure/arm-monitor` activityLogs.list,
 * filtered on the resource's id and the window; write, delete and action operations only), and for
 * App Service sites their deployment history (`webApps.listDeployments`). Bounded in events and by
 * the deadline; a 403 names the role to grant.
 */
export class AzureChangeSource implements ChangeSource {
  readonly name = 'azure';

  constructor(private readonly options: AzureChangeOptions) {}

  supports(_orgId: string, resource: CloudResource): boolean {
    return resource.provider === 'azure' && resource.id.startsWith('/subscriptions/');
  }

  async read(request: EvidenceRequest): Promise<ChangesResult> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    const now = (this.options.now ?? Date.now)();
    const start = new Date(now - request.windowMinutes * 60_000);
    const results = await Promise.all(request.resources.map(async (resource): Promise<ChangesResult> => {
      if (!request.accountIds.includes(resource.accountId)) return { items: [], failures: [outOfScope(resource, this.name)] };
      let credential: TokenCredential;
      try {
        const account = await this.options.accounts(request.orgId, resource.accountId);
        if (!account || account.provider !== 'azure') throw new MetricsError('unknown_account', `Azure subscription ${resource.accountId} is not one of this organization's accounts; add it to tenants.yaml.`);
        credential = this.options.credentials.forAccount(account);
      } catch (error) {
        const e = toMetricsError(error, resource.region, resource.accountId);
        return { items: [], failures: [failureFor(resource, this.name, e.reason, e.message)] };
      }
      const reads = [this.activityLog(credential, resource, start, new Date(now), deadline)];
      if (resource.type === 'azure.web.site') reads.push(this.deployments(credential, resource, start, deadline));
      const settled = await Promise.allSettled(reads);
      const items: ChangeRecord[] = [];
      const failures: EvidenceFailure[] = [];
      for (const s of settled) {
        if (s.status === 'fulfilled') items.push(...s.value);
        else {
          const e = s.reason instanceof MetricsError ? s.reason : toMetricsError(s.reason, resource.region, resource.accountId);
          failures.push(failureFor(resource, this.name, e.reason, e.message));
        }
      }
      return { items, failures };
    }));
    return { items: results.flatMap((r) => r.items), failures: results.flatMap((r) => r.failures) };
  }

  private async activityLog(credential: TokenCredential, resource: CloudResource, start: Date, end: Date, deadline: number): Promise<ChangeRecord[]> {
    const client = new MonitorClient(credential, resource.accountId, { ...(this.options.endpoint ? { endpoint: this.options.endpoint, $host: this.options.endpoint } : {}), retryOptions: azureRetry });
    const filter = `eventTimestamp ge '${start.toISOString()}' and eventTimestamp le '${end.toISOString()}' and resourceUri eq '${resource.id.replace(/'/g, "''")}'`;
    const select = 'eventTimestamp,caller,operationName,status,resourceId,correlationId,category';
    const out: ChangeRecord[] = [];
    try {
      await beforeDeadline(deadline, `Azure Activity Log for ${resource.name}`, async (abortSignal) => {
        let seen = 0;
        for await (const event of client.activityLogs.list(filter, { select, abortSignal })) {
          seen += 1;
          if (seen > (this.options.maxEvents ?? 200)) break;
          const operation = event.operationName?.value ?? '';
          if (!/\/(write|delete|action)$/i.test(operation) || !event.eventTimestamp) continue;
          // One operation logs Started and Succeeded/Failed: keep the outcome, not the start.
          const status = event.status?.value ?? '';
          if (status === 'Started' || status === 'Accepted') continue;
          out.push({
            at: new Date(event.eventTimestamp).toISOString(),
            ...(event.caller ? { actor: event.caller } : {}),
            summary: `${event.operationName?.localizedValue ?? operation}${status ? ` (${status})` : ''} on ${resource.name}`,
            resourceId: resource.id,
            source: 'azure-activity-log',
            citation: `Azure Activity Log ${operation}, correlation ${event.correlationId ?? '?'}, subscription ${resource.accountId}`,
          });
        }
      });
    } catch (error) {
      throw evidenceError(toMetricsError(error, resource.region, resource.accountId), `Azure Activity Log for ${resource.name}`, 'the Monitoring Reader role (Microsoft.Insights/eventtypes/values/read) on the subscription');
    }
    return out;
  }

  private async deployments(credential: TokenCredential, resource: CloudResource, start: Date, deadline: number): Promise<ChangeRecord[]> {
    const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Web\/sites\/([^/]+)$/i.exec(resource.id);
    if (!match) return [];
    const [, group, site] = match as unknown as [string, string, string];
    const client = new WebSiteManagementClient(credential, resource.accountId, { ...(this.options.endpoint ? { endpoint: this.options.endpoint, $host: this.options.endpoint } : {}), retryOptions: azureRetry });
    const found: { at: Date; author?: string; message?: string; id: string; active?: boolean; status?: number }[] = [];
    try {
      await beforeDeadline(deadline, `App Service deployments of ${resource.name}`, async (abortSignal) => {
        for await (const d of client.webApps.listDeployments(group, site, { abortSignal })) {
          if (found.length >= 50) break;
          if (!d.startTime) continue;
          found.push({ at: new Date(d.startTime), id: d.name ?? '', ...(d.author ? { author: d.author } : d.deployer ? { author: d.deployer } : {}), ...(d.message ? { message: d.message } : {}), ...(d.active === undefined ? {} : { active: d.active }), ...(d.status === undefined ? {} : { status: d.status }) });
        }
      });
    } catch (error) {
      throw evidenceError(toMetricsError(error, resource.region, resource.accountId), `App Service deployments of ${resource.name}`, 'the Website Contributor or Reader role (Microsoft.Web/sites/deployments/read) on the site');
    }
    found.sort((a, b) => a.at.getTime() - b.at.getTime());
    return found.flatMap((d, i) => (d.at < start ? [] : [{
      at: d.at.toISOString(),
      ...(d.author ? { actor: d.author } : {}),
      summary: `${resource.name} deployment ${d.id}${d.message ? `: ${d.message.slice(0, 120)}` : ''}${d.active ? ' (active)' : ''}`,
      resourceId: resource.id,
      source: 'app-service-deployment' as const,
      ...(found[i - 1] ? { before: `deployment ${found[i - 1]?.id}` } : {}),
      after: `deployment ${d.id}`,
      citation: `App Service listDeployments ${group}/${site}`,
    }]));
  }
}
