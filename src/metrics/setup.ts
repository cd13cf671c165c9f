import type { Config } from '../config.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import { CachedMetricsSource } from './cache.ts';
import { AwsCredentials, AzureCredentials, type AccountLookup, type AwsCredentialOptions, type AzureCredentialOptions } from './credentials.ts';
import type { CloudMonitoringOptions } from './providers/cloud-monitoring.ts';
import type { RecordedMetricsSource } from './recorded.ts';
import type { MetricsSource } from './source.ts';

export interface MetricsOverrides {
  aws?: AwsCredentialOptions;
  azure?: AzureCredentialOptions;
  gcp?: CloudMonitoringOptions['clientOptions'];
}

/** Accounts as the tenants store has them: the org's own configuration, never the caller's word. */
export function accountsFrom(tenants: TenantDirectory): AccountLookup {
  return async (orgId, accountId) => (await tenants.getOrganization(orgId))?.accounts.find((a) => a.accountId === accountId);
}

/**
 * The metrics sources METRICS_SOURCES turns on, in routing order: recordings first (demo data and
 * replayed incidents win for the resources they cover), then one live provider per cloud, each
 * behind the TTL cache. A provider's SDK loads only when METRICS_SOURCES turns it on.
 */
export async function createMetricsSources(settings: Config['metrics'], recorded: RecordedMetricsSource, accounts: AccountLookup, overrides: MetricsOverrides = {}): Promise<MetricsSource[]> {
  const common = { accounts, timeoutMs: settings.timeoutMs, concurrency: settings.concurrency };
  const cached = (source: MetricsSource): MetricsSource => (settings.cacheTtlMs > 0 ? new CachedMetricsSource(source, { ttlMs: settings.cacheTtlMs }) : source);
  const sources: MetricsSource[] = [];
  if (settings.sources.includes('recorded')) sources.push(recorded);
  if (settings.sources.includes('aws')) {
    const { CloudWatchSource } = await import('./providers/cloudwatch.ts');
    sources.push(cached(new CloudWatchSource({ ...common, credentials: new AwsCredentials(overrides.aws) })));
  }
  if (settings.sources.includes('azure')) {
    const { AzureMonitorSource } = await import('./providers/azure-monitor.ts');
    sources.push(cached(new AzureMonitorSource({ ...common, credentials: new AzureCredentials({ secrets: settings.azureClientSecrets, ...overrides.azure }) })));
  }
  if (settings.sources.includes('gcp')) {
    const { CloudMonitoringSource } = await import('./providers/cloud-monitoring.ts');
    sources.push(cached(new CloudMonitoringSource({ ...common, ...(overrides.gcp ? { clientOptions: overrides.gcp } : {}) })));
  }
  return sources;
}
