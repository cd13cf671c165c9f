import { OllamaEmbeddings } from '@langchain/ollama';
import { CompanionError, describeError } from '../errors.ts';
import { fetchWithTimeout } from '../outbound.ts';

/**
 * Turns text into vectors for hybrid runbook search. The runbook index only sees this seam, so a
 * test can plug in a deterministic embedder and production plugs in Ollama.
 */
export interface Embedder {
  /** The model name, for logs and for telling apart indexes built with different models. */
  readonly model: string;
  /** One vector per input text, in input order, all of the same dimension. */
  embed(texts: string[]): Promise<number[][]>;
}

export interface OllamaEmbedderOptions {
  /** Where Ollama listens, e.g. `http://localhost:11434`. */
  baseUrl: string;
  /** An embedding model pulled into that Ollama, e.g. `nomic-embed-text`. */
  model: string;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** One request to Ollama, when `fetch` is not given (OLLAMA_TIMEOUT_SECONDS; default 120 s). */
  timeoutMs?: number;
  /** Texts per request to Ollama; large ingests are sent in batches of this size. */
  batchSize?: number;
  /** Retries on network errors and 5xx (not on 4xx such as an unknown model). */
  maxRetries?: number;
}

/**
 * An Embedder backed by Ollama's `POST /api/embed` through LangChain's OllamaEmbeddings.
 * `truncate` is on: LangChain defaults it to off, which makes Ollama reject any input longer than
 * the model's context instead of embedding its beginning (runbook chunks stay under 2000 chars,
 * but a model with a short context would still fail on them).
 */
export function createOllamaEmbedder(options: OllamaEmbedderOptions): Embedder {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const embeddings = new OllamaEmbeddings({
    baseUrl,
    model: options.model,
    truncate: true,
    maxRetries: options.maxRetries ?? 2,
    onFailedAttempt: stopRetryingOnClientErrors,
    fetch: options.fetch ?? fetchWithTimeout(options.timeoutMs ?? 120_000),
  });
  const batchSize = Math.max(1, options.batchSize ?? 32);

  return {
    model: options.model,
    async embed(texts: string[]): Promise<number[][]> {
      if (texts.length === 0) return [];
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        let result: number[][];
        try {
          result = await embeddings.embedDocuments(batch);
        } catch (error) {
          throw new CompanionError('provider_unavailable', `Ollama at ${baseUrl} could not embed with model "${options.model}": ${describeError(error)}`, {
            hint: `Check that Ollama is running and that the model is pulled (\`ollama pull ${options.model}\`), or unset the embedding model to search runbooks by keywords alone.`,
            cause: error,
          });
        }
        vectors.push(...checkVectors(result, batch.length, baseUrl, options.model));
      }
      const dimension = vectors[0]?.length;
      if (vectors.some((vector) => vector.length !== dimension)) {
        throw new CompanionError('provider_unavailable', `Ollama at ${baseUrl} returned vectors of different dimensions for model "${options.model}".`, {
          hint: 'Use one embedding model for the whole index.',
        });
      }
      return vectors;
    },
  };
}

function checkVectors(result: unknown, expected: number, baseUrl: string, model: string): number[][] {
  const valid = Array.isArray(result)
    && result.length === expected
    && result.every((vector) => Array.isArray(vector) && vector.length > 0 && vector.every((value) => typeof value === 'number' && Number.isFinite(value)));
  if (!valid) {
    const got = Array.isArray(result) ? `${result.length} embeddings` : typeof result;
    throw new CompanionError('provider_unavailable', `Ollama at ${baseUrl} answered model "${model}" with ${got} for ${expected} texts.`, {
      hint: `Check that "${model}" is an embedding model (for example nomic-embed-text or mxbai-embed-large).`,
    });
  }
  return result as number[][];
}

/**
 * LangChain's default retry policy reads `error.status`, but the Ollama client reports the HTTP
 * status as `status_code`, so an unknown model (404) would be retried with backoff. Retry only
 * network errors, 408, 429 and 5xx.
 */
function stopRetryingOnClientErrors(error: unknown): void {
  if (typeof error !== 'object' || error === null) return;
  if ('name' in error && error.name === 'AbortError') throw error;
  const status = 'status_code' in error && typeof error.status_code === 'number'
    ? error.status_code
    : 'status' in error && typeof error.status === 'number' ? error.status : undefined;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) throw error;
}
