/**
 * Reply text uses chat markdown as the core writes it (`*bold*`, `_italic_`, `` `code` ``). Adaptive
 * Card TextBlocks in Teams render a smaller markdown: `**bold**`, `_italic_`, lists and links, no
 * code spans. This converts one to the other and defuses link syntax coming from data (resource
 * names, runbook text), so a card can never carry a link nobody wrote.
 */
export function toCardMarkdown(text: string): string {
  return escapeAngles(text)
    // Link syntax from data: break `](` so `[label](url)` stays literal text.
    .replace(/\]\(/g, ']\u200B(')
    // The core's examples name Slack's slash command; in Teams the same grammar follows an @mention.
    .replace(/`\/cloud(?= |`)/g, '`@Cloud Companion')
    .replace(/`([^`\n]+)`/g, '"$1"')
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?![*\w])/g, '$1**$2**');
}

/** Cuts text to a budget without splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * Data shown inside a card (names, values, parameters): link syntax is defused. Emphasis characters
 * are left alone: Teams' renderers differ on backslash escapes, and a stray `*` only changes style.
 */
export function plain(text: string): string {
  return escapeAngles(text).replace(/\]\(/g, ']\u200B(');
}

/**
 * Teams' card markdown takes `<question>` for an HTML tag and shows nothing; the character
 * references `&lt;` and `&gt;` show the brackets (as the Agents Playground, which renders cards
 * as Teams does, shows). Idempotent: an escaped text has no brackets left.
 */
export function escapeAngles(text: string): string {
  return text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
