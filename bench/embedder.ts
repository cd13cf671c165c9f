import { createHash } from 'node:crypto';
import type { Embedder } from '../src/runbooks/embedder.ts';

/**
 * A stand-in for an Ollama embedding model (no model runs on the bench machine): a signed, hashed
 * bag of words, L2-normalised, in 768 dimensions like `nomic-embed-text`. Weaviate stores and
 * searches these vectors exactly as it would real ones, so the vector half of hybrid search costs
 * what it would in production; only the (model-dependent) embedding time of the query is missing.
 */
export function createBenchEmbedder(dimension = 768): Embedder {
  return {
    model: `bench-hash-bow-${dimension}`,
    async embed(texts: string[]): Promise<number[][]> {
      return texts.map((text) => hashVector(text, dimension));
    },
  };
}

function hashVector(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const digest = createHash('sha256').update(word).digest();
    const bucket = digest.readUInt32BE(0) % dimension;
    vector[bucket] = (vector[bucket] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) return vector.map((_, index) => (index === 0 ? 1 : 0));
  return vector.map((value) => value / norm);
}
