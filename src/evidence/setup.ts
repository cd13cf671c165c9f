import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { AwsCredentials, AzureCredentials, type AccountLookup } from '../metrics/credentials.ts';
import type { MetricsOverrides } from '../metrics/setup.ts';
import type { TenantsFile } from '../tenancy/organization.ts';
import type { ChangeRecord, ChangeSource } from './changes/record.ts';
import { RecordedChangeSource } from './changes/recorded.ts';
import { CachedEvidenceSource, type EvidenceSource } from './common.ts';
import type { LogSignature } from './logs/cluster.ts';
import { RecordedLogSource } from './logs/recorded.ts';
import type { LogSource } from './logs/source.ts';

/** What the get_recent_changes and search_logs tools read from, in routing order. */
export interface EvidenceSources {
  changes: readonly ChangeSource[];
  logs: readonly LogSource[];
}

export interface RecordedEvidence {
  changes: RecordedChangeSource;
  logs: RecordedLogSource;
}

/**
 * Recorded changes and logs sit beside an organization's recorded metrics: `demo.json` has
 * `demo.changes.json` and `demo.logs.json`. Either may be absent.
 */
export async function loadRecordedEvidence(file: TenantsFile, tenantsPath: string): Promise<RecordedEvidence> {
  const recorded = { changes: new RecordedChangeSource(), logs: new RecordedLogSource() };
  const base = dirname(tenantsPath);
  for (const org of file.organizations) {
    if (!org.seed?.metrics) continue;
    const metrics = resolve(base, org.seed.metrics);
    const stem = metrics.replace(/\.json$/, '');
    if (await exists(`${stem}.changes.json`)) await recorded.changes.load(org.id, `${stem}.changes.json`);
    if (await exists(`${stem}.logs.json`)) await recorded.logs.load(org.id, `${stem}.logs.json`);
  }
  return recorded;
}

/**
 * The live sources follow METRICS_SOURCES (a cloud whose metrics are read has its changes and logs
 * read too), with the metrics' timeout and cache TTL; recordings first, as for metrics. Each cloud's
 * SDKs load only when that cloud is configured, so the embedded default starts without them.
 */
export async function createEvidenceSources(settings: Config['metrics'], recorded: RecordedEvidence, accounts: AccountLookup, overrides: MetricsOverrides = {}): Promise<EvidenceSources> {
  const timeoutMs = settings.timeoutMs;
  const cached = <T extends ChangeRecord | LogSignature>(source: EvidenceSource<T>): EvidenceSource<T> => (settings.cacheTtlMs > 0 ? new CachedEvidenceSource<T>(source, settings.cacheTtlMs) : source);
  const changes: ChangeSource[] = [];
  const logs: LogSource[] = [];
  if (settings.sources.includes('recorded')) {
    changes.push(recorded.changes);
    logs.push(recorded.logs);
  }
  if (settings.sources.includes('aws')) {
    const [{ AwsChangeSource }, { CloudWatchLogsSource }] = await Promise.all([import('./changes/aws.ts'), import('./logs/cloudwatch-logs.ts')]);
    const credentials = new AwsCredentials(overrides.aws);
    changes.push(cached(new AwsChangeSource({ accounts, credentials, timeoutMs })));
    logs.push(cached(new CloudWatchLogsSource({ accounts, credentials, timeoutMs })));
  }
  if (settings.sources.includes('azure')) {
    const [{ AzureChangeSource }, { AzureLogsSource }] = await Promise.all([import('./changes/azure.ts'), import('./logs/azure-logs.ts')]);
    const credentials = new AzureCredentials({ secrets: settings.azureClientSecrets, ...overrides.azure });
    changes.push(cached(new AzureChangeSource({ accounts, credentials, timeoutMs })));
    logs.push(cached(new AzureLogsSource({ accounts, credentials, timeoutMs })));
  }
  if (settings.sources.includes('gcp')) {
    const [{ GcpChangeSource }, { CloudLoggingSource }] = await Promise.all([import('./changes/gcp.ts'), import('./logs/cloud-logging.ts')]);
    const gcp = { accounts, timeoutMs, ...(overrides.gcp ? { clientOptions: overrides.gcp as Record<string, unknown> } : {}) };
    changes.push(cached(new GcpChangeSource(gcp)));
    logs.push(cached(new CloudLoggingSource(gcp)));
  }
  return { changes, logs };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
