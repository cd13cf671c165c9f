import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudAccountRecord } from '../../src/stores/estate.ts';
import type { CloudResource, GraphScope, IngestProgress, Neighbour, Relationship, ResourceCounts, ResourceGraph } from '../../src/stores/graph.ts';
import { MemoryResourceGraph } from '../../src/stores/memory/graph.ts';

/**
 * The behaviour every ResourceGraph must have, in process and in Neo4j alike: same results, same
 * order. Every test works in fresh, random organizations, so suites can share one server.
 */
export function resourceGraphContract(name: string, make: () => Promise<{ graph: ResourceGraph; cleanup?: () => Promise<void> }>): void {
  describe(`ResourceGraph contract: ${name}`, () => {
    let graph: ResourceGraph;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ graph, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    describe('ingest', () => {
      it('counts resources and the relationships whose ends exist', async () => {
        const org = newOrg();
        const estate = demoEstate();
        const withDangling = { ...estate, relationships: [...estate.relationships, { from: id.api, to: 'arn:aws:sns:us-east-1:111111111111:missing', type: 'DEPENDS_ON' as const }] };
        await expect(graph.ingest(org, withDangling)).resolves.toEqual({ resources: 12, relationships: 12, removed: 0 });
      });

      it('reads every resource back exactly, tags included', async () => {
        const org = newOrg();
        const estate = demoEstate();
        const odd = resource({
          id: 'arn:aws:s3:::odd-bucket', name: 'odd bucket', type: 'aws.s3.bucket',
          tags: { 'a=b': 'c=d', quote: `it's "quoted"`, 'json': '{"k":[1,2]}', emoji: 'ünïcødé ✓', empty: '', 'x:y/z': 'line\nbreak' },
        });
        await graph.ingest(org, { ...estate, resources: [...estate.resources, odd] });
        for (const r of [...estate.resources, odd]) {
          await expect(graph.getResource(all(org), r.id)).resolves.toEqual(r);
        }
      });

      it('keeps desired and running counts and the last change time, in reads and traversals, and drops them when the estate does', async () => {
        const org = newOrg();
        const estate = demoEstate();
        const counted = estate.resources.map((r) => (r.id === id.api ? { ...r, desiredCount: 4, runningCount: 3, changedAt: '2026-12-07T21:40:00.000Z' } : r));
        await graph.ingest(org, { ...estate, resources: counted });
        await expect(graph.getResource(all(org), id.api)).resolves.toEqual(counted.find((r) => r.id === id.api));
        const dependents = await graph.dependents(all(org), id.db, 1);
        expect(dependents.find((n) => n.resource.id === id.api)?.resource).toMatchObject({ desiredCount: 4, runningCount: 3, changedAt: '2026-12-07T21:40:00.000Z' });
        await graph.ingest(org, estate);
        const plain = await graph.getResource(all(org), id.api);
        expect(plain).toEqual(estate.resources.find((r) => r.id === id.api));
        expect(plain).not.toHaveProperty('desiredCount');
      });

      it('is idempotent: the same estate twice gives the same counts and the same answers', async () => {
        const org = newOrg();
        const first = await graph.ingest(org, demoEstate());
        const before = await snapshot(graph, org);
        await expect(graph.ingest(org, demoEstate())).resolves.toEqual(first);
        await expect(snapshot(graph, org)).resolves.toEqual(before);
        expect(before.counts.byType['aws.ecs.service']).toBe(2);
      });

      it('moves a resource that changed account, and a re-ingest of the same file keeps it there', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const estate = demoEstate();
        const moved = { ...estate, resources: estate.resources.map((r) => (r.id === id.secrets ? { ...r, accountId: acc1 } : r)) };
        await graph.ingest(org, moved);
        await graph.ingest(org, moved);
        await expect(graph.getResource(scope(org, [acc1]), id.secrets)).resolves.toMatchObject({ name: 'shared-secrets', accountId: acc1 });
        await expect(graph.getResource(scope(org, [acc2]), id.secrets)).resolves.toBeUndefined();
        expect((await graph.findResources(scope(org, [acc2]), { text: 'shared-secrets' })).map((r) => r.id)).toEqual([]);
        expect((await graph.counts(scope(org, [acc2]))).byType['aws.secretsmanager.secret']).toBeUndefined();
        expect((await graph.counts(scope(org, [acc1]))).byType['aws.secretsmanager.secret']).toBe(1);
      });

      it('replaces the estate of the accounts in the file: absent resources and relationships disappear', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const estate = demoEstate();
        const next = {
          accounts: estate.accounts.filter((a) => a.accountId === acc1),
          resources: estate.resources.filter((r) => r.accountId === acc1 && r.id !== id.queue)
            .map((r) => (r.id === id.db ? { ...r, state: 'stopped', tags: { team: 'orders' } } : r)),
          relationships: estate.relationships.filter((rel) => !(rel.from === id.worker && rel.to === id.db)),
        };
        // The dropped queue takes two relationships with it; worker → db is gone from the file.
        await expect(graph.ingest(org, next)).resolves.toEqual({ resources: 8, relationships: 9, removed: 1 });
        await expect(graph.getResource(all(org), id.queue)).resolves.toBeUndefined();
        await expect(graph.getResource(all(org), id.db)).resolves.toMatchObject({ state: 'stopped', tags: { team: 'orders' } });
        await expect(graph.findResources(all(org), { tag: { key: 'env', value: 'prod' }, type: 'aws.rds.instance' })).resolves.toEqual([]);
        expect(names(await graph.dependencies(all(org), id.api, 1))).toEqual(['orders-db:1:DEPENDS_ON', 'sessions-cache:1:DEPENDS_ON']);
        expect(names(await graph.dependents(all(org), id.db, 1))).toEqual(['checkout-api:1:DEPENDS_ON', 'main-vpc:1:CONTAINS']);
        await expect(graph.getResource(all(org), id.worker)).resolves.toMatchObject({ name: 'checkout-api-worker' });
        // Accounts not in the file are untouched, relationships from them included.
        await expect(graph.getResource(all(org), id.secrets)).resolves.toMatchObject({ name: 'shared-secrets' });
        expect(names(await graph.dependencies(all(org), id.secrets, 1))).toEqual(['audit-bucket:1:DEPENDS_ON', 'shared-key:1:DEPENDS_ON']);
        expect((await graph.counts(all(org))).byType).toEqual({
          'aws.elbv2.load-balancer': 1, 'aws.ecs.service': 2, 'aws.rds.instance': 1, 'aws.elasticache.cluster': 1, 'aws.ec2.vpc': 1,
          'aws.lambda.function': 1, 'aws.s3.bucket': 1, 'aws.secretsmanager.secret': 1, 'aws.kms.key': 1, 'azure.vm': 1,
        });
      });

      it('keeps relationships into a re-ingested account from accounts not in the file', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const estate = demoEstate();
        const onlyAcc2 = { accounts: estate.accounts.filter((a) => a.accountId === acc2), resources: estate.resources.filter((r) => r.accountId === acc2), relationships: [] };
        await expect(graph.ingest(org, onlyAcc2)).resolves.toEqual({ resources: 2, relationships: 0, removed: 0 });
        expect(names(await graph.dependencies(all(org), id.reports, 3))).toEqual(['shared-secrets:1:DEPENDS_ON']);
        expect(names(await graph.dependents(all(org), id.secrets, 1))).toEqual(['reports-job:1:DEPENDS_ON']);
        // An account listed without resources is emptied.
        await expect(graph.ingest(org, { accounts: onlyAcc2.accounts, resources: [], relationships: [] })).resolves.toEqual({ resources: 0, relationships: 0, removed: 2 });
        expect(names(await graph.dependencies(all(org), id.reports, 3))).toEqual([]);
        expect((await graph.counts(all(org))).byType['aws.kms.key']).toBeUndefined();
        await expect(graph.getResource(all(org), id.reports)).resolves.toMatchObject({ name: 'reports-job' });
      });

      it('ingests estates larger than one batch, and removes in bulk', async () => {
        const org = newOrg();
        const size = 12_000;
        const resources = Array.from({ length: size }, (_, i) => resource({ id: `bulk/${i}`, name: `bulk-${i}`, type: i % 2 ? 'aws.ec2.instance' : 'aws.ebs.volume' }));
        const relationships = resources.slice(1).map((r, i) => ({ from: `bulk/${i}`, to: r.id, type: 'DEPENDS_ON' as const }));
        const progress: IngestProgress[] = [];
        await expect(graph.ingest(org, { accounts: [], resources, relationships }, { onProgress: (p) => progress.push(p) })).resolves.toEqual({ resources: size, relationships: size - 1, removed: 0 });
        // Progress only ever grows, and ends with every resource and relationship done.
        for (const phase of ['resources', 'relationships'] as const) {
          const done = progress.filter((p) => p.phase === phase).map((p) => p.done);
          expect(done).toEqual([...done].sort((a, b) => a - b));
          expect(progress.filter((p) => p.phase === phase).at(-1)).toEqual({ phase, done: phase === 'resources' ? size : size - 1, total: phase === 'resources' ? size : size - 1 });
        }
        expect((await graph.counts(scope(org, [acc1]))).byType).toEqual({ 'aws.ec2.instance': size / 2, 'aws.ebs.volume': size / 2 });
        expect(names(await graph.dependencies(scope(org, [acc1]), 'bulk/0', 3))).toEqual(['bulk-1:1:DEPENDS_ON', 'bulk-2:2:DEPENDS_ON', 'bulk-3:3:DEPENDS_ON']);
        expect((await graph.findResources(scope(org, [acc1]), { text: 'bulk-1199' })).map((r) => r.name))
          .toEqual(['bulk-1199', ...Array.from({ length: 10 }, (_, i) => `bulk-1199${i}`)]);
        const kept = resources.slice(0, size - 5_500);
        await expect(graph.ingest(org, { accounts: [], resources: kept, relationships: relationships.slice(0, kept.length - 1) }))
          .resolves.toEqual({ resources: kept.length, relationships: kept.length - 1, removed: 5_500 });
        expect((await graph.counts(scope(org, [acc1]))).byType).toEqual({ 'aws.ec2.instance': kept.length / 2, 'aws.ebs.volume': kept.length / 2 });
        expect(names(await graph.dependents(scope(org, [acc1]), `bulk/${kept.length - 1}`, 2))).toEqual([`bulk-${kept.length - 2}:1:DEPENDS_ON`, `bulk-${kept.length - 3}:2:DEPENDS_ON`]);
        expect(names(await graph.dependencies(scope(org, [acc1]), `bulk/${kept.length - 1}`, 2))).toEqual([]);
      }, 180_000);
    });

    describe('ingest from a crawl', () => {
      const t1 = new Date('2026-11-20T08:00:00.000Z');
      const t2 = new Date('2026-11-21T08:00:00.000Z');
      const t3 = new Date('2026-11-22T08:00:00.000Z');
      /** Account 1 as a crawl of us-east-1 sees it (the Lambda in eu-west-1 and the S3 bucket are other regions). */
      const acc1East = (): ReturnType<typeof demoEstate> => {
        const estate = demoEstate();
        const resources = estate.resources.filter((r) => r.accountId === acc1 && r.region === 'us-east-1');
        const ids = new Set(resources.map((r) => r.id));
        return { accounts: estate.accounts.filter((a) => a.accountId === acc1), resources, relationships: estate.relationships.filter((rel) => ids.has(rel.from)) };
      };
      const eastTypes = [...new Set(acc1East().resources.map((r) => r.type))];
      const crawl = (observedAt: Date, types = eastTypes) => ({ crawl: { observedAt, covered: [{ region: 'us-east-1', types }] } });

      it('stamps lastSeenAt, marks what disappeared gone instead of deleting it, and keeps the rest', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        await expect(graph.ingest(org, acc1East(), crawl(t1))).resolves.toEqual({ resources: 7, relationships: 9, removed: 0 });
        await expect(graph.getResource(all(org), id.api)).resolves.toEqual({ ...demoEstate().resources[1], lastSeenAt: t1.toISOString() });

        const next = acc1East();
        next.resources = next.resources.filter((r) => r.id !== id.queue);
        next.relationships = next.relationships.filter((rel) => rel.to !== id.queue);
        await expect(graph.ingest(org, next, crawl(t2))).resolves.toEqual({ resources: 6, relationships: 7, removed: 1 });
        await expect(graph.getResource(all(org), id.queue)).resolves.toEqual({ ...demoEstate().resources[5], state: 'gone', lastSeenAt: t1.toISOString(), goneAt: t2.toISOString() });
        await expect(graph.getResource(all(org), id.db)).resolves.toMatchObject({ lastSeenAt: t2.toISOString() });
        expect((await graph.getResource(all(org), id.db))?.goneAt).toBeUndefined();
        expect(names(await graph.dependents(all(org), id.queue, 1))).toEqual([]);
        expect((await graph.counts(all(org))).byState.gone).toBe(1);
        // Outside the crawl's regions nothing changed: the Lambda keeps its edge into account 2, unstamped.
        await expect(graph.getResource(all(org), id.reports)).resolves.toEqual(demoEstate().resources[7]);
        expect(names(await graph.dependencies(all(org), id.reports, 1))).toEqual(['shared-secrets:1:DEPENDS_ON']);

        // Crawling again keeps the first time it was found gone; a resource that comes back is live again.
        await expect(graph.ingest(org, next, crawl(t3))).resolves.toEqual({ resources: 6, relationships: 7, removed: 0 });
        await expect(graph.getResource(all(org), id.queue)).resolves.toMatchObject({ state: 'gone', goneAt: t2.toISOString() });
        await graph.ingest(org, acc1East(), crawl(t3));
        const back = await graph.getResource(all(org), id.queue);
        expect(back).toEqual({ ...demoEstate().resources[5], lastSeenAt: t3.toISOString() });
        expect(names(await graph.dependents(all(org), id.queue, 1))).toEqual(['checkout-api:1:DEPENDS_ON', 'checkout-api-worker:1:DEPENDS_ON']);
      });

      it('leaves types the crawl did not cover alone: a service that failed keeps its resources and edges', async () => {
        const org = newOrg();
        await graph.ingest(org, acc1East(), crawl(t1));
        // ECS failed this time: the crawl lists no services and says it did not cover them.
        const withoutEcs = acc1East();
        withoutEcs.resources = withoutEcs.resources.filter((r) => r.type !== 'aws.ecs.service');
        withoutEcs.relationships = withoutEcs.relationships.filter((rel) => rel.from !== id.vpc && rel.from !== id.api && rel.from !== id.worker);
        await expect(graph.ingest(org, withoutEcs, crawl(t2, eastTypes.filter((t) => t !== 'aws.ecs.service'))))
          .resolves.toEqual({ resources: 5, relationships: 1, removed: 0 });
        await expect(graph.getResource(all(org), id.api)).resolves.toMatchObject({ state: 'running', lastSeenAt: t1.toISOString() });
        expect(names(await graph.dependencies(all(org), id.api, 1))).toEqual(['orders-db:1:DEPENDS_ON', 'orders-queue:1:DEPENDS_ON', 'sessions-cache:1:DEPENDS_ON']);
        // The VPC and the database were covered: that edge was replaced by what this crawl listed (none);
        // the edges into the services, which were not covered, stay.
        expect(names(await graph.dependencies(all(org), id.vpc, 1))).toEqual(['checkout-api:1:CONTAINS', 'checkout-api-worker:1:CONTAINS']);
      });

      it('a crawl that listed every region and type ("*") marks anything of the account it did not list gone', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const estate = demoEstate();
        const vmOnly = { accounts: estate.accounts.filter((a) => a.accountId === acc3), resources: [], relationships: [] };
        await expect(graph.ingest(org, vmOnly, { crawl: { observedAt: t1, covered: [{ region: '*', types: ['*'] }] } })).resolves.toEqual({ resources: 0, relationships: 0, removed: 1 });
        await expect(graph.getResource(all(org), id.vm)).resolves.toMatchObject({ state: 'gone', goneAt: t1.toISOString() });
        await expect(graph.getResource(all(org), id.api)).resolves.toMatchObject({ state: 'running' });
      });

      it('a file ingest after a crawl deletes gone resources and clears the crawl stamps', async () => {
        const org = newOrg();
        await graph.ingest(org, acc1East(), crawl(t1));
        const next = acc1East();
        next.resources = next.resources.filter((r) => r.id !== id.cache);
        next.relationships = next.relationships.filter((rel) => rel.to !== id.cache);
        await graph.ingest(org, next, crawl(t2));
        await expect(graph.ingest(org, next)).resolves.toEqual({ resources: 6, relationships: 8, removed: 1 });
        await expect(graph.getResource(all(org), id.cache)).resolves.toBeUndefined();
        await expect(graph.getResource(all(org), id.api)).resolves.toEqual(demoEstate().resources[1]);
        expect(Object.keys(await graph.getResource(all(org), id.db) ?? {})).not.toContain('lastSeenAt');
      });
    });

    describe('getResource', () => {
      it('finds nothing outside the scope, the organization or the estate', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        await expect(graph.getResource(scope(org, [acc1]), id.api)).resolves.toMatchObject({ name: 'checkout-api' });
        await expect(graph.getResource(scope(org, [acc1]), id.secrets)).resolves.toBeUndefined();
        await expect(graph.getResource(scope(org, []), id.api)).resolves.toBeUndefined();
        await expect(graph.getResource(all(newOrg()), id.api)).resolves.toBeUndefined();
        await expect(graph.getResource(all(org), 'arn:aws:ecs:us-east-1:111111111111:service/prod/nope')).resolves.toBeUndefined();
      });
    });

    describe('dependencies and dependents', () => {
      it('follows outgoing edges to the given depth, ordered by depth, then name', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(names(await graph.dependencies(scope(org, [acc1]), id.alb, 1))).toEqual(['checkout-api:1:ROUTES_TO']);
        expect(names(await graph.dependencies(scope(org, [acc1]), id.alb, 2)))
          .toEqual(['checkout-api:1:ROUTES_TO', 'orders-db:2:DEPENDS_ON', 'orders-queue:2:DEPENDS_ON', 'sessions-cache:2:DEPENDS_ON']);
        expect(names(await graph.dependencies(scope(org, [acc1]), id.alb, 5)))
          .toEqual(['checkout-api:1:ROUTES_TO', 'orders-db:2:DEPENDS_ON', 'orders-queue:2:DEPENDS_ON', 'sessions-cache:2:DEPENDS_ON']);
        expect(names(await graph.dependencies(scope(org, [acc1]), id.vpc, 1)))
          .toEqual(['checkout-api:1:CONTAINS', 'checkout-api-worker:1:CONTAINS', 'orders-db:1:CONTAINS']);
        expect(await graph.dependencies(scope(org, [acc1]), id.alb, 0)).toEqual([]);
        const [first] = await graph.dependencies(scope(org, [acc1]), id.alb, 1);
        expect(first?.resource).toEqual(demoEstate().resources.find((r) => r.id === id.api));
      });

      it('follows incoming edges for the blast radius', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(names(await graph.dependents(scope(org, [acc1]), id.db, 1)))
          .toEqual(['checkout-api:1:DEPENDS_ON', 'checkout-api-worker:1:DEPENDS_ON', 'main-vpc:1:CONTAINS']);
        expect(names(await graph.dependents(scope(org, [acc1]), id.db, 3)))
          .toEqual(['checkout-api:1:DEPENDS_ON', 'checkout-api-worker:1:DEPENDS_ON', 'main-vpc:1:CONTAINS', 'checkout-alb:2:ROUTES_TO']);
        expect(names(await graph.dependents(scope(org, [acc1]), id.queue, 2)))
          .toEqual(['checkout-api:1:DEPENDS_ON', 'checkout-api-worker:1:DEPENDS_ON', 'checkout-alb:2:ROUTES_TO', 'main-vpc:2:CONTAINS']);
        expect(await graph.dependents(scope(org, [acc1]), id.alb, 3)).toEqual([]);
      });

      it('never passes through resources outside the scope', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(names(await graph.dependencies(all(org), id.reports, 3)))
          .toEqual(['shared-secrets:1:DEPENDS_ON', 'audit-bucket:2:DEPENDS_ON', 'shared-key:2:DEPENDS_ON']);
        expect(await graph.dependencies(scope(org, [acc1]), id.reports, 3)).toEqual([]);
        expect(names(await graph.dependents(all(org), id.bucket, 2))).toEqual(['shared-secrets:1:DEPENDS_ON', 'reports-job:2:DEPENDS_ON']);
        expect(await graph.dependents(scope(org, [acc1]), id.bucket, 2)).toEqual([]);
        // A start outside the scope is invisible.
        expect(await graph.dependencies(scope(org, [acc1]), id.secrets, 2)).toEqual([]);
        expect(await graph.dependents(scope(org, [acc2]), id.db, 2)).toEqual([]);
        expect(await graph.dependencies(all(org), 'arn:aws:nothing', 2)).toEqual([]);
      });

      it('visits each resource once, at its shallowest depth, around cycles', async () => {
        const org = newOrg();
        const a = resource({ id: 'cycle/a', name: 'a' });
        const b = resource({ id: 'cycle/b', name: 'b' });
        const c = resource({ id: 'cycle/c', name: 'c' });
        await graph.ingest(org, {
          accounts: [], resources: [a, b, c],
          relationships: [
            { from: a.id, to: b.id, type: 'DEPENDS_ON' }, { from: b.id, to: c.id, type: 'DEPENDS_ON' },
            { from: c.id, to: a.id, type: 'DEPENDS_ON' }, { from: a.id, to: c.id, type: 'ATTACHED_TO' },
            { from: a.id, to: a.id, type: 'DEPENDS_ON' },
          ],
        });
        expect(names(await graph.dependencies(scope(org, [acc1]), a.id, 10))).toEqual(['b:1:DEPENDS_ON', 'c:1:ATTACHED_TO']);
        expect(names(await graph.dependents(scope(org, [acc1]), a.id, 10))).toEqual(['c:1:DEPENDS_ON', 'b:2:DEPENDS_ON']);
      });
    });

    describe('path', () => {
      it('finds the shortest undirected path through visible resources, ties broken by id', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(ids(await graph.path(scope(org, [acc1]), id.alb, id.queue))).toEqual([id.alb, id.api, id.queue]);
        // Against the edges' direction too; four shortest paths, the first by neighbour id wins.
        expect(ids(await graph.path(scope(org, [acc1]), id.alb, id.worker))).toEqual([id.alb, id.api, id.vpc, id.worker]);
        expect(ids(await graph.path(scope(org, [acc1]), id.worker, id.alb))).toEqual([id.worker, id.vpc, id.api, id.alb]);
        expect(ids(await graph.path(scope(org, [acc1]), id.alb, id.worker, 3))).toEqual([id.alb, id.api, id.vpc, id.worker]);
        expect(await graph.path(scope(org, [acc1]), id.alb, id.worker, 2)).toEqual([]);
        const [only] = await graph.path(scope(org, [acc1]), id.api, id.api);
        expect(only).toEqual(demoEstate().resources.find((r) => r.id === id.api));
        expect(await graph.path(scope(org, [acc1]), id.api, id.api)).toHaveLength(1);
      });

      it('never goes through, to or from resources outside the scope', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(ids(await graph.path(all(org), id.reports, id.bucket))).toEqual([id.reports, id.secrets, id.bucket]);
        expect(await graph.path(scope(org, [acc1]), id.reports, id.bucket)).toEqual([]);
        expect(await graph.path(scope(org, [acc1]), id.reports, id.secrets)).toEqual([]);
        expect(await graph.path(scope(org, [acc2]), id.secrets, id.bucket)).toEqual([]);
        expect(await graph.path(all(org), id.alb, id.reports)).toEqual([]);
        expect(await graph.path(all(newOrg()), id.alb, id.api)).toEqual([]);
      });
    });

    describe('counts', () => {
      it('counts by type, state and region within the scope', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        await expect(graph.counts(scope(org, [acc1]))).resolves.toEqual({
          byType: {
            'aws.elbv2.load-balancer': 1, 'aws.ecs.service': 2, 'aws.rds.instance': 1, 'aws.elasticache.cluster': 1,
            'aws.sqs.queue': 1, 'aws.ec2.vpc': 1, 'aws.lambda.function': 1, 'aws.s3.bucket': 1,
          },
          byState: { active: 3, running: 2, available: 4 },
          byRegion: { 'us-east-1': 7, 'eu-west-1': 1, global: 1 },
        });
        await expect(graph.counts(all(org))).resolves.toEqual({
          byType: {
            'aws.elbv2.load-balancer': 1, 'aws.ecs.service': 2, 'aws.rds.instance': 1, 'aws.elasticache.cluster': 1,
            'aws.sqs.queue': 1, 'aws.ec2.vpc': 1, 'aws.lambda.function': 1, 'aws.s3.bucket': 1,
            'aws.secretsmanager.secret': 1, 'aws.kms.key': 1, 'azure.vm': 1,
          },
          byState: { active: 4, running: 3, available: 4, enabled: 1 },
          byRegion: { 'us-east-1': 9, 'eu-west-1': 1, global: 1, eastus: 1 },
        });
        await expect(graph.counts(scope(org, []))).resolves.toEqual({ byType: {}, byState: {}, byRegion: {} });
        await expect(graph.counts(all(newOrg()))).resolves.toEqual({ byType: {}, byState: {}, byRegion: {} });
      });
    });

    describe('findResources', () => {
      it('matches text case-insensitively in names, ids and tag values (not tag keys), sorted by name', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const s = scope(org, [acc1]);
        expect(await found(graph, s, { text: 'checkout' })).toEqual(['checkout-alb', 'checkout-api', 'checkout-api-worker']);
        expect(await found(graph, s, { text: '  CHECKOUT-API ' })).toEqual(['checkout-api', 'checkout-api-worker']);
        expect(await found(graph, s, { text: ':db:' })).toEqual(['orders-db']);
        expect(await found(graph, s, { text: 'cc-42' })).toEqual(['checkout-api']);
        expect(await found(graph, s, { text: 'PAYMENTS' })).toEqual(['checkout-alb', 'checkout-api', 'checkout-api-worker']);
        expect(await found(graph, s, { text: 'cost-center' })).toEqual([]);
        expect(await found(graph, s, { text: 'shared' })).toEqual([]);
        expect(await found(graph, all(org), { text: 'shared' })).toEqual(['shared-key', 'shared-secrets']);
        expect(await found(graph, s, { text: '   ' })).toEqual([
          'audit-bucket', 'checkout-alb', 'checkout-api', 'checkout-api-worker', 'main-vpc', 'orders-db', 'orders-queue', 'reports-job', 'sessions-cache',
        ]);
      });

      it('filters by type and tag, and limits', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const s = scope(org, [acc1]);
        expect(await found(graph, s, { type: 'aws.ecs.service' })).toEqual(['checkout-api', 'checkout-api-worker']);
        expect(await found(graph, s, { type: 'aws.ecs.service', text: 'worker' })).toEqual(['checkout-api-worker']);
        expect(await found(graph, s, { type: 'aws.ecs' })).toEqual([]);
        expect(await found(graph, s, { tag: { key: 'team' } })).toEqual(['checkout-alb', 'checkout-api', 'checkout-api-worker', 'orders-db']);
        expect(await found(graph, s, { tag: { key: 'team', value: 'orders' } })).toEqual(['orders-db']);
        expect(await found(graph, s, { tag: { key: 'team', value: 'Orders' } })).toEqual([]);
        expect(await found(graph, s, { tag: { key: 'cost-center' } })).toEqual(['checkout-api']);
        expect(await found(graph, s, { tag: { key: 'env', value: 'prod' }, text: 'orders' })).toEqual(['orders-db']);
        expect(await found(graph, s, { limit: 2 })).toEqual(['audit-bucket', 'checkout-alb']);
        expect(await found(graph, s, { text: 'checkout', limit: 1 })).toEqual(['checkout-alb']);
      });

      it('matches a tag filter or text within one tag, never across tags or inside stored JSON', async () => {
        const org = newOrg();
        await graph.ingest(org, { accounts: [], relationships: [], resources: [
          resource({ id: 'r/json', name: 'json-value', tags: { note: '{"env":"prod"}', 'say "hi"': 'x:"y"' } }),
          resource({ id: 'r/two', name: 'two-tags', tags: { a: 'foo', b: 'bar' } }),
          resource({ id: 'r/env', name: 'real-env', tags: { env: 'prod' } }),
        ] });
        const s = scope(org, [acc1]);
        expect(await found(graph, s, { tag: { key: 'env' } })).toEqual(['real-env']);
        expect(await found(graph, s, { tag: { key: 'env', value: 'prod' } })).toEqual(['real-env']);
        expect(await found(graph, s, { tag: { key: 'say "hi"', value: 'x:"y"' } })).toEqual(['json-value']);
        expect(await found(graph, s, { tag: { key: 'say "hi"', value: 'x' } })).toEqual([]);
        expect(await found(graph, s, { tag: { key: 'a', value: 'foo' } })).toEqual(['two-tags']);
        expect(await found(graph, s, { tag: { key: 'a', value: 'fo' } })).toEqual([]);
        expect(await found(graph, s, { text: 'foo\nbar' })).toEqual([]);
        expect(await found(graph, s, { text: '"env":"prod"' })).toEqual(['json-value']);
        expect(await found(graph, s, { text: 'X:"Y' })).toEqual(['json-value']);
        expect(await found(graph, s, { text: 'prod' })).toEqual(['json-value', 'real-env']);
      });

      it('returns 25 by default, ordered by name then id', async () => {
        const org = newOrg();
        const many = Array.from({ length: 30 }, (_, i) => resource({ id: `svc/${String(29 - i).padStart(2, '0')}`, name: `svc-${String(29 - i).padStart(2, '0')}` }));
        const twins = [resource({ id: 'twin/b', name: 'svc-00' }), resource({ id: 'twin/a', name: 'svc-00' })];
        await graph.ingest(org, { accounts: [], resources: [...many, ...twins], relationships: [] });
        const result = await graph.findResources(scope(org, [acc1]), { text: 'svc' });
        expect(result).toHaveLength(25);
        expect(result.slice(0, 4).map((r) => r.id)).toEqual(['svc/00', 'twin/a', 'twin/b', 'svc/01']);
        expect(result.at(-1)?.name).toBe('svc-22');
        expect(result[0]).toEqual(many.find((r) => r.id === 'svc/00'));
      });
    });

    describe('resolveMentions', () => {
      it('finds names mentioned as whole words, longest first', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        const s = scope(org, [acc1]);
        expect(await mentioned(graph, s, 'checkout-api-worker is throwing 500s')).toEqual(['checkout-api-worker']);
        expect(await mentioned(graph, s, 'Is checkout-api slow? Look at orders-db.')).toEqual(['checkout-api', 'orders-db']);
        expect(await mentioned(graph, s, 'why is CHECKOUT-ALB returning 502s')).toEqual(['checkout-alb']);
        expect(await mentioned(graph, s, 'checkout-api, orders-db, main-vpc and sessions-cache', 2)).toEqual(['sessions-cache', 'checkout-api']);
        expect(await mentioned(graph, s, 'checkout-apis and xorders-db are not names here')).toEqual([]);
        expect(await mentioned(graph, s, 'hello there')).toEqual([]);
        expect(await mentioned(graph, s, '')).toEqual([]);
      });

      it('finds ids mentioned verbatim, ahead of names', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(await mentioned(graph, all(org), `what about ("${id.db}")? and checkout-api-worker`)).toEqual(['orders-db', 'checkout-api-worker']);
        expect(await mentioned(graph, all(org), `Alarm for ${id.alb.toUpperCase()}.`)).toEqual(['checkout-alb']);
        expect(await mentioned(graph, all(org), `restart ${id.vm}, please`)).toEqual(['vm-frontend-01']);
        expect(await mentioned(graph, all(org), `<${id.bucket}|audit bucket>`)).toEqual(['audit-bucket']);
      });

      it('finds only visible resources', async () => {
        const org = newOrg();
        await graph.ingest(org, demoEstate());
        expect(await mentioned(graph, scope(org, [acc1]), 'shared-secrets is locked')).toEqual([]);
        expect(await mentioned(graph, all(org), 'shared-secrets is locked')).toEqual(['shared-secrets']);
        expect(await mentioned(graph, scope(org, [acc1]), id.secrets)).toEqual([]);
        expect(await mentioned(graph, all(newOrg()), 'checkout-api')).toEqual([]);
      });

      it('handles names with spaces, punctuation and characters outside ASCII', async () => {
        const org = newOrg();
        const odd = ['Payments Gateway', '(legacy) billing', '日本語サービス', 'api', 'api.v2', 'db.', 'x'].map((n, i) => resource({ id: `odd/${i}`, name: n }));
        await graph.ingest(org, { accounts: [], resources: odd, relationships: [] });
        const s = scope(org, [acc1]);
        expect(await mentioned(graph, s, 'the payments gateway is down')).toEqual(['Payments Gateway']);
        expect(await mentioned(graph, s, 'is (legacy) billing ok?')).toEqual(['(legacy) billing']);
        expect(await mentioned(graph, s, '日本語サービス が落ちた')).toEqual(['日本語サービス']);
        expect(await mentioned(graph, s, 'api.v2 is fine')).toEqual(['api.v2']);
        expect(await mentioned(graph, s, 'call the api.')).toEqual(['api']);
        expect(await mentioned(graph, s, 'the db. is full')).toEqual(['db.']);
        expect(await mentioned(graph, s, 'x marks the spot, not api-x')).toEqual(['x']);
      });
    });

    describe('tenant isolation', () => {
      const hostile = [
        `o'brien "quoted"`, 'back`tick`', `'}) MATCH (n) DETACH DELETE n //`, '{', 'name:* OR', '{ Get { Runbook { text } } }', `\\"); DROP`,
      ];

      it('another organization with the same account and resource ids sees none of it', async () => {
        const a = newOrg();
        const b = newOrg();
        await graph.ingest(a, demoEstate());
        const one = resource({ id: id.api, name: 'b-only', accountId: acc1 });
        await expect(graph.ingest(b, { accounts: demoEstate().accounts, resources: [one], relationships: [] })).resolves.toEqual({ resources: 1, relationships: 0, removed: 0 });
        await expect(graph.getResource(all(b), id.api)).resolves.toEqual(one);
        await expect(graph.getResource(all(a), id.api)).resolves.toMatchObject({ name: 'checkout-api' });
        await expect(graph.getResource(all(b), id.db)).resolves.toBeUndefined();
        expect(await graph.dependencies(all(b), id.api, 3)).toEqual([]);
        expect(await graph.dependents(all(b), id.api, 3)).toEqual([]);
        expect(await found(graph, all(b), {})).toEqual(['b-only']);
        expect(await mentioned(graph, all(b), 'checkout-api orders-db')).toEqual([]);
        expect((await graph.counts(all(a))).byType['aws.ecs.service']).toBe(2);
        expect(names(await graph.dependencies(all(a), id.alb, 1))).toEqual(['checkout-api:1:ROUTES_TO']);
      });

      it('keeps hostile organization ids, names, ids and tags apart', async () => {
        const suffix = randomUUID();
        const orgs = hostile.map((h) => `${h}-${suffix}`);
        for (const [i, org] of orgs.entries()) {
          await graph.ingest(org, { accounts: [], resources: [resource({ id: `${hostile[i]}#id`, name: hostile[i] ?? '', tags: { [hostile[i] ?? '']: hostile[i] ?? '' } })], relationships: [] });
        }
        const victim = newOrg();
        await graph.ingest(victim, demoEstate());
        for (const [i, org] of orgs.entries()) {
          const h = hostile[i] ?? '';
          const s = scope(org, [acc1]);
          expect(await found(graph, s, {})).toEqual([h]);
          expect(await found(graph, s, { text: h })).toEqual([h]);
          expect(await found(graph, s, { tag: { key: h, value: h } })).toEqual([h]);
          await expect(graph.getResource(s, `${h}#id`)).resolves.toMatchObject({ name: h, tags: { [h]: h } });
          await expect(graph.counts(s)).resolves.toEqual({ byType: { 'aws.ec2.instance': 1 }, byState: { running: 1 }, byRegion: { 'us-east-1': 1 } });
          expect(await mentioned(graph, s, `is ${h} down?`)).toEqual([h]);
          for (const [j, other] of orgs.entries()) {
            if (j === i) continue;
            await expect(graph.getResource(scope(other, [acc1]), `${h}#id`)).resolves.toBeUndefined();
            expect(await found(graph, scope(other, [acc1]), { text: h })).toEqual(hostile[j]?.toLowerCase().includes(h.toLowerCase()) ? [hostile[j]] : []);
          }
          expect(await found(graph, all(victim), { text: h })).toEqual([]);
        }
        // Nothing was deleted or changed by the hostile strings.
        await expect(snapshot(graph, victim)).resolves.toEqual(await snapshotOf(demoEstate()));
      });
    });
  });
}

// ——— fixtures ———

export const acc1 = '111111111111';
export const acc2 = '222222222222';
export const acc3 = '3333aaaa-0000-4000-8000-000000000003';

export const id = {
  alb: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/checkout-alb/50dc6c495c0c9188',
  api: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api',
  worker: 'arn:aws:ecs:us-east-1:111111111111:service/prod/checkout-api-worker',
  db: 'arn:aws:rds:us-east-1:111111111111:db:orders-db',
  cache: 'arn:aws:elasticache:us-east-1:111111111111:cluster:sessions-cache',
  queue: 'arn:aws:sqs:us-east-1:111111111111:orders-queue',
  vpc: 'arn:aws:ec2:us-east-1:111111111111:vpc/vpc-0a1b2c3d',
  reports: 'arn:aws:lambda:eu-west-1:111111111111:function:reports-job',
  bucket: 'arn:aws:s3:::audit-bucket-111111111111',
  secrets: 'arn:aws:secretsmanager:us-east-1:222222222222:secret:shared-secrets-AbCdEf',
  kms: 'arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  vm: `/subscriptions/${acc3}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-frontend-01`,
};

export function resource(fields: Partial<CloudResource> & Pick<CloudResource, 'id' | 'name'>): CloudResource {
  return { provider: 'aws', accountId: acc1, type: 'aws.ec2.instance', region: 'us-east-1', state: 'running', tags: {}, ...fields };
}

/**
 * checkout-alb → checkout-api → orders-db, sessions-cache, orders-queue; checkout-api-worker → orders-queue,
 * orders-db; main-vpc contains api, worker and db; reports-job (account 1) → shared-secrets (account 2)
 * → audit-bucket (account 1) and shared-key (account 2); one Azure VM in a third account.
 */
export function demoEstate(): { accounts: CloudAccountRecord[]; resources: CloudResource[]; relationships: Relationship[] } {
  return {
    accounts: [
      { provider: 'aws', accountId: acc1, name: 'production' },
      { provider: 'aws', accountId: acc2, name: 'shared services' },
      { provider: 'azure', accountId: acc3, name: 'azure prod' },
    ],
    resources: [
      resource({ id: id.alb, name: 'checkout-alb', type: 'aws.elbv2.load-balancer', state: 'active', tags: { team: 'payments', env: 'prod' } }),
      resource({ id: id.api, name: 'checkout-api', type: 'aws.ecs.service', tags: { team: 'payments', env: 'prod', 'cost-center': 'CC-42' } }),
      resource({ id: id.worker, name: 'checkout-api-worker', type: 'aws.ecs.service', tags: { team: 'payments', env: 'prod' } }),
      resource({ id: id.db, name: 'orders-db', type: 'aws.rds.instance', state: 'available', tags: { team: 'orders', env: 'prod' } }),
      resource({ id: id.cache, name: 'sessions-cache', type: 'aws.elasticache.cluster', state: 'available', tags: { env: 'prod' } }),
      resource({ id: id.queue, name: 'orders-queue', type: 'aws.sqs.queue', state: 'active' }),
      resource({ id: id.vpc, name: 'main-vpc', type: 'aws.ec2.vpc', state: 'available' }),
      resource({ id: id.reports, name: 'reports-job', type: 'aws.lambda.function', state: 'active', region: 'eu-west-1' }),
      resource({ id: id.bucket, name: 'audit-bucket', type: 'aws.s3.bucket', state: 'available', region: 'global' }),
      resource({ id: id.secrets, accountId: acc2, name: 'shared-secrets', type: 'aws.secretsmanager.secret', state: 'active' }),
      resource({ id: id.kms, accountId: acc2, name: 'shared-key', type: 'aws.kms.key', state: 'enabled' }),
      resource({ id: id.vm, provider: 'azure', accountId: acc3, name: 'vm-frontend-01', type: 'azure.vm', region: 'eastus', tags: { Environment: 'Production' } }),
    ],
    relationships: [
      { from: id.alb, to: id.api, type: 'ROUTES_TO' },
      { from: id.api, to: id.db, type: 'DEPENDS_ON' },
      { from: id.api, to: id.cache, type: 'DEPENDS_ON' },
      { from: id.api, to: id.queue, type: 'DEPENDS_ON' },
      { from: id.worker, to: id.queue, type: 'DEPENDS_ON' },
      { from: id.worker, to: id.db, type: 'DEPENDS_ON' },
      { from: id.vpc, to: id.api, type: 'CONTAINS' },
      { from: id.vpc, to: id.worker, type: 'CONTAINS' },
      { from: id.vpc, to: id.db, type: 'CONTAINS' },
      { from: id.reports, to: id.secrets, type: 'DEPENDS_ON' },
      { from: id.secrets, to: id.bucket, type: 'DEPENDS_ON' },
      { from: id.secrets, to: id.kms, type: 'DEPENDS_ON' },
    ],
  };
}

function newOrg(): string {
  return `org-${randomUUID()}`;
}

function scope(orgId: string, accountIds: string[]): GraphScope {
  return { orgId, accountIds };
}

function all(orgId: string): GraphScope {
  return scope(orgId, [acc1, acc2, acc3]);
}

function names(neighbours: Neighbour[]): string[] {
  return neighbours.map((n) => `${n.resource.name}:${n.depth}:${n.via}`);
}

function ids(resources: CloudResource[]): string[] {
  return resources.map((r) => r.id);
}

async function found(graph: ResourceGraph, s: GraphScope, query: Parameters<ResourceGraph['findResources']>[1]): Promise<string[]> {
  return (await graph.findResources(s, query)).map((r) => r.name);
}

async function mentioned(graph: ResourceGraph, s: GraphScope, text: string, limit?: number): Promise<string[]> {
  return (await graph.resolveMentions(s, text, limit)).map((r) => r.name);
}

/** Everything an organization's estate answers, for before/after comparisons. */
async function snapshot(graph: ResourceGraph, org: string): Promise<{ counts: ResourceCounts } & Record<string, unknown>> {
  const s = all(org);
  const estate = demoEstate();
  return {
    resources: await Promise.all(estate.resources.map((r) => graph.getResource(s, r.id))),
    counts: await graph.counts(s),
    dependencies: await Promise.all(estate.resources.map(async (r) => names(await graph.dependencies(s, r.id, 3)))),
    dependents: await Promise.all(estate.resources.map(async (r) => names(await graph.dependents(s, r.id, 3)))),
    found: await found(graph, s, { limit: 100 }),
  };
}

/** The snapshot of the demo estate, computed in a fresh organization of a reference graph. */
async function snapshotOf(estate: ReturnType<typeof demoEstate>): Promise<Awaited<ReturnType<typeof snapshot>>> {
  const reference = new MemoryResourceGraph();
  const org = newOrg();
  await reference.ingest(org, estate);
  return snapshot(reference, org);
}
