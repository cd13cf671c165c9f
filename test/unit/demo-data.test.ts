import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { actionCatalog, findActionKind } from '../../src/approvals/catalog.ts';
import { RecordedMetricsFile } from '../../src/metrics/recorded.ts';
import { chunkRunbook, parseRunbook } from '../../src/runbooks/parse.ts';
import { EstateSchema, type Estate } from '../../src/stores/estate.ts';
import type { Runbook } from '../../src/stores/runbooks.ts';
import type { Organization } from '../../src/tenancy/organization.ts';
import { parseTenantsYaml } from '../../src/tenancy/tenants-file.ts';

/** The bundled demo data that `npm start` runs on: every file must pass the schemas the app loads it with. */
const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/demo');
const tenantsPath = join(demoDir, 'tenants.yaml');
const tenants = parseTenantsYaml(readFileSync(tenantsPath, 'utf8'), tenantsPath);

interface OrgData {
  org: Organization;
  estatePath: string;
  estate: Estate;
  runbookPaths: string[];
  runbooks: Runbook[];
  metricsPath: string;
  metrics: RecordedMetricsFile;
}

function seedPath(org: Organization, key: 'estate' | 'runbooks' | 'metrics'): string {
  const relative = org.seed?.[key];
  if (!relative) throw new Error(`${org.id} has no seed.${key}`);
  return resolve(dirname(tenantsPath), relative);
}

function load(org: Organization): OrgData {
  const estatePath = seedPath(org, 'estate');
  const estate = EstateSchema.parse(parseYaml(readFileSync(estatePath, 'utf8')));
  const runbookDir = seedPath(org, 'runbooks');
  const runbookPaths = readdirSync(runbookDir).filter((f) => f.endsWith('.md')).sort().map((f) => join(runbookDir, f));
  const runbooks = runbookPaths.map((path) => parseRunbook(readFileSync(path, 'utf8'), path));
  const metricsPath = seedPath(org, 'metrics');
  const metrics = RecordedMetricsFile.parse(JSON.parse(readFileSync(metricsPath, 'utf8')));
  return { org, estatePath, estate, runbookPaths, runbooks, metricsPath, metrics };
}

const orgs = tenants.organizations.map(load);
const byId = new Map(orgs.map((data) => [data.org.id, data]));

function org(id: string): OrgData {
  const data = byId.get(id);
  if (!data) throw new Error(`no organization ${id}`);
  return data;
}

function resourceNamed(data: OrgData, name: string) {
  const found = data.estate.resources.filter((r) => r.name === name);
  const [resource, ...others] = found;
  if (!resource || others.length > 0) throw new Error(`${data.org.id}: expected one resource named ${name}, found ${found.length}`);
  return resource;
}

describe('bundled demo tenants', () => {
  it('has the demo and globex organizations with their bindings', () => {
    expect(tenants.organizations.map((o) => o.id)).toEqual(['demo', 'globex']);
    const demo = org('demo').org;
    expect(demo.bindings.slack.teams).toEqual(['T00000001']);
    expect(demo.bindings.teams.tenants).toEqual(['00000000-0000-0000-0000-000000000001']);
    expect(demo.accounts.map((a) => a.accountId)).toEqual(['111111111111', '222222222222', 'aaaaaaaa-0000-0000-0000-000000000001', 'demo-gcp-prod']);
    expect(demo.defaultChannel).toEqual({ accounts: ['*'], actions: ['*'], alerts: false });
    expect(demo.channels.find((c) => c.channelId === 'C0000STAGING')).toMatchObject({ accounts: ['222222222222'], actions: [] });
    expect(demo.channels.find((c) => c.channelId === 'C0000ALERTS')).toMatchObject({ alerts: true });
    const globex = org('globex').org;
    expect(globex.bindings.slack.teams).toEqual(['T00000002']);
    expect(globex.bindings.teams.tenants).toEqual(['00000000-0000-0000-0000-000000000002']);
    expect(globex.accounts.map((a) => a.accountId)).toEqual(['333333333333', 'globex-prod']);
  });

  it('lets channels name only their own accounts and catalog action kinds', () => {
    for (const { org: o } of orgs) {
      const accountIds = new Set(o.accounts.map((a) => a.accountId));
      for (const policy of [o.defaultChannel, ...o.channels]) {
        for (const account of policy.accounts) expect(account === '*' || accountIds.has(account), `${o.id}: ${account}`).toBe(true);
        for (const pattern of policy.actions) {
          const matches = pattern === '*' ? actionCatalog : actionCatalog.filter((a) =>
            pattern.endsWith('*') ? a.kind.startsWith(pattern.slice(0, -1)) : a.kind === pattern);
          expect(matches.length, `${o.id}: action pattern ${pattern} matches a catalog kind`).toBeGreaterThan(0);
        }
      }
    }
  });
});

describe.each(orgs.map((data) => [data.org.id, data] as const))('demo data of %s', (_id, data) => {
  const accountIds = new Set(data.org.accounts.map((a) => a.accountId));
  const resourceIds = new Set(data.estate.resources.map((r) => r.id));
  const resourceTypes = new Set(data.estate.resources.map((r) => r.type));

  it('estate: unique ids, accounts of the organization, endpoints that exist', () => {
    expect(resourceIds.size).toBe(data.estate.resources.length);
    expect(new Set(data.estate.resources.map((r) => `${r.accountId}/${r.name}`)).size).toBe(data.estate.resources.length);
    for (const account of data.estate.accounts) expect(accountIds.has(account.accountId), account.accountId).toBe(true);
    for (const resource of data.estate.resources) {
      expect(accountIds.has(resource.accountId), `${resource.id} account ${resource.accountId}`).toBe(true);
      const account = data.org.accounts.find((a) => a.accountId === resource.accountId);
      expect(resource.provider, resource.id).toBe(account?.provider);
      // The id is the provider's own, and names the resource's account.
      if (resource.provider === 'aws') expect(resource.id).toMatch(/^arn:aws:[a-z0-9-]+:/);
      if (resource.provider === 'azure') expect(resource.id.startsWith(`/subscriptions/${resource.accountId}/resourceGroups/`), resource.id).toBe(true);
      if (resource.provider === 'gcp') expect(resource.id).toMatch(new RegExp(`^//[a-z]+\\.googleapis\\.com/projects/${resource.accountId}/`));
      if (resource.provider === 'aws' && !resource.id.startsWith('arn:aws:s3:::')) expect(resource.id).toContain(`:${resource.accountId}:`);
      expect(resource.type.startsWith(`${resource.provider}.`), resource.type).toBe(true);
    }
    const edges = new Set<string>();
    for (const rel of data.estate.relationships) {
      expect(resourceIds.has(rel.from), `relationship from ${rel.from}`).toBe(true);
      expect(resourceIds.has(rel.to), `relationship to ${rel.to}`).toBe(true);
      expect(rel.from).not.toBe(rel.to);
      const key = `${rel.from} ${rel.type} ${rel.to}`;
      expect(edges.has(key), `duplicate ${key}`).toBe(false);
      edges.add(key);
    }
  });

  it('runbooks: unique ids, catalog actions with valid params aimed at the runbook\'s resource types', () => {
    expect(data.runbooks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(data.runbooks.map((r) => r.id)).size).toBe(data.runbooks.length);
    for (const runbook of data.runbooks) {
      expect(runbook.resourceTypes.length, runbook.id).toBeGreaterThan(0);
      const sections = chunkRunbook(runbook).map((c) => c.section);
      for (const section of ['Symptoms', 'Diagnosis', 'Mitigation', 'Verification']) expect(sections, runbook.id).toContain(section);
      for (const action of runbook.actions) {
        const kind = findActionKind(action.kind);
        if (!kind) throw new Error(`${runbook.id}: action ${action.kind} is not in the catalog`);
        const params = kind.params.safeParse(action.params);
        expect(params.success, `${runbook.id}: params of ${action.kind}`).toBe(true);
        expect(kind.targets.some((t) => runbook.resourceTypes.includes(t)), `${runbook.id}: ${action.kind} targets ${kind.targets.join(', ')}`).toBe(true);
        // Something in the estate can be the target.
        expect(kind.targets.some((t) => resourceTypes.has(t)), `${runbook.id}: a ${kind.targets.join('/')} exists`).toBe(true);
      }
    }
  });

  it('metrics: every series belongs to a resource of this organization', () => {
    expect(data.metrics.series.length).toBeGreaterThan(0);
    const keys = new Set<string>();
    for (const series of data.metrics.series) {
      expect(resourceIds.has(series.resourceId), series.resourceId).toBe(true);
      expect(series.intervalSeconds).toBe(60);
      expect(series.values).toHaveLength(120);
      expect(series.values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      const key = `${series.resourceId} ${series.metric}`;
      expect(keys.has(key), `duplicate series ${key}`).toBe(false);
      keys.add(key);
    }
  });
});

describe('the demo story', () => {
  const demo = org('demo');
  const id = (name: string) => resourceNamed(demo, name).id;
  const has = (from: string, type: string, to: string) =>
    demo.estate.relationships.some((r) => r.from === id(from) && r.type === type && r.to === id(to));

  it('wires checkout-alb → checkout-tg → checkout-api → checkout-db and orders-queue', () => {
    expect(has('checkout-alb', 'ROUTES_TO', 'checkout-tg')).toBe(true);
    expect(has('checkout-tg', 'ROUTES_TO', 'checkout-api')).toBe(true);
    expect(has('prod-cluster', 'CONTAINS', 'checkout-api')).toBe(true);
    expect(has('checkout-api', 'DEPENDS_ON', 'checkout-db')).toBe(true);
    expect(has('checkout-api', 'DEPENDS_ON', 'orders-queue')).toBe(true);
    expect(has('order-worker', 'DEPENDS_ON', 'orders-queue')).toBe(true);
    expect(has('order-worker', 'DEPENDS_ON', 'orders-table')).toBe(true);
    expect(has('payments-api', 'DEPENDS_ON', 'checkout-db')).toBe(true);
    expect(has('portal-web', 'DEPENDS_ON', 'portal-db')).toBe(true);
    expect(has('portal-sql', 'CONTAINS', 'portal-db')).toBe(true);
    expect(has('search-api', 'DEPENDS_ON', 'search-db')).toBe(true);
    expect(resourceNamed(demo, 'checkout-api')).toMatchObject({ type: 'aws.ecs.service', accountId: '111111111111', region: 'us-east-1', state: 'degraded' });
    expect(demo.estate.resources.filter((r) => r.state === 'degraded').map((r) => r.name)).toEqual(['checkout-api']);
  });

  it('records checkout-api CPU rising past its threshold in the last 20 minutes', () => {
    const cpu = demo.metrics.series.find((s) => s.resourceId === id('checkout-api') && s.metric === 'CPUUtilization');
    expect(cpu?.threshold).toBe(80);
    const values = cpu?.values ?? [];
    expect(Math.max(...values.slice(0, 100))).toBeLessThan(50);
    expect(values.at(-1)).toBeGreaterThan(85);
    const latency = demo.metrics.series.find((s) => s.resourceId === id('checkout-alb') && s.metric === 'TargetResponseTime');
    expect(latency?.values.at(-1)).toBeGreaterThan(2);
  });
});

describe('tenant isolation in the demo data', () => {
  const demo = org('demo');
  const globex = org('globex');

  it('gives Globex look-alike names with ids of its own', () => {
    for (const name of ['checkout-api', 'checkout-db']) {
      const mine = resourceNamed(demo, name);
      const theirs = resourceNamed(globex, name);
      expect(theirs.id).not.toBe(mine.id);
      expect(theirs.accountId).toBe('333333333333');
    }
    resourceNamed(globex, 'billing-api');
    resourceNamed(globex, 'ledger-db');
  });

  it('never mentions one organization\'s resource ids, accounts or runbook ids in the other\'s files', () => {
    const files = (data: OrgData) => [data.estatePath, data.metricsPath, ...data.runbookPaths].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    const secrets = (data: OrgData) => [
      ...data.estate.resources.map((r) => r.id),
      ...data.org.accounts.map((a) => a.accountId),
      ...data.runbooks.map((r) => `id: ${r.id}\n`),
    ];
    for (const [mine, theirs] of [[demo, globex], [globex, demo]] as const) {
      for (const file of files(theirs)) {
        for (const secret of secrets(mine)) expect(file.text.includes(secret), `${file.path} mentions ${secret.trim()}`).toBe(false);
      }
    }
    const demoRunbooks = new Set(demo.runbooks.map((r) => r.id));
    expect(globex.runbooks.filter((r) => demoRunbooks.has(r.id))).toEqual([]);
    const demoAccounts = new Set(demo.org.accounts.map((a) => a.accountId));
    expect(globex.org.accounts.filter((a) => demoAccounts.has(a.accountId))).toEqual([]);
  });
});
