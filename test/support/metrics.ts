import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { CloudResource } from '../../src/stores/graph.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import type { AccountLookup } from '../../src/metrics/credentials.ts';

/** The demo estates' resources, as the graph holds them: real-looking ARNs, Azure ids and GCP names. */
export function demoResources(): CloudResource[] {
  return ['demo', 'globex'].flatMap((name) => {
    const path = fileURLToPath(new URL(`../../src/demo/estate/${name}.yaml`, import.meta.url));
    const file = parseYaml(readFileSync(path, 'utf8')) as { resources: (Omit<CloudResource, 'region' | 'state' | 'tags'> & Partial<CloudResource>)[] };
    return file.resources.map((r) => ({ ...r, region: r.region ?? 'global', state: r.state ?? 'unknown', tags: r.tags ?? {} }));
  });
}

export function demoResource(name: string, accountId?: string): CloudResource {
  const found = demoResources().find((r) => r.name === name && (accountId === undefined || r.accountId === accountId));
  if (!found) throw new Error(`no demo resource ${name}`);
  return found;
}

export function accountsOf(accounts: CloudAccountConfig[]): AccountLookup {
  return async (_orgId, accountId) => accounts.find((a) => a.accountId === accountId);
}

/** Evenly spaced values at `periodSeconds`, ending at `endMs`; a ramp in the last `rampPoints`. */
export function points(count: number, endMs: number, periodSeconds: number, value: (i: number) => number): { t: number; v: number }[] {
  return Array.from({ length: count }, (_, i) => ({ t: endMs - (count - 1 - i) * periodSeconds * 1000, v: value(i) }));
}

/** Fast retries for tests: the behaviour is the same, the waits are milliseconds. */
export const quickRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
