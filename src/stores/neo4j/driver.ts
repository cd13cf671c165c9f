import neo4j, { type Driver, type ManagedTransaction, type Session } from 'neo4j-driver';
import { CompanionError } from '../../errors.ts';
import { serviceMetrics } from '../../observability/metrics.ts';
import { inSpan } from '../../observability/tracing.ts';

export interface Neo4jOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
}

/** The URI without credentials, for messages and status lines. */
export function displayUri(uri: string): string {
  try {
    const url = new URL(uri);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//');
  }
}

export function createDriver(options: Neo4jOptions): Driver {
  try {
    return neo4j.driver(options.uri, neo4j.auth.basic(options.user, options.password), {
      // Plain JavaScript numbers instead of neo4j Integer objects: every count and sequence fits.
      disableLosslessIntegers: true,
      maxConnectionPoolSize: 50,
      connectionAcquisitionTimeout: 30_000,
      maxTransactionRetryTime: 15_000,
      userAgent: 'cloud-companion',
    });
  } catch (error) {
    throw new CompanionError('store_unavailable', `Neo4j URI ${displayUri(options.uri)} is not usable: ${describe(error)}.`, {
      hint: 'Set NEO4J_URI to neo4j://host:7687 or bolt://host:7687.',
      cause: error,
    });
  }
}

/** Fails with one clear message naming the server and what to check. */
export async function verifyConnectivity(driver: Driver, options: Neo4jOptions): Promise<void> {
  try {
    await driver.verifyConnectivity(options.database ? { database: options.database } : {});
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const unauthorized = typeof code === 'string' && code.includes('Security');
    throw new CompanionError('store_unavailable', `Cannot reach Neo4j at ${displayUri(options.uri)}: ${describe(error)}`, {
      hint: unauthorized
        ? 'Check NEO4J_USER and NEO4J_PASSWORD.'
        : 'Check that the server is running and NEO4J_URI is right (for local development: npm run services up), or unset NEO4J_URI to use the embedded stores.',
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One driver shared by every Neo4j-backed store. Each store holds a reference; the driver closes
 * when the last one is released, so `closeStores` can close every store in any order.
 */
export class Neo4jConnection {
  private references = 0;
  private closing: Promise<void> | undefined;

  constructor(readonly driver: Driver, readonly database: string | undefined) {}

  acquire(): () => Promise<void> {
    this.references += 1;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.references -= 1;
      if (this.references <= 0) await this.close();
    };
  }

  async close(): Promise<void> {
    this.closing ??= this.driver.close();
    await this.closing;
  }

  /** A managed read transaction (retried on transient errors). */
  async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return this.transaction('READ', work);
  }

  /** A managed write transaction (retried on transient errors such as deadlocks). */
  async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return this.transaction('WRITE', work);
  }

  /** One managed transaction in its own span; a failure counts as a store error. */
  private async transaction<T>(mode: 'READ' | 'WRITE', work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    return inSpan(mode === 'READ' ? 'neo4j.read' : 'neo4j.write', { 'db.system': 'neo4j' }, async () => {
      const session = this.session(mode);
      try {
        return await (mode === 'READ' ? session.executeRead(work) : session.executeWrite(work));
      } catch (error) {
        serviceMetrics.backendErrors.inc({ backend: 'neo4j' });
        throw error;
      } finally {
        await session.close();
      }
    });
  }

  session(mode: 'READ' | 'WRITE'): Session {
    return this.driver.session({
      defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
      ...(this.database ? { database: this.database } : {}),
    });
  }
}

/** Neo4j needs integer-typed values for LIMIT and SKIP; JavaScript numbers travel as floats. */
export function int(value: number): ReturnType<typeof neo4j.int> {
  return neo4j.int(Math.max(0, Math.trunc(value)));
}

export function isConstraintViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'Neo.ClientError.Schema.ConstraintValidationFailed';
}
