import { inject } from 'vitest';
import { silentLogger } from '../../src/logging.ts';
import type { Embedder } from '../../src/runbooks/embedder.ts';
import { createWeaviateRunbookIndex, type WeaviateRunbookIndex } from '../../src/stores/weaviate/runbooks.ts';

/** The Weaviate server of this test run (started or reused by test/setup/services.ts). */
export function weaviateEndpoints(): { url: string; grpcUrl: string } {
  const services = inject('services');
  return { url: services.WEAVIATE_URL, grpcUrl: services.WEAVIATE_GRPC_URL };
}

/**
 * A Weaviate runbook index on the shared server. Call it once per file (in `beforeAll`) and close
 * it in `afterAll`; tests isolate themselves with random organization ids, i.e. random tenants.
 */
export async function createTestWeaviateRunbookIndex(options: { embedder?: Embedder; collection?: string } = {}): Promise<WeaviateRunbookIndex> {
  return createWeaviateRunbookIndex({
    ...weaviateEndpoints(),
    ...(options.embedder ? { embedder: options.embedder } : {}),
    ...(options.collection ? { collection: options.collection } : {}),
    logger: silentLogger(),
  });
}
