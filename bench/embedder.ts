import type { Embedder } from '../src/runbooks/embedder.ts';
import { hashVector } from '../test/support/hash-embedder.ts';

/**
 * A stand-in for an Ollama embedding model (no model runs on the bench machine): the tests' signed,
 * hashed bag of words, in 768 dimensions like `nomic-embed-text`. Weaviate stores and searches these
 * vectors exactly as it would real ones, so the vector half of hybrid search costs what it would in
 * production; only the (model-dependent) embedding time of the query is missing.
 */
export function createBenchEmbedder(dimension = 768): Embedder {
  return {
    model: `bench-hash-bow-${dimension}`,
    async embed(texts: string[]): Promise<number[][]> {
      return texts.map((text) => hashVector(text, dimension));
    },
  };
}
