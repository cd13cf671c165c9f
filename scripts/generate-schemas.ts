// Writes the JSON Schemas published in docs/schemas/ from the zod schemas the code validates with.
// A unit test fails when the committed files drift from the code: run `npm run schemas` after a change.
import { writeFileSync } from 'node:fs';
import { publishedSchemas } from '../src/schemas.ts';

for (const { file, schema } of publishedSchemas()) {
  writeFileSync(new URL(`../${file}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}
