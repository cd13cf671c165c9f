import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness } from '../../src/server/readiness.ts';

/** Local stand-ins for Weaviate's and Ollama's readiness endpoints, switchable between up and down. */
function backend(path: string): { server: Server; up: boolean; url: () => string } {
  const state = {
    up: true,
    server: createServer((req, res) => {
      if (req.url === path) res.writeHead(state.up ? 200 : 503, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(404).end();
    }),
    url: () => {
      const address = state.server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    },
  };
  return state;
}

describe('readiness checks', () => {
  const weaviate = backend('/v1/.well-known/ready');
  const ollama = backend('/api/tags');

  beforeAll(async () => {
    for (const b of [weaviate, ollama]) await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const b of [weaviate, ollama]) await new Promise((resolve) => b.server.close(resolve));
  });

  it('is ready on embedded stores, checks Weaviate and Ollama, and names the one that fails', async () => {
    const readiness = createReadiness({ weaviate: { url: weaviate.url() }, ollama: { baseUrl: ollama.url(), model: 'm', numCtx: 8192 } });
    const up = await readiness.check();
    expect(up.ready).toBe(true);
    expect(up.backends.map((b) => [b.backend, b.ready])).toEqual([['embedded', true], ['weaviate', true], ['ollama', true]]);

    ollama.up = false;
    const down = await readiness.check();
    expect(down.ready).toBe(false);
    expect(down.backends.find((b) => b.backend === 'ollama')).toEqual({ backend: 'ollama', ready: false, detail: `${ollama.url()}: HTTP 503` });
    expect(down.backends.find((b) => b.backend === 'weaviate')?.ready).toBe(true);
    ollama.up = true;
    await readiness.close();
  });

  it('names the embedded stores as embedded when no server is configured, never as Neo4j or Weaviate', async () => {
    const readiness = createReadiness({});
    const report = await readiness.check();
    expect(report.ready).toBe(true);
    expect(report.backends.map((b) => b.backend)).toEqual(['embedded', 'embedded-runbooks']);
    expect(report.backends[0]?.detail).toMatch(/in this process/);
    await readiness.close();
  });

  it('reports an unreachable Neo4j as unready within the probe timeout', async () => {
    // Port 9 (discard) is closed on loopback: the connection is refused.
    const readiness = createReadiness({ neo4j: { uri: 'bolt://127.0.0.1:9', user: 'neo4j', password: 'x' } }, 1_000);
    const report = await readiness.check();
    expect(report.ready).toBe(false);
    expect(report.backends[0]).toMatchObject({ backend: 'neo4j', ready: false });
    expect(report.backends[0]?.detail).toMatch(/^bolt:\/\/127\.0\.0\.1:9: /);
    await readiness.close();
  });
});
