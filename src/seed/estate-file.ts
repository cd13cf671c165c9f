import { readFile } from 'node:fs/promises';
import { CompanionError } from '../errors.ts';
import { EstateSchema, type Estate } from '../stores/estate.ts';
import { formatZodIssues, parseWithLines } from '../validation.ts';

/** Reads a normalised inventory file (JSON or YAML, version 1); nothing is written if it is invalid. */
export async function loadEstateFile(path: string): Promise<Estate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CompanionError('input_invalid', `Cannot read estate file ${path}: ${(error as Error).message}`, { hint: 'Check the path.' });
  }
  const document = parseWithLines(text);
  if (document.syntaxError) {
    throw new CompanionError('input_invalid', `${path} is not valid JSON or YAML: ${document.syntaxError}`, { hint: 'Fix the syntax; nothing was written.' });
  }
  const parsed = EstateSchema.safeParse(document.value);
  if (!parsed.success) {
    throw new CompanionError('input_invalid', `${path} is not a valid estate file (format version 1):\n${formatZodIssues(parsed.error, document.locate)}`, { hint: 'See docs/estate-format.md; nothing was written.' });
  }
  const ids = new Set(parsed.data.resources.map((r) => r.id));
  const dangling = parsed.data.relationships.find((rel) => !ids.has(rel.from) || !ids.has(rel.to));
  if (dangling) {
    throw new CompanionError('input_invalid', `${path}: relationship ${dangling.from} -[${dangling.type}]-> ${dangling.to} names a resource that is not in the file.`, { hint: 'Every relationship must join two resources listed under `resources`.' });
  }
  return parsed.data;
}
