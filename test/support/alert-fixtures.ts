import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/alerts');

/** The raw text of a fixture, e.g. `alertFixtureText('cloudwatch/alarm-firing.json')`. */
export function alertFixtureText(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

export function alertFixture(path: string): unknown {
  return JSON.parse(alertFixtureText(path)) as unknown;
}
