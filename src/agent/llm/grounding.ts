/**
 * The grounding check on a model's answer: every number, resource id and runbook id it states must
 * appear in what the model was given (the evidence pack and the tool outputs), and a comparison it
 * states ("CPU is above 80%") must agree with the value it quotes. A sentence that fails is left out
 * of the answer and listed, so an ungrounded claim is never shown as fact.
 */
export interface GroundingResult {
  /** The answer without the sentences that failed. */
  text: string;
  /** One line per sentence left out: the claim and why. */
  removed: string[];
}

/** Integers this small are counts and list positions ("2 tasks", "step 3"), not measurements. */
const smallestCheckedNumber = 10;

const idPatterns = [
  /\barn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[^\s`'"()<>\]]+/gi,
  /\/subscriptions\/[0-9a-f-]{8,}\/[^\s`'"()<>\]]+/gi,
  /\/\/[a-z]+\.googleapis\.com\/projects\/[^\s`'"()<>\]]+/gi,
];

/** `[runbook-id § Section]` or `[runbook-id]` citations. */
const citationPattern = /\[([a-z0-9][a-z0-9._-]{1,80})(?:\s*§[^\]]*)?\]/gi;

/** Numbers with their decimals, optionally followed by a unit we can convert. */
const numberPattern = /(?<![\w.:/-])(\d+(?:[.,]\d+)?)\s*(ms|s|sec|seconds|%|percent|min|minutes)?(?![\w])/gi;

interface Quantity {
  value: number;
  decimals: number;
  unit?: string;
  raw: string;
}

function quantities(sentence: string): Quantity[] {
  const out: Quantity[] = [];
  for (const match of sentence.matchAll(numberPattern)) {
    const raw = (match[1] ?? '').replace(',', '.');
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    out.push({ value, decimals: raw.includes('.') ? (raw.split('.')[1]?.length ?? 0) : 0, raw: match[0].trim(), ...(match[2] ? { unit: match[2].toLowerCase() } : {}) });
  }
  return out;
}

/** Every number in the sources, once, for lookups by closeness. */
function sourceNumbers(sources: string): number[] {
  const seen = new Set<number>();
  for (const match of sources.matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi)) {
    const value = Number(match[0]);
    if (Number.isFinite(value)) seen.add(Math.abs(value));
  }
  return [...seen];
}

/** A quoted number is grounded when a source number rounds to it, in its unit or a converted one. */
function grounded(quantity: Quantity, known: readonly number[]): boolean {
  if (Number.isInteger(quantity.value) && quantity.value <= smallestCheckedNumber) return true;
  const tolerance = quantity.decimals > 0 ? 0.5 * 10 ** -quantity.decimals : 0.5;
  const candidates = [quantity.value];
  // "2.4 s" may stand for 2400 ms in the data, "2400 ms" for 2.4 s.
  if (quantity.unit === 's' || quantity.unit === 'sec' || quantity.unit === 'seconds') candidates.push(quantity.value * 1000);
  if (quantity.unit === 'ms') candidates.push(quantity.value / 1000);
  if (quantity.unit === 'min' || quantity.unit === 'minutes') candidates.push(quantity.value * 60);
  return candidates.some((want) => known.some((have) => Math.abs(have - want) <= tolerance * (want === quantity.value ? 1 : Math.max(1, want / quantity.value))));
}

/** "above 80" while every other number in the sentence is below 80 (or the reverse) is a false comparison. */
function falseComparison(sentence: string): string | undefined {
  const comparison = /\b(above|over|exceed(?:s|ing)?|higher than|more than|greater than|below|under|lower than|less than)\s+(?:its\s+|the\s+)?(?:threshold\s+(?:of\s+)?)?(\d+(?:\.\d+)?)/i.exec(sentence);
  if (!comparison?.[1] || !comparison[2]) return undefined;
  const bound = Number(comparison[2]);
  const upward = /above|over|exceed|higher|more|greater/i.test(comparison[1]);
  const others = quantities(sentence.replace(comparison[0], ' ')).map((q) => q.value).filter((v) => !(Number.isInteger(v) && v <= smallestCheckedNumber));
  if (others.length === 0) return undefined;
  const contradicts = upward ? others.every((v) => v < bound) : others.every((v) => v > bound);
  return contradicts ? `says "${comparison[0]}" but quotes ${others.join(', ')}` : undefined;
}

function splitSentences(text: string): string[] {
  // Keep line structure (lists, headings); split prose lines at sentence ends.
  return text.split(/(?<=\n)|(?<=[.!?])\s+(?=[A-Z*_`[(])/);
}

export function checkGrounding(answer: string, sources: readonly string[]): GroundingResult {
  const corpus = sources.join('\n');
  const lowerCorpus = corpus.toLowerCase();
  const known = sourceNumbers(corpus);
  const removed: string[] = [];
  const kept: string[] = [];
  for (const sentence of splitSentences(answer)) {
    const problems: string[] = [];
    for (const pattern of idPatterns) {
      for (const id of sentence.match(pattern) ?? []) {
        const clean = id.replace(/[.,;:]+$/, '');
        if (!lowerCorpus.includes(clean.toLowerCase())) problems.push(`id ${clean} is not in the evidence`);
      }
    }
    for (const match of sentence.matchAll(citationPattern)) {
      const id = match[1] ?? '';
      // Only ids that look like runbook ids (with a dash) are checked; [1] or [x] are not citations.
      if (id.includes('-') && !lowerCorpus.includes(id.toLowerCase())) problems.push(`runbook ${id} is not in the evidence`);
    }
    const withoutIds = idPatterns.reduce((s, p) => s.replace(p, ' '), sentence).replace(citationPattern, ' ');
    for (const quantity of quantities(withoutIds)) {
      if (!grounded(quantity, known)) problems.push(`${quantity.raw} is not in the evidence`);
    }
    const comparison = falseComparison(withoutIds);
    if (comparison) problems.push(comparison);
    if (problems.length === 0) {
      kept.push(sentence);
    } else {
      const claim = sentence.trim().replace(/\s+/g, ' ');
      removed.push(`"${claim.length > 140 ? `${claim.slice(0, 139)}…` : claim}": ${[...new Set(problems)].join('; ')}`);
    }
  }
  return { text: kept.join(' ').replace(/ *\n */g, '\n').replace(/ {2,}/g, ' ').trim(), removed };
}
