import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { bundledTenantsFile, loadConfig } from '../../src/config.ts';
import { parseTenantsYaml } from '../../src/tenancy/tenants-file.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const yaml = <T>(path: string): T => parseYaml(read(path)) as T;

interface ConfigMap { data: Record<string, string> }
interface Secret { stringData: Record<string, string> }
interface Deployment {
  spec: { template: { spec: {
    containers: { volumeMounts: { name: string; mountPath: string }[] }[];
    volumes: { name: string; configMap?: { name: string } }[];
  } } };
}
interface Kustomization { resources: string[]; configMapGenerator?: { name: string; files: string[] }[] }

/** The environment a pod of deploy/k8s gets: the image's ENV, the ConfigMap, the example Secret. */
function podEnv(): Record<string, string> {
  const imageEnv = Object.fromEntries([...read('Dockerfile').matchAll(/\b(NODE_ENV|PORT|HOST)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
  return { ...imageEnv, ...yaml<ConfigMap>('deploy/k8s/configmap.yaml').data, ...yaml<Secret>('deploy/k8s/secret.example.yaml').stringData };
}

describe('demo tenants are never a deployment\'s tenants by accident (issue #20)', () => {
  it('refuses the bundled demo organizations under NODE_ENV=production unless ALLOW_DEMO_TENANTS says so', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TENANTS_FILE: is not set.*ALLOW_DEMO_TENANTS=true/s);
    expect(() => loadConfig({ NODE_ENV: 'production', TENANTS_FILE: bundledTenantsFile })).toThrow(/ALLOW_DEMO_TENANTS/);
    expect(loadConfig({ NODE_ENV: 'production', ALLOW_DEMO_TENANTS: 'true' }).tenantsFile).toBe(bundledTenantsFile);
    expect(loadConfig({ NODE_ENV: 'production', TENANTS_FILE: '/etc/cloud-companion/tenants.yaml' }).tenantsFile).toBe('/etc/cloud-companion/tenants.yaml');
    // A newcomer's `npm start` from a checkout keeps the demo.
    expect(loadConfig({}).tenantsFile).toBe(bundledTenantsFile);
  });

  it('the Docker image refuses the demo unless asked, and docker compose (a local try) asks', () => {
    expect(read('Dockerfile')).toMatch(/NODE_ENV=production/);
    const compose = yaml<{ services: { bot: { environment: Record<string, string> } } }>('docker-compose.yml');
    expect(compose.services.bot.environment.ALLOW_DEMO_TENANTS).toBe('${ALLOW_DEMO_TENANTS:-true}');
  });

  it('deploy/k8s sets TENANTS_FILE and mounts it from a ConfigMap that kustomize generates from tenants.yaml', () => {
    const env = podEnv();
    const config = loadConfig(env);
    expect(config.tenantsFile).not.toBe(bundledTenantsFile);
    const kustomization = yaml<Kustomization>('deploy/k8s/kustomization.yaml');
    const generator = kustomization.configMapGenerator?.find((g) => g.files.includes(basename(config.tenantsFile)));
    expect(generator, 'a configMapGenerator holding the tenants file').toBeDefined();
    const pod = yaml<Deployment>('deploy/k8s/deployment.yaml').spec.template.spec;
    const volume = pod.volumes.find((v) => v.configMap?.name === generator?.name);
    expect(volume, 'a volume from the tenants ConfigMap').toBeDefined();
    expect(pod.containers[0]?.volumeMounts).toContainEqual(expect.objectContaining({ name: volume?.name, mountPath: dirname(config.tenantsFile) }));
    // The example a deployer copies to tenants.yaml is a valid tenants file whose secrets the example Secret names.
    const example = parseTenantsYaml(read('deploy/k8s/tenants.example.yaml'), 'deploy/k8s/tenants.example.yaml');
    const named = example.organizations.flatMap((o) => o.alerts?.webhooks.flatMap((w) => (w.secretEnv ? [w.secretEnv] : [])) ?? []);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(env).toHaveProperty(name);
  });

  it('the example Secret leaves Teams off, and an all-zero app id is refused as the placeholder it is', () => {
    expect(loadConfig(podEnv()).teams).toBeUndefined();
    for (const doc of parseAllDocuments(read('deploy/k8s/secret.example.yaml'))) expect(JSON.stringify(doc.toJSON())).not.toMatch(/00000000-0000-0000-0000-000000000000/);
    expect(() => loadConfig({ MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000000', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TENANT_ID: '00000000-0000-0000-0000-000000000000' }))
      .toThrow(/MICROSOFT_APP_ID: is the all-zero placeholder/);
  });
});
