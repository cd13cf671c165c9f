import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { bundledTenantsFile } from '../../src/config.ts';

interface OrgYaml { id: string; seed?: Record<string, string>; [key: string]: unknown }

/**
 * The bundled demo tenants with some fields of one organization changed (e.g. `groups`), written to a
 * temporary file; seed paths become absolute so the demo estate still loads from there.
 */
export function demoTenantsWith(orgId: string, changes: Record<string, unknown>): string {
  const file = parse(readFileSync(bundledTenantsFile, 'utf8')) as { organizations: OrgYaml[] };
  const base = dirname(bundledTenantsFile);
  for (const org of file.organizations) {
    if (org.seed) org.seed = Object.fromEntries(Object.entries(org.seed).map(([k, v]) => [k, resolve(base, v)]));
    if (org.id === orgId) Object.assign(org, changes);
  }
  const path = join(mkdtempSync(join(tmpdir(), 'cc-tenants-')), 'tenants.yaml');
  writeFileSync(path, stringify(file));
  return path;
}
