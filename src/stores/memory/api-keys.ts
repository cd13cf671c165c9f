import { CompanionError } from '../../errors.ts';
import { summarize, type ApiKeyRecord, type ApiKeyStore, type ApiKeySummary, type RevokeResult } from '../api-keys.ts';

export class MemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, ApiKeyRecord>();

  async create(record: ApiKeyRecord): Promise<void> {
    if (this.keys.has(record.keyId)) throw new CompanionError('conflict', `API key ${record.keyId} already exists.`);
    this.keys.set(record.keyId, { ...record });
  }

  async find(keyId: string): Promise<ApiKeyRecord | undefined> {
    const record = this.keys.get(keyId);
    return record && { ...record };
  }

  async list(orgId: string): Promise<ApiKeySummary[]> {
    return [...this.keys.values()]
      .filter((k) => k.orgId === orgId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.keyId.localeCompare(b.keyId))
      .map(summarize);
  }

  // Check and set in one synchronous step: concurrent revokes see one winner.
  async revoke(orgId: string, keyId: string, at: string, by: string): Promise<RevokeResult> {
    const record = this.keys.get(keyId);
    if (!record || record.orgId !== orgId) return { ok: false, reason: 'not_found' };
    if (record.revokedAt) return { ok: false, reason: 'already_revoked', key: summarize(record) };
    record.revokedAt = at;
    record.revokedBy = by;
    return { ok: true, key: summarize(record) };
  }

  async touch(orgId: string, keyId: string, at: string): Promise<void> {
    const record = this.keys.get(keyId);
    if (record && record.orgId === orgId && (!record.lastUsedAt || record.lastUsedAt < at)) record.lastUsedAt = at;
  }

  async close(): Promise<void> {}
}
