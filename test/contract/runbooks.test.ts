import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompanionError } from '../../src/errors.ts';
import type { Embedder } from '../../src/runbooks/embedder.ts';
import { chunkRunbook, parseRunbook } from '../../src/runbooks/parse.ts';
import { MemoryRunbookIndex } from '../../src/stores/memory/runbooks.ts';
import { createWeaviateRunbookIndex, tenantName, type WeaviateRunbookIndex } from '../../src/stores/weaviate/runbooks.ts';
import { createHashEmbedder } from '../support/hash-embedder.ts';
import { createTestWeaviateRunbookIndex, weaviateEndpoints } from '../support/weaviate.ts';
import { newOrg, runbookIndexContract } from './runbooks.contract.ts';

runbookIndexContract('memory', () => new MemoryRunbookIndex());
runbookIndexContract('weaviate', () => createTestWeaviateRunbookIndex());
runbookIndexContract('weaviate+embedder', () => createTestWeaviateRunbookIndex({ embedder: createHashEmbedder(64) }));

const runbook = parseRunbook([
  '---',
  'id: restart-service',
  'title: Restart a wedged service',
  'resourceTypes: [aws.ecs.service]',
  'tags: [ecs]',
  '---',
  '## Look',
  'Read the task logs for the wedged container.',
  '',
  '## Act',
  'Force a new deployment of the service.',
].join('\n'), 'restart-service.md');

describe('WeaviateRunbookIndex specifics', () => {
  const embedder = createHashEmbedder(64);
  let keyword: WeaviateRunbookIndex;
  let hybrid: WeaviateRunbookIndex;
  beforeAll(async () => {
    keyword = await createTestWeaviateRunbookIndex();
    hybrid = await createTestWeaviateRunbookIndex({ embedder });
  });
  afterAll(async () => {
    await keyword?.close();
    await hybrid?.close();
  });

  it('maps organization ids to valid, distinct Weaviate tenant names', () => {
    const valid = /^[A-Za-z0-9_-]{1,64}$/;
    expect(tenantName('acme')).toBe('acme');
    expect(tenantName('org-1234')).toBe('org-1234');
    expect(tenantName('a'.repeat(64))).toBe('a'.repeat(64));
    const odd = ['a'.repeat(65), 'Acme', 'acme_corp', 'acme corp', '-acme', '', 'ünïcode', '../../etc', 'acme\n'];
    const names = odd.map(tenantName);
    for (const name of names) {
      expect(name).toMatch(valid);
      expect(name).toMatch(/^h_[0-9a-f]{40}$/);
    }
    expect(new Set(names).size).toBe(odd.length);
    expect(tenantName('Acme')).toBe(tenantName('Acme'));
  });

  it('stores each organization in its own tenant of multi-tenant collections', async () => {
    const org = newOrg();
    const odd = `Odd Org ${org}`;
    await keyword.upsert(org, [runbook]);
    await keyword.upsert(odd, [runbook]);
    const { url } = weaviateEndpoints();
    for (const collection of ['RunbookChunk', 'Runbook']) {
      const schema = await (await fetch(`${url}/v1/schema/${collection}`)).json() as { multiTenancyConfig?: { enabled?: boolean; autoTenantCreation?: boolean } };
      expect(schema.multiTenancyConfig).toMatchObject({ enabled: true, autoTenantCreation: false });
      const tenants = await (await fetch(`${url}/v1/schema/${collection}/tenants`)).json() as { name: string }[];
      const names = tenants.map((tenant) => tenant.name);
      expect(names).toContain(org);
      expect(names).toContain(tenantName(odd));
    }
    // Searching or reading for an unknown organization creates no tenant.
    const ghost = newOrg();
    await expect(keyword.search(ghost, { query: 'wedged' })).resolves.toEqual([]);
    await expect(keyword.get(ghost, 'restart-service')).resolves.toBeUndefined();
    const after = await (await fetch(`${url}/v1/schema/RunbookChunk/tenants`)).json() as { name: string }[];
    expect(after.map((tenant) => tenant.name)).not.toContain(ghost);
  });

  it('searches hybrid with an embedder (vectors find neighbours without a shared word) and by keywords without one', async () => {
    const org = newOrg();
    const callsBefore = embedder.calls.length;
    await hybrid.upsert(org, [runbook]);
    expect(embedder.calls.slice(callsBefore).flat()).toHaveLength(chunkRunbook(runbook).length);
    const viaVectors = await hybrid.search(org, { query: 'unrelatedword' });
    expect(viaVectors.map((hit) => hit.chunk.position).sort()).toEqual([0, 1]);
    expect(embedder.calls.at(-1)).toEqual(['unrelatedword']);
    // The same tenant read without an embedder: keywords only.
    await expect(keyword.search(org, { query: 'unrelatedword' })).resolves.toEqual([]);
    expect((await keyword.search(org, { query: 'deployment' }))[0]?.chunk.section).toBe('Act');
    // An organization without runbooks is answered without embedding the query.
    const calls = embedder.calls.length;
    await expect(hybrid.search(newOrg(), { query: 'deployment' })).resolves.toEqual([]);
    expect(embedder.calls).toHaveLength(calls);
  });

  it('leaves the index unchanged when embedding fails during upsert, and falls back to keywords when it fails during search', async () => {
    let failing = false;
    const flaky: Embedder = {
      model: 'flaky',
      async embed(texts) {
        if (failing) throw new CompanionError('provider_unavailable', 'Ollama is down');
        return createHashEmbedder(64).embed(texts);
      },
    };
    const index = await createWeaviateRunbookIndex({ ...weaviateEndpoints(), embedder: flaky });
    try {
      const org = newOrg();
      await index.upsert(org, [runbook]);
      failing = true;
      await expect(index.upsert(org, [{ ...runbook, body: '## Replaced\nNothing else.' }])).rejects.toMatchObject({ code: 'provider_unavailable' });
      await expect(index.get(org, 'restart-service')).resolves.toEqual(runbook);
      const hits = await index.search(org, { query: 'deployment' });
      expect(hits.map((hit) => hit.chunk.section)).toEqual(['Act']);
    } finally {
      await index.close();
    }
  });

  it('fails with store_unavailable and a hint when Weaviate cannot be reached', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await createWeaviateRunbookIndex({ url: `http://127.0.0.1:${port}`, grpcUrl: `http://127.0.0.1:${port}` }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CompanionError);
    expect(error).toMatchObject({ code: 'store_unavailable' });
    expect((error as CompanionError).message).toContain(`Weaviate at http://127.0.0.1:${port} is not reachable:`);
    expect((error as CompanionError).hint).toMatch(/WEAVIATE_URL/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('rejects invalid configuration before connecting', async () => {
    await expect(createWeaviateRunbookIndex({ url: 'http://127.0.0.1:1', collection: 'lowercase' })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(createWeaviateRunbookIndex({ url: 'ftp://example.com' })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
