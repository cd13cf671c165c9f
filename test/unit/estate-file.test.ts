import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEstateFile } from '../../src/seed/estate-file.ts';

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'estate-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const valid = `version: 1
resources:
  - { id: a, provider: aws, accountId: "1", type: aws.ecs.service, name: api }
  - { id: b, provider: aws, accountId: "1", type: aws.rds.instance, name: db }
relationships:
  - { from: a, to: b, type: DEPENDS_ON }
`;

describe('estate files', () => {
  it('reads YAML and JSON alike, filling defaults', async () => {
    const yaml = await loadEstateFile(await file('e.yaml', valid));
    expect(yaml.resources[0]).toEqual({ id: 'a', provider: 'aws', accountId: '1', type: 'aws.ecs.service', name: 'api', region: 'global', state: 'unknown', tags: {} });
    const json = await loadEstateFile(await file('e.json', JSON.stringify({ version: 1, resources: yaml.resources, relationships: yaml.relationships })));
    expect(json).toEqual(yaml);
  });

  it('names the path and line of the first problem', async () => {
    const bad = valid.replace('provider: aws, accountId: "1", type: aws.rds.instance', 'provider: oracle, accountId: "1", type: aws.rds.instance');
    await expect(loadEstateFile(await file('bad.yaml', bad))).rejects.toThrow(/resources\.1\.provider \(line 4\)/);
    const json = await file('bad.json', '{\n  "version": 1,\n  "resources": [\n    { "id": "" }\n  ]\n}');
    await expect(loadEstateFile(json)).rejects.toThrow(/resources\.0\.id \(line 4\)/);
  });

  it('rejects syntax errors and dangling relationships before anything is written', async () => {
    await expect(loadEstateFile(await file('broken.yaml', 'version: 1\nresources: [\n'))).rejects.toThrow(/not valid JSON or YAML.*line/);
    await expect(loadEstateFile(await file('dangling.yaml', valid.replace('to: b', 'to: c')))).rejects.toThrow(/names a resource that is not in the file/);
    await expect(loadEstateFile('/nonexistent/estate.yaml')).rejects.toThrow(/Cannot read estate file/);
  });
});
