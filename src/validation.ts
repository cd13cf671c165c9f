import type { z } from 'zod';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';

/** One line per problem, each with its path, so a person can find and fix it. */
export function formatZodIssues(error: z.ZodError, locate?: (path: readonly PropertyKey[]) => number | undefined): string {
  return error.issues
    .map((issue) => {
      const line = locate?.(issue.path);
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `  - ${where}${line ? ` (line ${line})` : ''}: ${issue.message}`;
    })
    .join('\n');
}

export interface ParsedText {
  value: unknown;
  /** Line of the node at a path, or of its closest existing parent. */
  locate(path: readonly PropertyKey[]): number | undefined;
  syntaxError?: string;
}

/** Parses YAML or JSON (JSON is YAML) keeping positions, so validation errors can name a line. */
export function parseWithLines(text: string): ParsedText {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: true });
  const first = doc.errors[0];
  const locate = (path: readonly PropertyKey[]): number | undefined => {
    for (let depth = path.length; depth >= 0; depth -= 1) {
      const node = doc.getIn(path.slice(0, depth).map((p) => (typeof p === 'symbol' ? String(p) : p)), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (first) {
    const line = first.linePos?.[0]?.line;
    return { value: undefined, locate, syntaxError: `${first.message.split('\n')[0] ?? first.code}${line ? ` (line ${line})` : ''}` };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), locate };
  } catch (error) {
    // An alias without its anchor, or aliases that would expand past the limit (a YAML bomb), only fail here.
    return { value: undefined, locate, syntaxError: (error as Error).message.split('\n')[0] ?? 'unreadable YAML' };
  }
}
