import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import { AwsCredentials, AzureCredentials } from '../metrics/credentials.ts';
import type { MetricsSource } from '../metrics/source.ts';
import type { Stores } from '../stores/index.ts';
import { DryRunExecutor, type ActionExecutor } from './executor.ts';
import type { ExecutorCredentials } from './executors/index.ts';
import { metricWatch } from './metric-watch.ts';
import { TenantPolicySource } from './policy.ts';
import type { RoleResolver } from '../tenancy/groups.ts';
import { ApprovalService, type ExecutionTiming } from './service.ts';
import type { Scheduler } from './verification.ts';

export interface ApprovalOverrides {
  executor?: ActionExecutor;
  credentials?: ExecutorCredentials;
  scheduler?: Scheduler;
  execution?: Partial<ExecutionTiming>;
  now?: () => Date;
}

/**
 * The executor ACTION_EXECUTOR names: `dry-run` (the default; states what would run, changes
 * nothing) or `live` (the providers' SDKs, with the same per-account credentials as the metrics).
 */
export function createExecutor(config: Config, overrides: ApprovalOverrides = {}): ActionExecutor {
  if (overrides.executor) return overrides.executor;
  if (config.actions.executor === 'dry-run') return new DryRunExecutor();
  const credentials = overrides.credentials ?? defaultCredentials(config);
  return lazyExecutor('live', async () => new (await import('./executors/index.ts')).LiveExecutor({ credentials }));
}

/** An executor whose module (and the cloud SDKs it imports) loads on its first use, not at start-up. */
function lazyExecutor(name: string, load: () => Promise<ActionExecutor>): ActionExecutor {
  let loaded: Promise<ActionExecutor> | undefined;
  const inner = (): Promise<ActionExecutor> => (loaded ??= load());
  return {
    name,
    dryRun: async (action, target) => (await inner()).dryRun(action, target),
    execute: async (approval, target) => (await inner()).execute(approval, target),
    verify: async (approval, target) => (await inner()).verify(approval, target),
  };
}

/**
 * Credentials per account, none stored, as the metrics providers get them: AWS by assuming the
 * account's role with its external id, Azure by the subscription's credential (its client secret
 * from the AZURE_CLIENT_SECRET_* variable tenants.yaml names), GCP by application default credentials.
 */
export function defaultCredentials(config: Config): ExecutorCredentials {
  const aws = new AwsCredentials();
  const azure = new AzureCredentials({ secrets: config.metrics.azureClientSecrets });
  return {
    aws: (orgId, account, region) => aws.forAccount(orgId, account, region),
    azure: (_orgId, account) => azure.forAccount(account),
    gcp: () => undefined,
  };
}

export function createApprovalService(config: Config, stores: Stores, metrics: readonly MetricsSource[], logger: Logger, overrides: ApprovalOverrides = {}, roles?: RoleResolver): ApprovalService {
  return new ApprovalService({
    store: stores.approvals,
    audit: stores.audit,
    executor: createExecutor(config, overrides),
    policy: new TenantPolicySource(stores.tenants, stores.apiKeys, overrides.now, roles),
    ttlMinutes: config.approvalTtlMinutes,
    logger,
    verification: {
      afterMinutes: config.actions.verifyAfterMinutes,
      metrics: metricWatch(stores.graph, metrics),
      ...(overrides.scheduler ? { scheduler: overrides.scheduler } : {}),
    },
    ...(overrides.execution ? { execution: overrides.execution } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
}
