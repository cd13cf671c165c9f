import type { Driver } from 'neo4j-driver';
import type { Config } from '../config.ts';
import { serviceMetrics } from '../observability/metrics.ts';
import { createDriver, displayUri } from '../stores/neo4j/driver.ts';

/** One backend's answer to a readiness check. */
export interface BackendReadiness {
  backend: string;
  ready: boolean;
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  backends: BackendReadiness[];
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
  close(): Promise<void>;
}

/** Short: a probe that hangs would make the orchestrator's own probe time out first. */
export const defaultProbeTimeoutMs = 2_000;

/**
 * Checks the configured backends (Neo4j, Weaviate, Ollama) on every call; embedded stores have
 * nothing to reach and count as ready, and are named as what they are (never as the server they stand in for). Neo4j gets its own one-connection driver so a probe never
 * waits behind the stores' pool.
 */
export function createReadiness(config: Pick<Config, 'neo4j' | 'weaviate' | 'ollama'>, timeoutMs = defaultProbeTimeoutMs): Readiness {
  let driver: Driver | undefined;
  const probes: Array<() => Promise<BackendReadiness>> = [];
  const neo4jOptions = config.neo4j;
  if (neo4jOptions) {
    probes.push(() => probe('neo4j', displayUri(neo4jOptions.uri), timeoutMs, async () => {
      driver ??= createDriver(neo4jOptions);
      await driver.executeQuery('RETURN 1', {}, neo4jOptions.database ? { database: neo4jOptions.database } : {});
    }));
  }
  else probes.push(async () => ({ backend: 'embedded', ready: true, detail: 'resource graph and state in this process (lost on restart; set NEO4J_URI to keep them)' }));
  const weaviate = config.weaviate;
  if (weaviate) {
    const headers: Record<string, string> = weaviate.apiKey ? { authorization: `Bearer ${weaviate.apiKey}` } : {};
    probes.push(() => probe('weaviate', weaviate.url, timeoutMs, () => httpOk(new URL('/v1/.well-known/ready', weaviate.url), headers, timeoutMs)));
  }
  else probes.push(async () => ({ backend: 'embedded-runbooks', ready: true, detail: 'runbook index in this process (BM25 keyword search; set WEAVIATE_URL for Weaviate hybrid search)' }));
  const ollama = config.ollama;
  if (ollama) probes.push(() => probe('ollama', ollama.baseUrl, timeoutMs, () => httpOk(new URL('/api/tags', ollama.baseUrl), {}, timeoutMs)));
  return {
    async check() {
      const backends = await Promise.all(probes.map((p) => p()));
      return { ready: backends.every((b) => b.ready), backends };
    },
    async close() {
      await driver?.close();
    },
  };
}

async function probe(backend: string, where: string, timeoutMs: number, run: () => Promise<void>): Promise<BackendReadiness> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([run(), deadline]);
    return { backend, ready: true, detail: where };
  } catch (error) {
    serviceMetrics.backendErrors.inc({ backend });
    return { backend, ready: false, detail: `${where}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

async function httpOk(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}
