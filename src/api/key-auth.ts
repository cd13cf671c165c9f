import type { Request, Response } from 'express';
import type { BackgroundWork } from '../background.ts';
import type { Logger } from '../logging.ts';
import type { Stores } from '../stores/index.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import type { Organization } from '../tenancy/organization.ts';
import { ApiKeyService, type Authentication } from './keys.ts';
import type { LoginFailureLimits } from './login-guard.ts';

export interface ApiKeyAuthOptions {
  stores: Pick<Stores, 'apiKeys' | 'audit' | 'tenants'>;
  /** Failed logins allowed a minute per source address and per key id (API_LOGIN_FAILURES_PER_SOURCE, API_LOGIN_FAILURES_PER_KEY). */
  loginFailures?: LoginFailureLimits;
  background: BackgroundWork;
  logger: Logger;
  now?: () => Date;
}

/**
 * API-key authentication for any HTTP surface (the /v1 API, alert webhooks): checks `X-API-Key`
 * and, for a key that passes, writes one `api.request` audit event when the response is done, with
 * its status, without delaying it.
 */
export class ApiKeyAuth {
  readonly keys: ApiKeyService;
  private readonly now: () => Date;

  constructor(private readonly options: ApiKeyAuthOptions) {
    this.now = options.now ?? (() => new Date());
    this.keys = new ApiKeyService({ store: options.stores.apiKeys, audit: options.stores.audit, tenants: options.stores.tenants, logger: options.logger, now: this.now, ...(options.loginFailures ? { loginFailures: options.loginFailures } : {}) });
  }

  /** Whether the request carries a key at all (other surfaces accept other credentials too). */
  static present(req: Request): boolean {
    return req.get('x-api-key') !== undefined;
  }

  async authenticate(req: Request, res: Response): Promise<Authentication> {
    const auth = await this.keys.authenticate(req.get('x-api-key'), req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (!auth.ok) {
      this.options.logger.debug({ reason: auth.reason, path: req.path }, 'API key refused');
      return auth;
    }
    const { principal } = auth;
    res.once('close', () => {
      const path = req.originalUrl.split('?')[0]?.slice(0, 500) ?? '';
      this.options.background.run('api.audit', () => this.options.stores.audit.append({
        orgId: principal.orgId, at: this.now().toISOString(), actor: `apikey:${principal.keyId}`, type: 'api.request', subjectId: principal.keyId,
        detail: { method: req.method, path, status: res.statusCode, completed: res.writableFinished },
      }));
    });
    return auth;
  }
}

/** The organization an API key request acts for, or why not: for surfaces that need the organization itself. */
export async function organizationOfKey(auth: ApiKeyAuth, tenants: TenantDirectory, req: Request, res: Response): Promise<{ ok: true; org: Organization } | { ok: false; reason: string; message: string; retryAfterSeconds?: number }> {
  const result = await auth.authenticate(req, res);
  if (!result.ok) return { ok: false, reason: `API key ${result.reason}`, message: result.message, ...(result.retryAfterSeconds ? { retryAfterSeconds: result.retryAfterSeconds } : {}) };
  const org = await tenants.getOrganization(result.principal.orgId);
  return org
    ? { ok: true, org }
    : { ok: false, reason: 'API key of an organization that is gone', message: `The organization "${result.principal.orgId}" of this API key is not configured any more; ask an admin to check tenants.yaml.` };
}
