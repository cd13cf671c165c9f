import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('cloud-companion diagram', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cc-diagram-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the PNG of a resource\'s neighbourhood to --out and describes it', async () => {
    const out = join(dir, 'checkout.png');
    const run = await runCli(['diagram', '--org', 'demo', '--out', out, 'checkout-api'], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Wrote .*checkout\.png \(\d+×\d+ px, \d+ bytes\)\.\nDependency diagram of checkout-api/);
    const png = PNG.sync.read(await readFile(out));
    expect(png.width).toBeGreaterThan(300);
  });

  it('prints Mermaid text to stdout, scoped to the organization', async () => {
    const demo = await runCli(['diagram', '--org', 'demo', '--format', 'mermaid', 'all'], {});
    expect(demo.code).toBe(0);
    expect(demo.stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(demo.stdout).toContain('checkout-api');
    const globex = await runCli(['diagram', '--org', 'globex', '--format', 'mermaid', 'all'], {});
    expect(globex.code).toBe(0);
    // Globex's own accounts only: none of demo's account ids appear.
    expect(globex.stdout).not.toContain('111111111111');
  });

  it('fails with the reason for an unknown target or format', async () => {
    const missing = await runCli(['diagram', '--org', 'demo', 'no-such-resource-xyz'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No resource or account "no-such-resource-xyz"/);
    const format = await runCli(['diagram', '--org', 'demo', '--format', 'svg', 'checkout-api'], {});
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format "svg" is not one of: png, mermaid/);
  });
});
