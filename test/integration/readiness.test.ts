import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startNeo4j, stopServer, type Neo4jServer } from '../../scripts/services-lib.mjs';
import type { RunningBot } from '../../src/compose.ts';
import { startTestBot } from '../support/bot.ts';

interface ReadyBody { status: string; message?: string; backends: { backend: string; ready: boolean; detail: string }[] }

/**
 * /readyz against a PRIVATE Neo4j (the shared dev server is never stopped): unready with the
 * backend named while Neo4j is down, ready again once it is back at the same address.
 */
describe('/readyz follows Neo4j', () => {
  let neo4j: Neo4jServer | undefined;
  let bot: RunningBot | undefined;

  beforeAll(async () => {
    neo4j = await startNeo4j({ log: () => undefined });
    bot = await startTestBot({ NEO4J_URI: neo4j.boltUri, NEO4J_USER: neo4j.user, NEO4J_PASSWORD: neo4j.password });
  }, 240_000);
  afterAll(async () => {
    await bot?.stop(1_000);
    await stopServer(neo4j);
  }, 60_000);

  async function readyz(): Promise<{ status: number; body: ReadyBody }> {
    const response = await fetch(`${bot?.url}/readyz`);
    return { status: response.status, body: await response.json() as ReadyBody };
  }

  it('is ready, goes unready naming Neo4j when it stops, and is ready again when it returns', async () => {
    const up = await readyz();
    expect(up.status).toBe(200);
    expect(up.body.backends).toContainEqual(expect.objectContaining({ backend: 'neo4j', ready: true }));

    const server = neo4j as Neo4jServer;
    await stopServer(server);
    await vi.waitFor(async () => {
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unready');
      expect(down.body.message).toMatch(/^Not ready: neo4j \(bolt:\/\/127\.0\.0\.1:\d+: /);
    }, { timeout: 30_000, interval: 500 });
    // /healthz is about the process, which is fine.
    expect((await fetch(`${bot?.url}/healthz`)).status).toBe(200);

    neo4j = await startNeo4j({ log: () => undefined, boltPort: server.boltPort, httpPort: server.httpPort });
    await vi.waitFor(async () => {
      const back = await readyz();
      expect(back.status).toBe(200);
      expect(back.body.backends).toContainEqual(expect.objectContaining({ backend: 'neo4j', ready: true }));
    }, { timeout: 60_000, interval: 500 });
  }, 240_000);
});
