import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompanionError } from '../errors.ts';
import { parseRunbook } from '../runbooks/parse.ts';
import type { Runbook } from '../stores/runbooks.ts';

/** Reads every `*.md` runbook of a folder; one invalid file rejects the whole folder. */
export async function loadRunbookDir(dir: string): Promise<Runbook[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  } catch (error) {
    throw new CompanionError('input_invalid', `Cannot read runbook folder ${dir}: ${(error as Error).message}`, { hint: 'Point it at a folder of Markdown runbooks.' });
  }
  const runbooks = await Promise.all(names.map(async (name) => parseRunbook(await readFile(join(dir, name), 'utf8'), join(dir, name))));
  const seen = new Map<string, string>();
  for (const [i, runbook] of runbooks.entries()) {
    const other = seen.get(runbook.id);
    if (other) throw new CompanionError('input_invalid', `Runbook id "${runbook.id}" is used by both ${other} and ${names[i] ?? ''}.`, { hint: 'Give each runbook its own id.' });
    seen.set(runbook.id, names[i] ?? '');
  }
  return runbooks;
}
