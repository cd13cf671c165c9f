import neo4j, { type Driver, type ManagedTransaction, type Session } from 'neo4j-driver';
import { CompanionError } from '../../errors.ts';
import { serviceMetrics } from '../../observability/metrics.ts';
import { inSpan } from '../../observability/tracing.ts';

export interface Neo4jOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
  /** Bounds of one transaction (NEO4J_TRANSACTION_TIMEOUT_SECONDS) and of one bulk ingest chunk. */
  timeouts?: Neo4jTimeouts;
}

export interface Neo4jTimeouts {
  /** One interactive transaction, its retries included; also bounds connecting and waiting for a pooled connection. */
  transactionMs: number;
  /** One chunk of a crawl or seed ingest, which may write thousands of nodes. */
  bulkMs: number;
}

export const defaultNeo4jTimeouts: Neo4jTimeouts = { transactionMs: 5_000, bulkMs: 120_000 };

/** A server that has not answered within a transaction's time: the caller answers 503, nothing waits longer. */
const clientGraceMs = 1_000;

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
  const { transactionMs } = options.timeouts ?? defaultNeo4jTimeouts;
  try {
    return neo4j.driver(options.uri, neo4j.auth.basic(options.user, options.password), {
      // Plain JavaScript numbers instead of neo4j Integer objects: every count and sequence fits.
      disableLosslessIntegers: true,
      maxConnectionPoolSize: 50,
      // Each wait is bounded by the transaction timeout, so a request never waits on Neo4j for longer than that.
      connectionTimeout: transactionMs,
      connectionAcquisitionTimeout: transactionMs,
      maxTransactionRetryTime: transactionMs,
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

  constructor(readonly driver: Driver, readonly database: string | undefined, readonly timeouts: Neo4jTimeouts = defaultNeo4jTimeouts) {}

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

  /** A managed read transaction (retried on transient errors); `bulk` for ingest chunks. */
  async read<T>(work: (tx: ManagedTransaction) => Promise<T>, options: { bulk?: boolean } = {}): Promise<T> {
    return this.transaction('READ', work, options.bulk ? this.timeouts.bulkMs : this.timeouts.transactionMs);
  }

  /** A managed write transaction (retried on transient errors such as deadlocks); `bulk` for ingest chunks. */
  async write<T>(work: (tx: ManagedTransaction) => Promise<T>, options: { bulk?: boolean } = {}): Promise<T> {
    return this.transaction('WRITE', work, options.bulk ? this.timeouts.bulkMs : this.timeouts.transactionMs);
  }

  /** Reads and writes bounded by the bulk timeout, for the chunks of one ingest. */
  bulk(): { read: Neo4jConnection['read']; write: Neo4jConnection['write'] } {
    return { read: (work) => this.read(work, { bulk: true }), write: (work) => this.write(work, { bulk: true }) };
  }

  /**
   * One managed transaction in its own span; a failure counts as a store error. Bounded twice: the
   * server aborts it after `timeoutMs` (the transaction's `timeout`), and the caller stops waiting
   * shortly after, so a server that stopped answering (a frozen network) costs one timeout, not the
   * whole freeze. A write cut off that way may still have committed: callers treat it as unknown.
   */
  private async transaction<T>(mode: 'READ' | 'WRITE', work: (tx: ManagedTransaction) => Promise<T>, timeoutMs: number): Promise<T> {
    return inSpan(mode === 'READ' ? 'neo4j.read' : 'neo4j.write', { 'db.system': 'neo4j' }, async () => {
      const session = this.session(mode);
      const config = { timeout: timeoutMs };
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new CompanionError('store_unavailable', `Neo4j did not answer within ${Math.round(timeoutMs / 1000)} s.`, { hint: 'The database is slow or unreachable; retry shortly. NEO4J_TRANSACTION_TIMEOUT_SECONDS sets this bound.' }));
        }, timeoutMs + clientGraceMs);
      });
      try {
        return await Promise.race([mode === 'READ' ? session.executeRead(work, config) : session.executeWrite(work, config), deadline]);
      } catch (error) {
        serviceMetrics.backendErrors.inc({ backend: 'neo4j' });
        throw storeError(error);
      } finally {
        clearTimeout(timer);
        // Closing a session whose server stopped answering would wait as long again: let it finish on its own.
        if (timedOut) session.close().catch(() => undefined);
        else await session.close().catch(() => undefined);
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

/** Neo4j codes that mean the database could not be used right now (not that the request was wrong). */
const unavailableCodes = new Set(['ServiceUnavailable', 'SessionExpired', 'Neo.ClientError.Transaction.TransactionTimedOut', 'Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration', 'Neo.TransientError.Transaction.Terminated', 'Neo.ClientError.Transaction.Terminated', 'Neo.TransientError.General.DatabaseUnavailable']);

/** An unreachable or timed-out Neo4j becomes a `store_unavailable` CompanionError (503 at the HTTP edge); anything else is left as it is. */
export function storeError(error: unknown): unknown {
  if (error instanceof CompanionError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const timedOut = /acquisition timed out|connection.*timed out|timed out/i.test(message);
  if ((typeof code === 'string' && unavailableCodes.has(code)) || timedOut) {
    return new CompanionError('store_unavailable', `Neo4j is unavailable: ${message}`, { hint: 'Retry shortly; an operator should check the database.', cause: error });
  }
  return error;
}

export function isConstraintViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'Neo.ClientError.Schema.ConstraintValidationFailed';
}
