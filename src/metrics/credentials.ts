import type { TokenCredential } from '@azure/identity';
import { awsRequestHandler } from '../outbound.ts';
import type { CloudAccountConfig } from '../tenancy/organization.ts';
import { isUnknownHost, MetricsError } from './failure.ts';

/**
 * Credentials per cloud account, none stored: AWS by assuming the account's role with the tenant's
 * external id (the default credential chain otherwise), Azure by DefaultAzureCredential or the
 * account's own client credential whose secret is read from the environment, GCP by application
 * default credentials (see providers/cloud-monitoring.ts).
 */

export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The AWS SDK's credential provider shape: called for every signed request, caches on its own. */
export type AwsCredentialProvider = () => Promise<AwsCredentialIdentity>;

/** The account's configuration, looked up per organization (tenants.yaml / the tenants store). */
export type AccountLookup = (orgId: string, accountId: string) => Promise<CloudAccountConfig | undefined>;

export interface AwsCredentialOptions {
  /** What the bot itself runs as; default: the SDK's chain (environment, profile, SSO, container, instance role). */
  base?: AwsCredentialProvider;
  /** Assumed-role sessions last this long; they are renewed five minutes before they end. */
  durationSeconds?: number;
}

const renewBeforeMs = 5 * 60_000;

export class AwsCredentials {
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(private readonly options: AwsCredentialOptions = {}) {}

  /** Credentials for one account: the assumed role when the account names one, the base otherwise (undefined = SDK chain). */
  forAccount(orgId: string, account: CloudAccountConfig, region: string): AwsCredentialProvider | undefined {
    if (!account.roleArn) return this.options.base;
    const roleArn = account.roleArn;
    const key = JSON.stringify([orgId, roleArn, account.externalId ?? '']);
    return async () => {
      const cached = this.sessions.get(key);
      if (cached) {
        const identity = await cached.catch(() => undefined);
        if (identity && (!identity.expiration || identity.expiration.getTime() - Date.now() > renewBeforeMs)) return identity;
        if (this.sessions.get(key) === cached) this.sessions.delete(key);
      }
      const pending = this.assume(orgId, roleArn, account.externalId, region);
      this.sessions.set(key, pending);
      pending.catch(() => { if (this.sessions.get(key) === pending) this.sessions.delete(key); });
      return pending;
    };
  }

  private async assume(orgId: string, roleArn: string, externalId: string | undefined, region: string): Promise<AwsCredentialIdentity> {
    // The SDKs load on the first credential asked for, not when the bot starts.
    const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({ region, maxAttempts: 2, requestHandler: awsRequestHandler(), ...(this.options.base ? { credentials: this.options.base } : {}) });
    try {
      const out = await sts.send(new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `cloud-companion-${orgId}`.slice(0, 64),
        DurationSeconds: this.options.durationSeconds ?? 900,
        ...(externalId ? { ExternalId: externalId } : {}),
      }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new MetricsError('credentials', `STS returned no credentials for ${roleArn}.`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
    } catch (error) {
      throw assumeRoleError(error, roleArn);
    } finally {
      sts.destroy();
    }
  }
}

function assumeRoleError(error: unknown, roleArn: string): MetricsError {
  if (error instanceof MetricsError) return error;
  const name = (error as { name?: string }).name ?? '';
  const message = (error as Error).message ?? String(error);
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new MetricsError('access_denied', `Cannot assume ${roleArn}: ${message} Check that the role trusts this bot's principal and requires the organization's external id.`, { cause: error });
  }
  if (/Throttl/.test(name)) return new MetricsError('throttled', `STS throttled assuming ${roleArn}.`, { retryable: true, cause: error });
  if (isUnknownHost(error)) return new MetricsError('not_found', `The STS endpoint for this region does not exist: ${message}`, { cause: error });
  return new MetricsError('credentials', `Cannot assume ${roleArn}: ${message} The bot's own AWS credentials are missing, expired or not allowed to call sts:AssumeRole.`, { cause: error });
}

export interface AzureCredentialOptions {
  /** Values of AZURE_CLIENT_SECRET_* variables, by name (read by the config module). */
  secrets?: Readonly<Record<string, string>>;
  /** One credential for every subscription (tests, or a host with one managed identity). */
  credential?: TokenCredential;
}

export class AzureCredentials {
  private readonly byKey = new Map<string, TokenCredential>();

  constructor(private readonly options: AzureCredentialOptions = {}) {}

  /** The credential for a subscription; throws a MetricsError when its client secret is not set. */
  forAccount(account: CloudAccountConfig): TokenCredential {
    if (this.options.credential) return this.options.credential;
    if (account.clientId && account.clientSecretEnv && account.tenantId) {
      const secret = this.options.secrets?.[account.clientSecretEnv];
      if (!secret) {
        throw new MetricsError('credentials', `Azure subscription ${account.accountId} uses app ${account.clientId}, but ${account.clientSecretEnv} is not set. Set it in the bot's environment.`);
      }
      return this.memo(`client:${account.tenantId}:${account.clientId}`, () => lazyCredential(async () => new (await import('@azure/identity')).ClientSecretCredential(account.tenantId as string, account.clientId as string, secret)));
    }
    const tenantId = account.tenantId;
    return this.memo(`default:${tenantId ?? ''}`, () => lazyCredential(async () => new (await import('@azure/identity')).DefaultAzureCredential(tenantId ? { tenantId } : {})));
  }

  private memo(key: string, make: () => TokenCredential): TokenCredential {
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const made = make();
    this.byKey.set(key, made);
    return made;
  }
}

/** A TokenCredential whose real one (and @azure/identity) is made on the first token asked for. */
function lazyCredential(make: () => Promise<TokenCredential>): TokenCredential {
  let made: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      made ??= make();
      return (await made).getToken(scopes, options);
    },
  };
}
