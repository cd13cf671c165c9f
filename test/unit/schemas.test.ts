import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publishedSchemas } from '../../src/schemas.ts';

describe('published JSON Schemas', () => {
  it.each(publishedSchemas().map((s) => [s.file, s.schema] as const))('%s matches the code (run `npm run schemas` after changing a format)', (file, schema) => {
    expect(JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'))).toEqual(schema);
  });
});
