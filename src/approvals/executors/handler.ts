import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import type { TokenCredential } from '@azure/identity';
import type { Check, ActionTarget } from '../executor.ts';
import type { JsonValue, RollbackPlan } from '../types.ts';
import type { CloudAccountConfig } from '../../tenancy/organization.ts';

/** What every AWS client accepts as `credentials`: a provider function (called per request; it caches on its own). */
export type AwsCredentialProvider = Exclude<EC2ClientConfig['credentials'], undefined>;

/** What the Google clients accept as `authClient` (a google-auth-library client); undefined = application default credentials. */
export interface GcpAuthClient {
  getRequestHeaders(url?: string): Promise<unknown>;
}

/**
 * Per-account credentials, the same the metrics sources use (src/metrics/credentials.ts is wired in
 * at the composition root): AWS by assuming the account's role with the tenant's external id, Azure
 * by the account's credential, GCP by application default credentials. Nothing is stored.
 */
export interface ExecutorCredentials {
  /** undefined: the AWS SDK's default chain. */
  aws(orgId: string, account: CloudAccountConfig, region: string): AwsCredentialProvider | undefined;
  azure(orgId: string, account: CloudAccountConfig): TokenCredential;
  /** undefined: application default credentials. */
  gcp(orgId: string, account: CloudAccountConfig): GcpAuthClient | undefined;
}

export interface ExecutorOptions {
  credentials: ExecutorCredentials;
  /** Azure long-running operations: poll interval (the SDK honours Retry-After when the service sends it). */
  azurePollIntervalMs?: number;
  /** GCP operations: how many `wait` calls (each up to two minutes on Google's side) before giving up. */
  gcpMaxWaits?: number;
}

export interface HandlerInput {
  target: ActionTarget;
  /** Validated against the kind's schema just before the call. */
  params: Record<string, unknown>;
  options: ExecutorOptions;
  /** The approval id on executions: sent as the provider's idempotency key where it has one (GCP `requestId`). */
  requestId?: string;
}

export interface HandlerOutcome {
  message: string;
  priorState?: Record<string, JsonValue>;
  rollback?: RollbackPlan;
}

/**
 * How one action kind is checked, run and read back. Each method throws ProviderRefusal when the
 * provider (or a pre-check of the target's state) says no.
 */
export interface KindHandler {
  /** The provider permission the call needs, named in hints when it is refused. */
  permission: string;
  dryRun(input: HandlerInput): Promise<string>;
  execute(input: HandlerInput): Promise<HandlerOutcome>;
  verify(input: HandlerInput): Promise<Check>;
}
