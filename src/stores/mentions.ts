import type { CloudResource } from './estate.ts';

/**
 * How strongly free text names a resource: the full id or the name as a whole word (a name may
 * contain dashes, dots and underscores). Longer names win, so "checkout-api-worker" beats
 * "checkout-api". Shared by every ResourceGraph so they rank alike.
 */
export function mentionScore(text: string, resource: Pick<CloudResource, 'id' | 'name'>): number {
  const haystack = text.toLowerCase();
  if (haystack.includes(resource.id.toLowerCase())) return 1000 + resource.id.length;
  return containsWord(haystack, resource.name.toLowerCase()) ? resource.name.length : 0;
}

const wordChar = /[a-z0-9_-]/;
/** Characters that join parts of one id (an ARN, a path, a domain) but also end sentences. */
const joiner = /[.:/]/;

function containsWord(haystack: string, needle: string): boolean {
  if (needle.length === 0) return false;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    if (!continuesWord(haystack, at - 1, -1) && !continuesWord(haystack, at + needle.length, 1)) return true;
  }
  return false;
}

// "checkout-db." ends a sentence, but "arn:…:db:checkout-db" and "checkout-db.internal" are other ids.
function continuesWord(text: string, index: number, step: 1 | -1): boolean {
  const char = text.charAt(index);
  if (char === '') return false;
  if (wordChar.test(char)) return true;
  return joiner.test(char) && wordChar.test(text.charAt(index + step));
}
