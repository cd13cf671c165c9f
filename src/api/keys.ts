import { createHash, timingSafeEqual } from 'node:crypto';
import { CompanionError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { Role } from '../request.ts';
import type { ApiKeyStore, ApiKeySummary, RevokeResult } from '../stores/api-keys.ts';
import { summarize } from '../stores/api-keys.ts';
import type { AuditLog } from '../stores/audit.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import { hashSecret, keyIdOf, newKey, parseKey, verifySecret } from './key-hash.ts';
import { defaultLoginFailureLimits, LoginFailureLimiter, RejectionAudit, type LoginFailureLimits } from './login-guard.ts';

/** Who an API request acts as: one key of one organization, with the key's role. */
export interface ApiPrincipal {
  keyId: string;
  orgId: string;
  role: Role;
  name: string;
}

export type AuthFailureReason = 'missing' | 'malformed' | 'invalid' | 'revoked' | 'expired' | 'rate_limited';

export type Authentication =
  | { ok: true; principal: ApiPrincipal }
  | { ok: false; reason: AuthFailureReason; message: string; retryAfterSeconds?: number };

export interface CreateKeyInput {
  orgId: string;
  role: Role;
  name: string;
  createdBy: string;
  expiresAt?: Date;
}

interface Deps {
  store: ApiKeyStore;
  audit: AuditLog;
  tenants: TenantDirectory;
  logger: Logger;
  now?: () => Date;
  /** Failed logins allowed per source address and per key id (default: 10 and 30 a minute). */
  loginFailures?: LoginFailureLimits;
}

const createHint = (orgId = '<org-id>'): string => `An admin can create one with \`cloud-companion keys create --org ${orgId}\`.`;
const cacheLimit = 10_000;

/** A hash of the same cost as every stored one, verified against when the key id does not exist (made once per process). */
let sharedDummyHash: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  sharedDummyHash ??= hashSecret(newKey().secret);
  return sharedDummyHash;
}

/**
 * API keys: created, listed and revoked per organization (the CLI), and checked on every API
 * request. Only the slow hash is stored. A key verified once is remembered in process memory as a
 * fast digest of its secret next to the stored hash it matched, so a busy key costs one scrypt per
 * replica rather than one per request; the stored record is still read on every request, so a
 * revocation or expiry applies at once.
 */
export class ApiKeyService {
  private readonly now: () => Date;
  private readonly verified = new Map<string, { hash: string; digest: Buffer }>();
  private readonly failures: LoginFailureLimiter;
  private readonly rejections: RejectionAudit;

  constructor(private readonly deps: Deps) {
    this.now = deps.now ?? (() => new Date());
    this.failures = new LoginFailureLimiter(deps.loginFailures ?? defaultLoginFailureLimits, () => this.now().getTime());
    this.rejections = new RejectionAudit(deps.audit, deps.logger, this.now);
    // Made ahead, so even the first unknown key id costs what a wrong secret costs.
    dummyHash().catch(() => undefined);
  }

  /** Returns the key itself, which is shown once and never stored. */
  async create(input: CreateKeyInput): Promise<{ key: string; summary: ApiKeySummary }> {
    if (!(await this.deps.tenants.getOrganization(input.orgId))) {
      const known = (await this.deps.tenants.listOrganizations()).map((o) => o.id).join(', ');
      throw new CompanionError('tenant_unknown', `There is no organization "${input.orgId}".`, { hint: `Known organizations: ${known || 'none'}.` });
    }
    const now = this.now();
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw new CompanionError('input_invalid', `The expiry ${input.expiresAt.toISOString()} is in the past.`, { hint: 'Give a future date, or a duration such as 90d.' });
    }
    const { key, keyId, secret } = newKey();
    const record = {
      keyId,
      orgId: input.orgId,
      name: input.name,
      role: input.role,
      hash: await hashSecret(secret),
      createdAt: now.toISOString(),
      createdBy: input.createdBy,
      ...(input.expiresAt ? { expiresAt: input.expiresAt.toISOString() } : {}),
    };
    await this.deps.store.create(record);
    await this.audit(input.orgId, input.createdBy, 'api_key.created', keyId, { name: input.name, role: input.role, expiresAt: record.expiresAt ?? null });
    return { key, summary: summarize(record) };
  }

  list(orgId: string): Promise<ApiKeySummary[]> {
    return this.deps.store.list(orgId);
  }

  async revoke(orgId: string, keyId: string, by: string): Promise<RevokeResult> {
    const result = await this.deps.store.revoke(orgId, keyId, this.now().toISOString(), by);
    if (result.ok) await this.audit(orgId, by, 'api_key.revoked', keyId, { name: result.key.name });
    return result;
  }

  /**
   * Checks an `X-API-Key` value from `source` (the client address). The secret is verified before
   * revocation or expiry is revealed, and an unknown key id costs and reads exactly like a wrong
   * secret (it is checked against a dummy hash of the same cost). After too many failures from the
   * source or for the key id, logins are refused before the store is read or any hash runs, except
   * a key this replica already verified (a cheap digest comparison), so a flood on a key id does not
   * lock out its holder here. Rejections of a known key are audited, aggregated per minute.
   */
  async authenticate(header: string | undefined, source = 'unknown'): Promise<Authentication> {
    if (header === undefined || header.trim() === '') {
      return { ok: false, reason: 'missing', message: `This endpoint needs an API key in the X-API-Key header. ${createHint()}` };
    }
    const parsed = parseKey(header);
    if (!parsed) {
      const keyId = keyIdOf(header);
      return {
        ok: false,
        reason: 'malformed',
        message: `The X-API-Key header does not hold a whole Cloud Companion API key${keyId ? ` (it starts like key ${keyId} but is cut or altered)` : ''}: keys look like cc_<16 hex characters>_<43 characters>. Copy it again without quotes or spaces.`,
      };
    }
    const invalid: Authentication = {
      ok: false,
      reason: 'invalid',
      message: `API key ${parsed.keyId} is not valid: check that it was copied whole. If it is lost, revoke it and create a new one. ${createHint()}`,
    };
    const digest = createHash('sha256').update(parsed.secret).digest();
    const known = this.verified.get(parsed.keyId);
    const remembered = known !== undefined && timingSafeEqual(known.digest, digest);
    if (!remembered) {
      const retryAfterSeconds = this.failures.reserve(source, parsed.keyId);
      if (retryAfterSeconds !== undefined) {
        void this.rejections.record(undefined, parsed.keyId, 'rate_limited');
        return { ok: false, reason: 'rate_limited', retryAfterSeconds, message: `Too many failed API key logins from this address or for key ${parsed.keyId}; retry after ${retryAfterSeconds} s with a valid key.` };
      }
    }
    let record: Awaited<ReturnType<ApiKeyStore['find']>>;
    try {
      record = await this.deps.store.find(parsed.keyId);
    } catch (error) {
      // A store that is down is not the client's failure: give the reservation back.
      if (!remembered) this.failures.succeeded(source, parsed.keyId);
      throw error;
    }
    if (!record) {
      await verifySecret(parsed.secret, await this.dummy());
      await this.rejections.record(undefined, parsed.keyId, 'unknown_key');
      return invalid;
    }
    if (!(remembered && known.hash === record.hash) && !(await this.matches(record.keyId, record.hash, parsed.secret, digest))) {
      await this.rejections.record(record.orgId, record.keyId, 'wrong_secret');
      return invalid;
    }
    // The secret is right: whatever this login reserved from the failure budgets goes back.
    if (!remembered) this.failures.succeeded(source, record.keyId);
    const now = this.now();
    if (record.revokedAt) {
      await this.rejections.record(record.orgId, record.keyId, 'revoked');
      return { ok: false, reason: 'revoked', message: `API key ${record.keyId} ("${record.name}") was revoked at ${record.revokedAt}. ${createHint(record.orgId)}` };
    }
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime()) {
      await this.rejections.record(record.orgId, record.keyId, 'expired');
      return { ok: false, reason: 'expired', message: `API key ${record.keyId} ("${record.name}") expired at ${record.expiresAt}. ${createHint(record.orgId)}` };
    }
    await this.deps.store.touch(record.orgId, record.keyId, now.toISOString());
    return { ok: true, principal: { keyId: record.keyId, orgId: record.orgId, role: record.role, name: record.name } };
  }

  private dummy(): Promise<string> {
    return dummyHash();
  }

  private async matches(keyId: string, hash: string, secret: string, digest: Buffer): Promise<boolean> {
    if (!(await verifySecret(secret, hash))) return false;
    this.verified.delete(keyId);
    this.verified.set(keyId, { hash, digest });
    if (this.verified.size > cacheLimit) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    return true;
  }

  private async audit(orgId: string, actor: string, type: string, subjectId: string, detail: Record<string, string | number | boolean | null>): Promise<void> {
    await this.deps.audit.append({ orgId, at: this.now().toISOString(), actor, type, subjectId, detail });
  }

}

/** `90d`, `12h`, `2026-01-31` or a full ISO timestamp, for `keys create --expires`. */
export function parseExpiry(text: string, now: Date): Date {
  const duration = /^(\d+)\s*(h|d|w)$/i.exec(text.trim());
  if (duration) {
    const hours = Number(duration[1]) * ({ h: 1, d: 24, w: 168 }[(duration[2] ?? 'd').toLowerCase() as 'h' | 'd' | 'w']);
    return new Date(now.getTime() + hours * 3_600_000);
  }
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? new Date(`${text.trim()}T00:00:00.000Z`) : new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new CompanionError('input_invalid', `"${text}" is not an expiry.`, { hint: 'Use a duration such as 12h, 90d or 4w, or a date such as 2026-12-31.' });
  }
  return date;
}
