import type { Role } from '../request.ts';

/**
 * One API key as stored: never the key itself, only its slow hash (see src/api/key-hash.ts). The
 * key id is the public part of the key (`cc_<keyId>_<secret>`) and finds the record.
 */
export interface ApiKeyRecord {
  keyId: string;
  orgId: string;
  /** A label for people: what the key is for ("CI runbooks", "n8n"). */
  name: string;
  role: Role;
  /** `scrypt$N$r$p$salt$hash` (base64url): parameters travel with the hash so they can change. */
  hash: string;
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  lastUsedAt?: string;
}

/** What listing shows: everything but the hash. */
export type ApiKeySummary = Omit<ApiKeyRecord, 'hash'>;

export type RevokeResult =
  | { ok: true; key: ApiKeySummary }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'already_revoked'; key: ApiKeySummary };

/**
 * API keys per organization. `find` is the one lookup without an organization id: a request names
 * only its key, and the key's record says which organization it belongs to.
 */
export interface ApiKeyStore {
  /** Throws a `conflict` CompanionError if the key id exists (in any organization). */
  create(record: ApiKeyRecord): Promise<void>;
  find(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  list(orgId: string): Promise<ApiKeySummary[]>;
  revoke(orgId: string, keyId: string, at: string, by: string): Promise<RevokeResult>;
  /** Records a use; `lastUsedAt` only moves forward (replicas may report out of order). */
  touch(orgId: string, keyId: string, at: string): Promise<void>;
  close(): Promise<void>;
}

export function summarize(record: ApiKeyRecord): ApiKeySummary {
  const { hash: _hash, ...summary } = record;
  return summary;
}
