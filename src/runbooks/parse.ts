import matter from 'gray-matter';
import { parse as parseYaml } from 'yaml';
import { CompanionError } from '../errors.ts';
import { RunbookFrontMatter, type Runbook, type RunbookChunk } from '../stores/runbooks.ts';
import { formatZodIssues, parseWithLines } from '../validation.ts';

/** Parses one runbook Markdown file with YAML front matter. */
export function parseRunbook(markdown: string, source: string): Runbook {
  let file: matter.GrayMatterFile<string>;
  try {
    file = matter(markdown, { engines: { yaml: (text: string) => parseYaml(text) as object } });
  } catch (error) {
    throw new CompanionError('input_invalid', `${source}: the front matter is not valid YAML.`, { hint: 'Fix the block between the --- lines.', cause: error });
  }
  const front = RunbookFrontMatter.safeParse(file.data);
  if (!front.success) {
    const locate = frontMatterLines(markdown);
    const first = front.error.issues.map((issue) => locate(issue.path)).find((line) => line !== undefined);
    const conditionIssue = front.error.issues.some((issue) => issue.path.at(-1) === 'when');
    throw new CompanionError('input_invalid', `${source}${first ? `:${first}` : ''}: invalid front matter:\n${formatZodIssues(front.error, locate)}`, {
      hint: conditionIssue
        ? 'Fix the action\'s `when` condition; the grammar is in docs/runbook-rules.md.'
        : 'Every runbook needs at least `id` and `title` in its front matter.',
    });
  }
  return { ...front.data, body: file.content.trim() };
}

/**
 * Line numbers in the runbook file for a front matter path: the front matter starts on line 2,
 * after the opening `---`.
 */
function frontMatterLines(markdown: string): (path: readonly PropertyKey[]) => number | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(markdown);
  if (!match?.[1]) return () => undefined;
  const parsed = parseWithLines(match[1]);
  return (path) => {
    const line = parsed.locate(path);
    return line === undefined ? undefined : line + 1;
  };
}

const maxChunkChars = 2000;

/**
 * Splits a runbook at its headings: each section is searched and cited on its own. Long sections
 * are cut at paragraph boundaries so a chunk stays small enough for an embedding model.
 */
export function chunkRunbook(runbook: Runbook): RunbookChunk[] {
  const sections: { section: string; lines: string[] }[] = [{ section: runbook.title, lines: [] }];
  for (const line of runbook.body.split('\n')) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) sections.push({ section: heading[1], lines: [] });
    else sections.at(-1)?.lines.push(line);
  }
  const chunks: RunbookChunk[] = [];
  for (const { section, lines } of sections) {
    for (const text of splitLong(lines.join('\n').trim())) {
      if (!text) continue;
      chunks.push({
        runbookId: runbook.id, title: runbook.title, section, text,
        resourceTypes: runbook.resourceTypes, services: runbook.services, tags: runbook.tags, severity: runbook.severity,
        position: chunks.length,
      });
    }
  }
  return chunks;
}

function splitLong(text: string): string[] {
  if (text.length <= maxChunkChars) return [text];
  const parts: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n{2,}/)) {
    if (current && current.length + paragraph.length + 2 > maxChunkChars) {
      parts.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${paragraph}` : paragraph;
    while (current.length > maxChunkChars) {
      parts.push(current.slice(0, maxChunkChars));
      current = current.slice(maxChunkChars);
    }
  }
  if (current) parts.push(current);
  return parts;
}
