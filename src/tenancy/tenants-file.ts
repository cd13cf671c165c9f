import { readFile } from 'node:fs/promises';
import { CompanionError } from '../errors.ts';
import { TenantsFile } from './organization.ts';
import { formatZodIssues, parseWithLines } from '../validation.ts';

/** Reads and validates tenants.yaml; a problem names the file, the path and what to change. */
export async function loadTenantsFile(path: string): Promise<TenantsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CompanionError('tenant_file_invalid', `Cannot read the tenants file ${path}.`, {
      hint: 'Set TENANTS_FILE to a readable tenants.yaml (see README, "Tenants").',
      cause: error,
    });
  }
  return parseTenantsYaml(text, path);
}

export function parseTenantsYaml(text: string, source = 'tenants.yaml'): TenantsFile {
  const document = parseWithLines(text);
  if (document.syntaxError) {
    throw new CompanionError('tenant_file_invalid', `${source} is not valid YAML: ${document.syntaxError}`, {
      hint: 'Fix the YAML syntax at the line shown.',
    });
  }
  const parsed = TenantsFile.safeParse(document.value);
  if (!parsed.success) {
    throw new CompanionError('tenant_file_invalid', `${source} is invalid:\n${formatZodIssues(parsed.error, document.locate)}`, {
      hint: 'Correct the fields listed above.',
    });
  }
  return parsed.data;
}
