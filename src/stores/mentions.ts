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

const wordChar = /[a-z0-9_.-]/;

function containsWord(haystack: string, needle: string): boolean {
  if (needle.length === 0) return false;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = at === 0 ? '' : haystack.charAt(at - 1);
    const after = haystack.charAt(at + needle.length);
    // A trailing dot ends a sentence, not a name.
    const afterIsWord = after !== '' && wordChar.test(after) && !(after === '.' && !wordChar.test(haystack.charAt(at + needle.length + 1) || ' '));
    if (!(before && wordChar.test(before)) && !afterIsWord) return true;
  }
  return false;
}
