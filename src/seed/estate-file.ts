import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CompanionError } from '../errors.ts';
import { EstateSchema, type Estate } from '../stores/estate.ts';
import { formatZodIssues } from '../validation.ts';

/** Reads a normalised inventory file (JSON or YAML, version 1); nothing is written if it is invalid. */
export async function loadEstateFile(path: string): Promise<Estate> {
  let raw: unknown;
  try {
    const text = await readFile(path, 'utf8');
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new CompanionError('input_invalid', `Cannot read estate file ${path}: ${(error as Error).message}`, { hint: 'Check the path and the JSON/YAML syntax.' });
  }
  const parsed = EstateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CompanionError('input_invalid', `${path} is not a valid estate file (format version 1):\n${formatZodIssues(parsed.error)}`, { hint: 'See docs/estate-format.md.' });
  }
  const ids = new Set(parsed.data.resources.map((r) => r.id));
  const dangling = parsed.data.relationships.find((rel) => !ids.has(rel.from) || !ids.has(rel.to));
  if (dangling) {
    throw new CompanionError('input_invalid', `${path}: relationship ${dangling.from} -[${dangling.type}]-> ${dangling.to} names a resource that is not in the file.`, { hint: 'Every relationship must join two resources listed under `resources`.' });
  }
  return parsed.data;
}
