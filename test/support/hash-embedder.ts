import { createHash } from 'node:crypto';
import type { Embedder } from '../../src/runbooks/embedder.ts';

/**
 * A deterministic Embedder for tests: a signed, hashed bag of words, L2-normalised. Texts that
 * share words are close, texts that share none are (almost) orthogonal, so hybrid search can be
 * exercised for real without a model.
 */
export function createHashEmbedder(dimension = 64): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    model: `test-hash-bow-${dimension}`,
    calls,
    async embed(texts: string[]): Promise<number[][]> {
      calls.push([...texts]);
      return texts.map((text) => hashVector(text, dimension));
    },
  };
}

export function hashVector(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const digest = createHash('sha256').update(word).digest();
    const bucket = digest.readUInt32BE(0) % dimension;
    vector[bucket] = (vector[bucket] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector);
  // No words: a fixed unit vector rather than a zero vector (cosine distance is undefined for zero).
  if (norm === 0) return vector.map((_, index) => (index === 0 ? 1 : 0));
  return vector.map((value) => value / norm);
}
