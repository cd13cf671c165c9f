import { CompanionError } from '../../errors.ts';
import { Role } from '../../request.ts';
import { summarize, type ApiKeyRecord, type ApiKeyStore, type ApiKeySummary, type RevokeResult } from '../api-keys.ts';
import { isConstraintViolation, type Neo4jConnection } from './driver.ts';

interface KeyRow {
  keyId: string;
  orgId: string;
  name: string;
  role: string;
  hash: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

const projection = 'k { .keyId, .orgId, .name, .role, .hash, .createdAt, .createdBy, .expiresAt, .revokedAt, .revokedBy, .lastUsedAt } AS k';

/**
 * API keys in Neo4j, under (:Organization)-[:HAS_API_KEY]->(:ApiKey). The key id is unique across
 * organizations (a constraint), because a request is looked up by key id alone.
 */
export class Neo4jApiKeyStore implements ApiKeyStore {
  private readonly release: () => Promise<void>;

  constructor(private readonly db: Neo4jConnection) {
    this.release = db.acquire();
  }

  async create(record: ApiKeyRecord): Promise<void> {
    try {
      await this.db.write(async (tx) => {
        await tx.run(`
          MERGE (o:Organization {id: $orgId})
          CREATE (o)-[:HAS_API_KEY]->(:ApiKey {
            keyId: $keyId, orgId: $orgId, name: $name, role: $role, hash: $hash, createdAt: $createdAt,
            createdBy: $createdBy, expiresAt: $expiresAt, revokedAt: $revokedAt, revokedBy: $revokedBy, lastUsedAt: $lastUsedAt
          })`, {
          keyId: record.keyId,
          orgId: record.orgId,
          name: record.name,
          role: record.role,
          hash: record.hash,
          createdAt: record.createdAt,
          createdBy: record.createdBy,
          expiresAt: record.expiresAt ?? null,
          revokedAt: record.revokedAt ?? null,
          revokedBy: record.revokedBy ?? null,
          lastUsedAt: record.lastUsedAt ?? null,
        });
      });
    } catch (error) {
      if (isConstraintViolation(error)) throw new CompanionError('conflict', `API key ${record.keyId} already exists.`, { cause: error });
      throw error;
    }
  }

  async find(keyId: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.read(async (tx) => {
      const result = await tx.run<{ k: KeyRow }>(`MATCH (k:ApiKey {keyId: $keyId}) RETURN ${projection}`, { keyId });
      return result.records[0]?.get('k');
    });
    return row && toRecord(row);
  }

  async list(orgId: string): Promise<ApiKeySummary[]> {
    const rows = await this.db.read(async (tx) => {
      const result = await tx.run<{ k: KeyRow }>(`
        MATCH (k:ApiKey {orgId: $orgId})
        RETURN ${projection} ORDER BY k.createdAt DESC, k.keyId ASC`, { orgId });
      return result.records.map((record) => record.get('k'));
    });
    return rows.map((row) => summarize(toRecord(row)));
  }

  /**
   * A write to the node first (Neo4j holds its exclusive lock until commit), then the conditional
   * update in a second statement, which reads the committed state: of concurrent revokes, one wins.
   */
  async revoke(orgId: string, keyId: string, at: string, by: string): Promise<RevokeResult> {
    return this.db.write(async (tx) => {
      const locked = await tx.run('MATCH (k:ApiKey {keyId: $keyId, orgId: $orgId}) SET k.lockedBy = $lock RETURN count(k) AS n', { keyId, orgId, lock: `${Date.now()}-${Math.random()}` });
      if ((locked.records[0]?.get('n') ?? 0) === 0) return { ok: false, reason: 'not_found' } as const;
      const result = await tx.run<{ k: KeyRow; wasRevoked: boolean }>(`
        MATCH (k:ApiKey {keyId: $keyId, orgId: $orgId})
        WITH k, k.revokedAt IS NOT NULL AS wasRevoked
        FOREACH (_ IN CASE WHEN wasRevoked THEN [] ELSE [1] END | SET k.revokedAt = $at, k.revokedBy = $by)
        RETURN ${projection}, wasRevoked`, { keyId, orgId, at, by });
      const record = result.records[0];
      if (!record) return { ok: false, reason: 'not_found' } as const;
      const key = summarize(toRecord(record.get('k')));
      return record.get('wasRevoked') ? { ok: false, reason: 'already_revoked', key } as const : { ok: true, key } as const;
    });
  }

  /** Lock first, compare after (a second statement reads the committed value): concurrent uses never move it back. */
  async touch(orgId: string, keyId: string, at: string): Promise<void> {
    await this.db.write(async (tx) => {
      const locked = await tx.run('MATCH (k:ApiKey {keyId: $keyId, orgId: $orgId}) SET k.lockedBy = $lock RETURN count(k) AS n', { keyId, orgId, lock: `${Date.now()}-${Math.random()}` });
      if ((locked.records[0]?.get('n') ?? 0) === 0) return;
      await tx.run(`
        MATCH (k:ApiKey {keyId: $keyId, orgId: $orgId})
        WHERE k.lastUsedAt IS NULL OR k.lastUsedAt < $at
        SET k.lastUsedAt = $at`, { keyId, orgId, at });
    });
  }

  async close(): Promise<void> {
    await this.release();
  }
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    keyId: row.keyId,
    orgId: row.orgId,
    name: row.name,
    role: Role.parse(row.role),
    hash: row.hash,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
    ...(row.revokedAt ? { revokedAt: row.revokedAt } : {}),
    ...(row.revokedBy ? { revokedBy: row.revokedBy } : {}),
    ...(row.lastUsedAt ? { lastUsedAt: row.lastUsedAt } : {}),
  };
}
