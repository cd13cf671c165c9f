import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CompanionError } from '../../src/errors.ts';
import { createOllamaEmbedder } from '../../src/runbooks/embedder.ts';

interface EmbedRequest {
  model: string;
  input: string[];
  truncate?: boolean;
}

interface Recorded {
  method: string | undefined;
  url: string | undefined;
  body: EmbedRequest;
}

/** A fake Ollama answering POST /api/embed in Ollama's wire format. */
function fakeOllama() {
  const requests: Recorded[] = [];
  let respond: (request: EmbedRequest, res: ServerResponse) => void = ollamaAnswer;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as EmbedRequest;
      requests.push({ method: req.method, url: req.url, body });
      if (req.method !== 'POST' || req.url !== '/api/embed') {
        json(res, 404, { error: `unexpected ${req.method} ${req.url}` });
        return;
      }
      respond(body, res);
    });
  });
  return {
    requests,
    server,
    set respond(handler: (request: EmbedRequest, res: ServerResponse) => void) {
      respond = handler;
    },
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

/** Ollama's answer: one embedding per input (here `[length, 0.5, -1]`), plus its timing fields. */
function ollamaAnswer(request: EmbedRequest, res: ServerResponse): void {
  json(res, 200, {
    model: request.model,
    embeddings: request.input.map((text) => [text.length, 0.5, -1]),
    total_duration: 14_143_917,
    load_duration: 1_019_500,
    prompt_eval_count: request.input.length * 3,
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

describe('createOllamaEmbedder', () => {
  let ollama: ReturnType<typeof fakeOllama>;
  beforeAll(async () => {
    ollama = fakeOllama();
    await new Promise<void>((resolve) => ollama.server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => ollama.server.close(() => resolve()));
  });
  beforeEach(() => {
    ollama.requests.length = 0;
    ollama.respond = ollamaAnswer;
  });

  it('posts the texts to /api/embed with the model and truncate on, and returns one vector per text in order', async () => {
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'nomic-embed-text' });
    expect(embedder.model).toBe('nomic-embed-text');
    const vectors = await embedder.embed(['a', 'bb', 'cccc']);
    expect(vectors).toEqual([[1, 0.5, -1], [2, 0.5, -1], [4, 0.5, -1]]);
    expect(ollama.requests).toHaveLength(1);
    expect(ollama.requests[0]).toMatchObject({
      method: 'POST',
      url: '/api/embed',
      body: { model: 'nomic-embed-text', input: ['a', 'bb', 'cccc'], truncate: true },
    });
  });

  it('accepts a base URL with a trailing slash', async () => {
    const embedder = createOllamaEmbedder({ baseUrl: `${ollama.url()}/`, model: 'm' });
    await expect(embedder.embed(['x'])).resolves.toEqual([[1, 0.5, -1]]);
    expect(ollama.requests[0]?.url).toBe('/api/embed');
  });

  it('sends large inputs in batches and keeps the order', async () => {
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'm', batchSize: 2 });
    const texts = ['1', '22', '333', '4444', '55555'];
    const vectors = await embedder.embed(texts);
    expect(vectors.map((vector) => vector[0])).toEqual([1, 2, 3, 4, 5]);
    expect(ollama.requests.map((request) => request.body.input)).toEqual([['1', '22'], ['333', '4444'], ['55555']]);
  });

  it('makes no request for no texts', async () => {
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'm' });
    await expect(embedder.embed([])).resolves.toEqual([]);
    expect(ollama.requests).toHaveLength(0);
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const countingFetch: typeof fetch = async (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    };
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'm', fetch: countingFetch });
    await embedder.embed(['x']);
    expect(seen).toEqual([`${ollama.url()}/api/embed`]);
  });

  it('reports an unknown model as provider_unavailable with a pull hint, without retrying', async () => {
    ollama.respond = (request, res) => json(res, 404, { error: `model "${request.model}" not found, try pulling it first` });
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'missing-model' });
    const error = await embedder.embed(['x']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({ code: 'provider_unavailable' });
    expect((error as CompanionError).message).toContain('model "missing-model" not found');
    expect((error as CompanionError).hint).toContain('ollama pull missing-model');
    expect(ollama.requests).toHaveLength(1);
  });

  it('retries a server error and then succeeds', async () => {
    let failures = 1;
    ollama.respond = (request, res) => {
      if (failures-- > 0) json(res, 500, { error: 'llama runner process has terminated' });
      else ollamaAnswer(request, res);
    };
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'm', maxRetries: 1 });
    await expect(embedder.embed(['abc'])).resolves.toEqual([[3, 0.5, -1]]);
    expect(ollama.requests).toHaveLength(2);
  });

  it('rejects an answer with the wrong number of embeddings', async () => {
    ollama.respond = (request, res) => json(res, 200, { model: request.model, embeddings: [[1, 2]], total_duration: 1, load_duration: 1, prompt_eval_count: 1 });
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'm' });
    await expect(embedder.embed(['a', 'b'])).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringContaining('1 embeddings for 2 texts') });
  });

  it('rejects vectors of different dimensions', async () => {
    ollama.respond = (request, res) => json(res, 200, {
      model: request.model,
      embeddings: request.input.map((text) => (text === 'short' ? [1] : [1, 2])),
      total_duration: 1, load_duration: 1, prompt_eval_count: 1,
    });
    const embedder = createOllamaEmbedder({ baseUrl: ollama.url(), model: 'm' });
    await expect(embedder.embed(['short', 'long'])).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringContaining('different dimensions') });
  });

  it('reports an unreachable Ollama as provider_unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const embedder = createOllamaEmbedder({ baseUrl: `http://127.0.0.1:${port}`, model: 'm', maxRetries: 0 });
    await expect(embedder.embed(['x'])).rejects.toMatchObject({ code: 'provider_unavailable', message: expect.stringContaining(`Ollama at http://127.0.0.1:${port}`) });
  });
});
