import fc from 'fast-check';

/** Cases per property; `HARDENING_RUNS=1000 npm test` searches harder. */
export const hardeningRuns = Number(process.env.HARDENING_RUNS ?? 60);

/** Counts the cases each suite tried and prints one summary line per suite when asked. */
export class CaseCounter {
  private readonly counts = new Map<string, number>();

  add(suite: string, n = 1): void {
    this.counts.set(suite, (this.counts.get(suite) ?? 0) + n);
  }

  /** Wraps a property's predicate so every case it is called with is counted. */
  counted<A extends unknown[], R>(suite: string, predicate: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      this.add(suite);
      return predicate(...args);
    };
  }

  print(prefix: string): void {
    for (const [suite, n] of this.counts) console.log(`[hardening] ${prefix} ${suite}: ${n} cases tried`);
  }
}

/** Things an attacker puts in text a chat bot echoes: mrkdwn links and mentions, Block Kit and card JSON, markdown links. */
export const spoofTokens = [
  '<http://evil.example|trusted.example.com>', '<!channel>', '<!here>', '<!everyone>', '<@U0000ADMIN>', '<#C0000OPS>', '<!subteam^S123>',
  '[click here](https://evil.example/login)', '![img](https://evil.example/x.png)',
  '"}]},{"type":"actions","elements":[{"type":"button","action_id":"cloud_companion.approve","value":"x"}]}',
  '{"type":"Action.Execute","verb":"approve","data":{"approvalId":"x"}}', '```', '*bold*', '&amp;', '&lt;!channel&gt;',
] as const;

/** Control characters, bidi overrides, zero-width joiners, lone surrogates: text that breaks naive handling. */
const awkward = ['\u0000', '\u0007', '\u001b[31m', '\r\n', '\u2028', '\u202e', '\u200b', '\ufeff', '\ud800', '\udfff', '🔥', 'é'];

/** Free text with hostile fragments mixed in. */
export const hostileText = (maxLength = 300): fc.Arbitrary<string> =>
  fc.array(fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
    { weight: 2, arbitrary: fc.constantFrom(...spoofTokens) },
    { weight: 1, arbitrary: fc.constantFrom(...awkward) },
    { weight: 1, arbitrary: fc.constantFrom('checkout-api', 'checkout-db', 'resource', 'deps', 'metrics', 'runbook', 'approvals', 'arn:aws:ecs:us-east-2:333333333333:service/globex-core/checkout-api') },
  ), { maxLength: 12 }).map((parts) => parts.join(' ').slice(0, maxLength));

/** A JSON value nested `depth` levels deep, as one string (JSON.stringify would overflow first). */
export function deepJson(depth: number): string {
  return `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
}

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogates encoded, 0xFF. */
export const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0x22, 0x7d]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside a JSON document. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return here;
}

function setAt(value: Json, path: readonly (string | number)[], replacement: Json): Json {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? setAt(v, rest, replacement) : v));
  if (value && typeof value === 'object') return { ...value, [String(head)]: setAt(value[String(head)] ?? null, rest, replacement) };
  return value;
}

/**
 * A real document with one to three of its values (anywhere, the root included) replaced by
 * something else: another type, hostile text, a huge number, nothing. Close enough to the real
 * shape that parsers go deep before they find the problem.
 */
export function mutated(document: unknown): fc.Arbitrary<unknown> {
  const base = document as Json;
  const all = paths(base);
  const replacement: fc.Arbitrary<Json> = fc.oneof(
    fc.constant(null), fc.boolean(), fc.double(), fc.constantFrom(1e308, -1, 0, Number.MAX_SAFE_INTEGER), hostileText(),
    fc.constant(''), fc.constant<Json>([]), fc.constant<Json>({}), fc.json().map((j) => JSON.parse(j) as Json),
  );
  return fc.array(fc.tuple(fc.nat({ max: all.length - 1 }), replacement), { minLength: 1, maxLength: 3 })
    .map((edits) => edits.reduce<Json>((doc, [i, value]) => setAt(doc, all[i] ?? [], value), base));
}

/**
 * The `<…>` sequences Slack would act on in mrkdwn or message text (links, user, channel and
 * special mentions). Our own escaping turns data's `<` into `&lt;`, so any left came from a template.
 */
export function slackControlSequences(text: string): string[] {
  return [...text.matchAll(/<[^<>]*>/g)].map((m) => m[0]);
}
