import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';
import type { Stores } from './index.ts';
import { createMemoryStores } from './memory/index.ts';
import type { RunbookIndex } from './runbooks.ts';

/**
 * Neo4j (graph and every piece of shared state) when NEO4J_URI is set, Weaviate (runbooks) when
 * WEAVIATE_URL is set, the embedded in-process stores for whatever is not configured. Each driver
 * loads only when configured, so the embedded default starts without them.
 */
export async function createStores(config: Config, logger: Logger): Promise<Stores> {
  const memory = createMemoryStores();
  const runbooks = await createRunbookIndex(config, logger);
  try {
    if (!config.neo4j) {
      return { ...memory, runbooks: runbooks.index, describe: { ...memory.describe, runbooks: runbooks.describe } };
    }
    const { createNeo4jStores } = await import('./neo4j/index.ts');
    const neo4j = await createNeo4jStores({ ...config.neo4j, logger });
    return { ...neo4j, runbooks: runbooks.index, describe: { ...neo4j.describe, runbooks: runbooks.describe } };
  } catch (error) {
    await runbooks.index.close();
    throw error;
  }
}

async function createRunbookIndex(config: Config, logger: Logger): Promise<{ index: RunbookIndex; describe: string }> {
  if (!config.weaviate) {
    const memory = createMemoryStores();
    return { index: memory.runbooks, describe: memory.describe.runbooks };
  }
  const [{ createOllamaEmbedder }, { createWeaviateRunbookIndex }] = await Promise.all([import('../runbooks/embedder.ts'), import('./weaviate/runbooks.ts')]);
  const embedder = config.ollama?.embedModel ? createOllamaEmbedder({ baseUrl: config.ollama.baseUrl, model: config.ollama.embedModel, ...(config.ollama.timeoutMs ? { timeoutMs: config.ollama.timeoutMs } : {}) }) : undefined;
  const index = await createWeaviateRunbookIndex({
    url: config.weaviate.url,
    ...(config.weaviate.grpcUrl ? { grpcUrl: config.weaviate.grpcUrl } : {}),
    ...(config.weaviate.apiKey ? { apiKey: config.weaviate.apiKey } : {}),
    ...(embedder ? { embedder } : {}),
    logger,
  });
  return { index, describe: index.describe() };
}
