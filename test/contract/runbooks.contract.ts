import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkRunbook, parseRunbook } from '../../src/runbooks/parse.ts';
import type { Runbook, RunbookHit, RunbookIndex } from '../../src/stores/runbooks.ts';

/**
 * The behaviour every RunbookIndex must have, in process and in Weaviate alike. `make` is called
 * once per suite; the index is closed after it. Every test works in fresh, random organizations,
 * so suites can share one server.
 *
 * Assertions hold for keyword-only and hybrid search: with vectors, a search may also return
 * chunks that share no word with the query (nearest neighbours), so "does not match" is checked
 * as "no returned chunk contains the word", and ranking as "the expected chunk comes first".
 */
export function runbookIndexContract(name: string, make: () => RunbookIndex | Promise<RunbookIndex>): void {
  describe(`RunbookIndex contract: ${name}`, () => {
    let index: RunbookIndex;
    beforeAll(async () => {
      index = await make();
    });
    afterAll(async () => {
      await index?.close();
    });

    describe('upsert and get', () => {
      it('returns the counts and reads every runbook back exactly', async () => {
        const org = newOrg();
        const runbooks = [diskFull(), highCpu(), dbConnections()];
        const expectedChunks = runbooks.reduce((sum, runbook) => sum + chunkRunbook(runbook).length, 0);
        expect(expectedChunks).toBe(7);
        await expect(index.upsert(org, runbooks)).resolves.toEqual({ runbooks: 3, chunks: expectedChunks });
        for (const runbook of runbooks) {
          await expect(index.get(org, runbook.id)).resolves.toEqual(runbook);
        }
        const read = await index.get(org, 'disk-full');
        expect(read?.actions).toEqual([{ kind: 'aws.ec2.resize-volume', params: { volumeId: '{{resource.id}}', sizeGiB: 200 }, reason: 'Room to breathe' }]);
      });

      it('returns undefined for an unknown runbook and for an unknown organization', async () => {
        const org = newOrg();
        await index.upsert(org, [diskFull()]);
        await expect(index.get(org, 'no-such-runbook')).resolves.toBeUndefined();
        await expect(index.get(newOrg(), 'disk-full')).resolves.toBeUndefined();
      });

      it('accepts an empty batch', async () => {
        const org = newOrg();
        await expect(index.upsert(org, [])).resolves.toEqual({ runbooks: 0, chunks: 0 });
        await expect(index.search(org, { query: 'disk' })).resolves.toEqual([]);
      });

      it('works for organization ids that are not valid tenant names', async () => {
        const suffix = randomUUID().slice(0, 8);
        const odd = [`Org_${suffix}`, `org ${suffix}/../x`, `ORG-${suffix}`, `org-${suffix}-${'x'.repeat(80)}`, `org-ü-${suffix}`];
        for (const [position, org] of odd.entries()) {
          await index.upsert(org, [withBody(diskFull(), `## Marker\nmarker${position}word appears here.`)]);
        }
        for (const [position, org] of odd.entries()) {
          await expect(index.get(org, 'disk-full')).resolves.toMatchObject({ body: `## Marker\nmarker${position}word appears here.` });
          for (const [other] of odd.entries()) {
            const hits = await index.search(org, { query: `marker${other}word`, limit: 20 });
            const texts = hits.map((hit) => hit.chunk.text);
            if (other === position) expect(hits[0]?.chunk.text).toBe(`marker${position}word appears here.`);
            else expect(texts.some((text) => text.includes(`marker${other}word`))).toBe(false);
          }
        }
        // ORG-x and org-x are different organizations.
        await expect(index.get(`org-${suffix}`, 'disk-full')).resolves.toBeUndefined();
      });
    });

    describe('search', () => {
      let org: string;
      beforeAll(async () => {
        org = newOrg();
        await index.upsert(org, [diskFull(), highCpu(), dbConnections()]);
      });

      it('finds a runbook by a word of its title', async () => {
        const hits = await index.search(org, { query: 'database' });
        expect(hits.length).toBeGreaterThan(0);
        expectRanking(hits);
        expect(hits[0]?.chunk.runbookId).toBe('db-connections');
        expectTopHitsFrom(hits, 'db-connections', chunkRunbook(dbConnections()).length);
      });

      it('finds a section by a word of its heading', async () => {
        const hits = await index.search(org, { query: 'symptoms' });
        expectRanking(hits);
        expect(hits[0]?.chunk).toMatchObject({ runbookId: 'disk-full', section: 'Symptoms' });
      });

      it('finds a section by a word of its body', async () => {
        const hits = await index.search(org, { query: 'growpart' });
        expectRanking(hits);
        expect(hits[0]?.chunk).toEqual({
          runbookId: 'disk-full',
          title: 'Disk full on an EC2 instance',
          section: 'Remediation',
          text: 'Expand the EBS volume, then run growpart and resize2fs on the root filesystem.',
          resourceTypes: ['aws.ec2.instance'],
          services: ['ec2', 'ebs'],
          tags: ['storage', 'capacity'],
          severity: 'high',
          position: 2,
        });
      });

      it('finds a runbook by a tag', async () => {
        const hits = await index.search(org, { query: 'pooling' });
        expectRanking(hits);
        expect(hits[0]?.chunk.runbookId).toBe('db-connections');
        expectTopHitsFrom(hits, 'db-connections', chunkRunbook(dbConnections()).length);
      });

      it('returns at most `limit` hits, five by default', async () => {
        const many = newOrg();
        const sections = Array.from({ length: 7 }, (_, i) => `## Step ${i + 1}\nCheck the widget${i} gauge again.`).join('\n\n');
        const runbook = withBody({ ...highCpu(), id: 'gauges', title: 'Gauge walkthrough' }, sections);
        await expect(index.upsert(many, [runbook])).resolves.toEqual({ runbooks: 1, chunks: 7 });
        expect(await index.search(many, { query: 'gauge' })).toHaveLength(5);
        expect(await index.search(many, { query: 'gauge', limit: 2 })).toHaveLength(2);
        const all = await index.search(many, { query: 'gauge', limit: 50 });
        expect(all.map((hit) => hit.chunk.position).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      });

      it('boosts chunks whose resource types match the search, which changes the order', async () => {
        const twins = newOrg();
        const aws = parseRunbook(twin('frozen-aws', 'aws.ec2.instance', 'alpha'), 'frozen-aws.md');
        const gcp = parseRunbook(twin('frozen-gcp', 'gcp.compute.instance', 'bravo'), 'frozen-gcp.md');
        const other = withBody({ ...highCpu(), id: 'noise' }, '## Notes\nAn instance can be slow without being frozen, which is a different story altogether.');
        await index.upsert(twins, [aws, gcp, other]);
        const query = 'frozen instance';
        const plain = await index.search(twins, { query, limit: 10 });
        const towardsAws = await index.search(twins, { query, limit: 10, resourceTypes: ['aws.ec2.instance'] });
        const towardsGcp = await index.search(twins, { query, limit: 10, resourceTypes: ['gcp.compute.instance', 'azure.vm'] });
        expectRanking(plain);
        expectRanking(towardsAws);
        expectRanking(towardsGcp);
        expect(towardsAws[0]?.chunk.runbookId).toBe('frozen-aws');
        expect(towardsAws[1]?.chunk.runbookId).toBe('frozen-gcp');
        expect(towardsGcp[0]?.chunk.runbookId).toBe('frozen-gcp');
        expect(towardsGcp[1]?.chunk.runbookId).toBe('frozen-aws');
        // The boost multiplies the score of the matching chunk and leaves the others alone.
        const score = (hits: RunbookHit[], runbookId: string) => hits.find((hit) => hit.chunk.runbookId === runbookId)?.score ?? Number.NaN;
        expect(score(towardsAws, 'frozen-aws') / score(plain, 'frozen-aws')).toBeCloseTo(1.5, 5);
        expect(score(towardsAws, 'frozen-gcp')).toBeCloseTo(score(plain, 'frozen-gcp'), 8);
        expect(score(towardsGcp, 'frozen-gcp') / score(plain, 'frozen-gcp')).toBeCloseTo(1.5, 5);
        expect(score(towardsGcp, 'frozen-aws')).toBeCloseTo(score(plain, 'frozen-aws'), 8);
        expect(score(towardsGcp, 'noise')).toBeCloseTo(score(plain, 'noise'), 8);
      });

      it('returns [] for empty and punctuation-only queries', async () => {
        for (const query of ['', '   ', '?!', '... --- ***', '`"\'{}[]()', '*:*']) {
          await expect(index.search(org, { query })).resolves.toEqual([]);
        }
      });

      it('returns [] for an organization that has no runbooks', async () => {
        await expect(index.search(newOrg(), { query: 'database' })).resolves.toEqual([]);
      });
    });

    describe('re-upsert', () => {
      it('replaces the previous copy: no duplicate and no stale chunks', async () => {
        const org = newOrg();
        const v1 = withBody(dbConnections(), '## Check\nCount the sessions with pgstat.\n\n## Kill\nTerminate idle sessions.\n\n## Legacy\nThe obsoletequokka procedure.');
        const v2 = withBody({ ...dbConnections(), title: 'Database connections exhausted', tags: ['postgres'] }, '## Check\nCount the sessions with pgbouncer.\n\n## Kill\nTerminate idle sessions.');
        await expect(index.upsert(org, [v1])).resolves.toEqual({ runbooks: 1, chunks: 3 });
        expect((await index.search(org, { query: 'obsoletequokka' }))[0]?.chunk.section).toBe('Legacy');

        await expect(index.upsert(org, [v2])).resolves.toEqual({ runbooks: 1, chunks: 2 });
        await expect(index.get(org, 'db-connections')).resolves.toEqual(v2);
        const all = await index.search(org, { query: 'database sessions', limit: 50 });
        expect(all.map((hit) => `${hit.chunk.runbookId}#${hit.chunk.position}`).sort()).toEqual(['db-connections#0', 'db-connections#1']);
        expect(all.every((hit) => hit.chunk.title === 'Database connections exhausted')).toBe(true);
        expect(all.every((hit) => hit.chunk.tags.join() === 'postgres')).toBe(true);
        const stale = await index.search(org, { query: 'obsoletequokka pgstat', limit: 50 });
        expect(stale.filter((hit) => /obsoletequokka|pgstat/.test(hit.chunk.text))).toEqual([]);
        expect((await index.search(org, { query: 'pgbouncer' }))[0]?.chunk.text).toBe('Count the sessions with pgbouncer.');
      });

      it('is idempotent: the same runbooks twice leave one copy', async () => {
        const org = newOrg();
        const runbooks = [diskFull(), highCpu()];
        const first = await index.upsert(org, runbooks);
        const second = await index.upsert(org, runbooks);
        expect(second).toEqual(first);
        const hits = await index.search(org, { query: 'disk full instance cpu virtual machine', limit: 50 });
        expect(hits).toHaveLength(first.chunks);
        expect(new Set(hits.map((hit) => `${hit.chunk.runbookId}#${hit.chunk.position}`)).size).toBe(first.chunks);
      });

      it('keeps other runbooks of the organization', async () => {
        const org = newOrg();
        await index.upsert(org, [diskFull(), highCpu()]);
        await index.upsert(org, [withBody(highCpu(), '## Only\nA single section now.')]);
        await expect(index.get(org, 'disk-full')).resolves.toEqual(diskFull());
        expect((await index.search(org, { query: 'growpart' }))[0]?.chunk.runbookId).toBe('disk-full');
      });
    });

    describe('tenant isolation', () => {
      const hostile = [
        '{ Get { RunbookChunk { text runbookId } } }',
        '{ Get { RunbookChunk(tenant: "*") { text } } }',
        '"} } { Get { Runbook { document } } } #',
        'MATCH (n) DETACH DELETE n // `backticks` and "quotes"',
        "') OR 1=1 -- '",
        'title:* OR text:* AND *:*',
        'secret* OR zebrafish~2 OR "exact phrase"^10',
        '\\"; DROP TABLE runbooks; --',
        'zebrafish',
      ];

      it("never shows one organization another organization's runbooks, whatever the query", async () => {
        const orgA = newOrg();
        const orgB = newOrg();
        const secret = withBody(
          { ...diskFull(), id: 'secret-runbook', title: 'Secret `zebrafish` "procedure"', tags: ['zebrafish', "it's"] },
          [
            '## GraphQL',
            '{ Get { RunbookChunk { text } } } and zebrafish',
            '## Cypher',
            'MATCH (n:CloudResource) RETURN n // zebrafish `quoted` \'single\' "double"',
            '## Lucene',
            'title:* OR *:* zebrafish~ secret*',
          ].join('\n'),
        );
        await index.upsert(orgA, [secret]);
        await index.upsert(orgB, [withBody({ ...highCpu(), id: 'b-only' }, '## Notes\nNothing secret here, only ordinary text about instances.')]);

        for (const query of hostile) {
          const hitsB = await index.search(orgB, { query, limit: 50 });
          expect(hitsB.filter((hit) => hit.chunk.runbookId !== 'b-only')).toEqual([]);
          const hitsC = await index.search(newOrg(), { query, limit: 50 });
          expect(hitsC).toEqual([]);
        }
        await expect(index.get(orgB, 'secret-runbook')).resolves.toBeUndefined();

        // Organization A still finds its own runbook with the same strings.
        const hitsA = await index.search(orgA, { query: 'zebrafish', limit: 50 });
        expect(hitsA.length).toBe(chunkRunbook(secret).length);
        expect(hitsA.every((hit) => hit.chunk.runbookId === 'secret-runbook')).toBe(true);
        for (const query of hostile) {
          await expect(index.search(orgA, { query })).resolves.toBeInstanceOf(Array);
        }
        await expect(index.get(orgA, 'secret-runbook')).resolves.toEqual(secret);
      });

      it('keeps the same runbook id apart in two organizations', async () => {
        const orgA = newOrg();
        const orgB = newOrg();
        const a = withBody(diskFull(), '## Fix\nThe answer for A is aardvark.');
        const b = withBody(diskFull(), '## Fix\nThe answer for B is bonobo.\n\n## More\nAnd a second section.');
        await index.upsert(orgA, [a]);
        await index.upsert(orgB, [b]);
        await expect(index.get(orgA, 'disk-full')).resolves.toEqual(a);
        await expect(index.get(orgB, 'disk-full')).resolves.toEqual(b);
        const inA = await index.search(orgA, { query: 'aardvark bonobo', limit: 50 });
        const inB = await index.search(orgB, { query: 'aardvark bonobo', limit: 50 });
        expect(inA.map((hit) => hit.chunk.text)).toEqual(['The answer for A is aardvark.']);
        expect(inB.map((hit) => hit.chunk.text).filter((text) => /aardvark|bonobo/.test(text))).toEqual(['The answer for B is bonobo.']);
        expect(inB.some((hit) => hit.chunk.text.includes('aardvark'))).toBe(false);
      });
    });
  });
}

export function newOrg(): string {
  return `org-${randomUUID().slice(0, 8)}`;
}

/**
 * Hits come best first, the best with a positive score. (Hybrid search normalises scores, so the
 * weakest candidate may score 0.)
 */
function expectRanking(hits: RunbookHit[]): void {
  if (hits.length > 0) expect(hits[0]?.score).toBeGreaterThan(0);
  for (const [position, hit] of hits.entries()) {
    expect(hit.score).toBeGreaterThanOrEqual(0);
    if (position > 0) expect(hit.score).toBeLessThanOrEqual(hits[position - 1]?.score ?? Number.POSITIVE_INFINITY);
  }
}

/** The first `count` hits (or all, if fewer) belong to the given runbook. */
function expectTopHitsFrom(hits: RunbookHit[], runbookId: string, count: number): void {
  expect(hits.slice(0, count).map((hit) => hit.chunk.runbookId)).toEqual(hits.slice(0, count).map(() => runbookId));
}

function withBody(runbook: Runbook, body: string): Runbook {
  return { ...runbook, body };
}

function diskFull(): Runbook {
  return parseRunbook([
    '---',
    'id: disk-full',
    'title: Disk full on an EC2 instance',
    'resourceTypes: [aws.ec2.instance]',
    'services: [ec2, ebs]',
    'tags: [storage, capacity]',
    'severity: high',
    'actions:',
    '  - kind: aws.ec2.resize-volume',
    '    params: { volumeId: "{{resource.id}}", sizeGiB: 200 }',
    '    reason: Room to breathe',
    '---',
    'Applies when the root volume of an instance fills up.',
    '',
    '## Symptoms',
    'Writes fail with "No space left on device".',
    '',
    '## Remediation',
    'Expand the EBS volume, then run growpart and resize2fs on the root filesystem.',
  ].join('\n'), 'disk-full.md');
}

function highCpu(): Runbook {
  return parseRunbook([
    '---',
    'id: high-cpu-vm',
    'title: High CPU on an Azure virtual machine',
    'resourceTypes: [azure.compute.virtualMachine]',
    'services: [compute]',
    'tags: [saturation]',
    '---',
    '## Diagnose',
    'Look at the top processes with htop and the guest metrics.',
    '',
    '## Mitigate',
    'Resize the machine or restart the runaway service.',
  ].join('\n'), 'high-cpu.md');
}

function dbConnections(): Runbook {
  return parseRunbook([
    '---',
    'id: db-connections',
    'title: Database connection pool exhausted',
    'resourceTypes: [aws.rds.instance]',
    'services: [rds]',
    'tags: [postgres, pooling]',
    'severity: critical',
    '---',
    '## Check',
    'Count the sessions per client in pg_stat_activity.',
    '',
    '## Relieve',
    'Terminate idle sessions and lower the application pool size.',
  ].join('\n'), 'db-connections.md');
}

/** Two runbooks that differ only in id, resource type and one word nobody searches for. */
function twin(id: string, resourceType: string, word: string): string {
  return [
    '---',
    `id: ${id}`,
    `title: Frozen instance ${word}`,
    `resourceTypes: [${resourceType}]`,
    'tags: [hang]',
    '---',
    '## Unfreeze',
    `A frozen instance stops answering its health checks; take a screenshot, then reset it (${word}).`,
  ].join('\n');
}
