import type { Intent } from '../request.ts';

/**
 * Natural phrasings of the commands: "list approvals", "show me the metrics of X", "what's the CPU
 * of X", "what depends on X", "what does X depend on", "is X healthy?", "tell me about X", "what
 * would break if X went down?", a bare resource name. Returns undefined for anything else, which
 * is then investigated as a question. A question about a problem ("why is X slow?") never matches
 * here: only these read-only shapes do, so a misread can cost an answer but never an action.
 */
export function parseNatural(text: string): Intent | undefined {
  const t = normalise(text);
  if (!t) return undefined;
  for (const rule of rules) {
    const match = rule.pattern.exec(t);
    if (!match) continue;
    const intent = rule.intent(match.groups ?? {});
    if (intent) return withOriginalCase(intent, text);
  }
  if (hypothetical.test(t)) return { kind: 'ask', question: text.trim(), hypothetical: true };
  return undefined;
}

/** One resource name: an id or name token (ARNs, Azure ids and GCP names included), optionally quoted. */
const NAME = String.raw`[\`'"]?(?<name>[\w/][\w.:/@+=-]*)[\`'"]?`;
/** A metric word a person would use, mapped to metric names by the metrics answer. */
const METRIC = String.raw`(?<metric>cpu|memory|mem|latency|response time|errors?|5xx|4xx|connections|throttl(?:es|ing)|backlog|queue depth|invocations|duration|iops|disk|storage|requests|traffic)`;
const FAILS = String.raw`(?:went|goes|go|were to go|was to go|is|was|were|became|becomes|got)\s+(?:down|offline|away|unavailable|unreachable|dark)|(?:fails|failed|fail|dies|died|crashes|crashed|stops|stopped|breaks|broke|is deleted|was deleted|were deleted|is lost|disappears|disappeared|had an outage|has an outage)`;
const WINDOW = String.raw`(?:\s+(?:over|for|in)\s+(?:the\s+)?(?:last|past)\s+(?<amount>\d+)\s*(?<unit>m|min|mins|minutes?|h|hours?|d|days?))?`;

interface Rule {
  pattern: RegExp;
  intent(groups: Record<string, string | undefined>): Intent | undefined;
}

const named = (kind: 'resource' | 'health' | 'impact') => (g: Record<string, string | undefined>): Intent | undefined => (isName(g.name) ? { kind, name: g.name } : undefined);

const rules: Rule[] = [
  // Approvals: "list approvals", "show pending approvals", "any approvals waiting?", "what is waiting for approval"
  { pattern: /^(?:(?:list|show|display|get|see|view|check)(?:\s+me)?\s+)?(?:(?:the|all|my|our|any)\s+)?(?:(?:pending|open|outstanding|waiting)\s+)?approvals?(?:\s+requests?)?(?:\s+(?:pending|waiting|open))?$/, intent: () => ({ kind: 'approvals' }) },
  { pattern: /^(?:are there\s+|is there\s+)?(?:any(?:thing)?\s+)?(?:pending|open|outstanding)\s+approvals?(?:\s+requests?)?$/, intent: () => ({ kind: 'approvals' }) },
  { pattern: /^(?:what(?:'s| is| are)|anything)\s+(?:waiting|pending)\s+(?:for\s+)?(?:my\s+|an?\s+)?approvals?$/, intent: () => ({ kind: 'approvals' }) },
  // Help
  { pattern: /^(?:what can you do|how do i use (?:you|this)|commands|usage)$/, intent: () => ({ kind: 'help' }) },
  // Impact: "what would break if X went down", "what happens if X fails", "blast radius of X"
  { pattern: new RegExp(String.raw`^(?:what|who|which\s+\w+)(?:\s+(?:would|will|could|might|else))*\s+(?:break|fail|be affected|be impacted|be hit|stop working|go down|happens?|suffer)(?:\s+to\s+\w+)?,?\s+(?:if|when)\s+(?:the\s+)?${NAME}\s+(?:${FAILS})$`), intent: named('impact') },
  { pattern: new RegExp(String.raw`^if\s+(?:the\s+)?${NAME}\s+(?:${FAILS}),?\s+(?:what|who)\s+(?:would\s+|will\s+)?(?:break|happens?|fails?|is affected|gets hit)$`), intent: named('impact') },
  { pattern: new RegExp(String.raw`^what if\s+(?:the\s+)?${NAME}\s+(?:${FAILS})$`), intent: named('impact') },
  { pattern: new RegExp(String.raw`^(?:(?:show|what is|what's|whats)\s+(?:me\s+)?)?(?:the\s+)?(?:blast radius|impact)\s+(?:of|for)\s+(?:losing\s+)?(?:the\s+)?${NAME}(?:\s+(?:going down|failing|outage|down))?$`), intent: named('impact') },
  { pattern: new RegExp(String.raw`^${NAME}(?:'s)?\s+blast radius$`), intent: named('impact') },
  // Dependencies
  { pattern: new RegExp(String.raw`^(?:what|who|which\s+\w+)\s+(?:depends|relies|calls|uses|needs|reads from|writes to|talks to)\s+(?:on\s+)?(?:the\s+)?${NAME}$`), intent: deps('dependents') },
  { pattern: new RegExp(String.raw`^(?:show\s+(?:me\s+)?)?(?:the\s+)?(?:dependents|consumers|callers|upstream)\s+(?:of|for)\s+(?:the\s+)?${NAME}$`), intent: deps('dependents') },
  { pattern: new RegExp(String.raw`^(?:what|which\s+\w+)\s+does\s+(?:the\s+)?${NAME}\s+(?:depend|rely)\s+on$`), intent: deps('dependencies') },
  { pattern: new RegExp(String.raw`^(?:what|which\s+\w+)\s+does\s+(?:the\s+)?${NAME}\s+(?:use|need|call|talk to|read from|write to)$`), intent: deps('dependencies') },
  { pattern: new RegExp(String.raw`^(?:show\s+(?:me\s+)?|list\s+)?(?:the\s+)?(?:dependencies|deps|downstream)\s+(?:of|for)\s+(?:the\s+)?${NAME}$`), intent: deps('dependencies') },
  { pattern: new RegExp(String.raw`^${NAME}(?:'s)?\s+(?:dependencies|deps)$`), intent: deps('dependencies') },
  // Metrics: "show me the metrics of X", "metrics for X over the last 6h", "what's the CPU of X"
  { pattern: new RegExp(String.raw`^(?:(?:show|get|give|display|pull up|graph|chart)(?:\s+me)?\s+)?(?:the\s+)?(?:key\s+|current\s+|latest\s+)?(?:metrics|stats|statistics|graphs?|charts?|numbers)\s+(?:of|for|on)\s+(?:the\s+)?${NAME}${WINDOW}$`), intent: metrics },
  { pattern: new RegExp(String.raw`^(?:what(?:'s| is| are)|whats|show(?:\s+me)?|get|check|how (?:much|high) is)\s+(?:the\s+)?(?:current\s+)?${METRIC}(?:\s+(?:utili[sz]ation|usage|load|rate|count))?\s+(?:of|for|on)\s+(?:the\s+)?${NAME}${WINDOW}$`), intent: metrics },
  { pattern: new RegExp(String.raw`^(?:what(?:'s| is)|whats|show(?:\s+me)?)\s+(?:the\s+)?${NAME}'s\s+${METRIC}(?:\s+(?:utili[sz]ation|usage|load|rate|count))?$`), intent: metrics },
  { pattern: new RegExp(String.raw`^how much ${METRIC} (?:is|does)\s+(?:the\s+)?${NAME}\s+(?:using|use|have)$`), intent: metrics },
  // Health: "is X healthy?", "how is X doing", "status of X"
  { pattern: new RegExp(String.raw`^(?:is|are)\s+(?:the\s+)?${NAME}\s+(?:healthy|ok|okay|up|alright|all right|fine|working|running|available|down|broken|unhealthy|in trouble|having (?:problems|issues))(?:\s+(?:right\s+)?now)?$`), intent: named('health') },
  { pattern: new RegExp(String.raw`^how(?:'s| is)\s+(?:the\s+)?${NAME}(?:\s+(?:doing|looking))?(?:\s+(?:right\s+)?now)?$`), intent: named('health') },
  { pattern: new RegExp(String.raw`^(?:(?:what(?:'s| is)|show(?:\s+me)?|check)\s+)?(?:the\s+)?(?:health|status)\s+(?:of|for)\s+(?:the\s+)?${NAME}$`), intent: named('health') },
  { pattern: new RegExp(String.raw`^(?:health\s*check|check)\s+(?:the\s+)?${NAME}$`), intent: named('health') },
  { pattern: new RegExp(String.raw`^${NAME}\s+(?:health|status)$`), intent: named('health') },
  // Resource: "tell me about X", "describe X", "what is X", "who owns X", a bare name
  { pattern: new RegExp(String.raw`^(?:tell me (?:more\s+)?about|describe|details (?:of|for|on)|info (?:on|about|for)|information (?:on|about)|who owns|who is on[- ]?call for|owner of)\s+(?:the\s+)?${NAME}$`), intent: named('resource') },
  { pattern: new RegExp(String.raw`^(?:show(?:\s+me)?|look up|lookup|find)\s+(?:the\s+)?${NAME}$`), intent: (g) => (isName(g.name) && looksLikeId(g.name) ? { kind: 'resource', name: g.name } : undefined) },
  { pattern: new RegExp(String.raw`^(?:what|where)(?:'s| is)\s+(?:the\s+)?${NAME}$`), intent: (g) => (isName(g.name) && looksLikeId(g.name) ? { kind: 'resource', name: g.name } : undefined) },
  { pattern: new RegExp(String.raw`^${NAME}$`), intent: (g) => (isName(g.name) && looksLikeId(g.name) ? { kind: 'resource', name: g.name } : undefined) },
];

/** "What if we restart X?", "should I scale X?": answered from evidence, but never proposes. */
const hypothetical = /^(?:what if|what would happen if|what happens if|suppose|supposing|imagine|hypothetically|should (?:i|we)|would it help (?:if|to)|if (?:i|we) (?:restart|reboot|scale|redeploy|stop|delete))\b/;

function deps(direction: 'dependencies' | 'dependents') {
  return (g: Record<string, string | undefined>): Intent | undefined => (isName(g.name) ? { kind: 'deps', name: g.name, direction } : undefined);
}

function metrics(g: Record<string, string | undefined>): Intent | undefined {
  if (!isName(g.name)) return undefined;
  const minutes = windowMinutes(g.amount, g.unit);
  return { kind: 'metrics', name: g.name, windowMinutes: minutes, ...(g.metric ? { metric: canonicalMetric(g.metric) } : {}) };
}

function windowMinutes(amount: string | undefined, unit: string | undefined): number {
  if (!amount || !unit) return 60;
  const n = Number(amount);
  const minutes = unit.startsWith('d') ? n * 1440 : unit.startsWith('h') ? n * 60 : n;
  return Math.min(Math.max(minutes, 5), 1440);
}

/** The user's metric word, in the form the metrics answer filters on. */
function canonicalMetric(word: string): string {
  if (word === 'mem') return 'memory';
  if (word === 'error' || word === 'errors' || word === '5xx' || word === '4xx') return 'errors';
  if (word === 'response time') return 'latency';
  if (word.startsWith('throttl')) return 'throttles';
  if (word === 'queue depth') return 'backlog';
  if (word === 'traffic') return 'requests';
  return word;
}

/** Words that fill a name slot in a sentence but name nothing ("is it healthy", "what is happening"). */
const notNames = new Set([
  'it', 'this', 'that', 'they', 'them', 'everything', 'anything', 'something', 'all', 'up', 'down', 'going', 'happening', 'wrong',
  'the', 'a', 'an', 'my', 'our', 'me', 'you', 'there', 'here', 'now', 'on', 'broken', 'slow', 'new', 'next', 'why', 'how', 'what',
]);

function isName(name: string | undefined): name is string {
  return name !== undefined && /[a-z0-9]/i.test(name) && !notNames.has(name.toLowerCase());
}

/** A lone word is read as a resource name only when it looks like one: "checkout-api", "orders_queue", "db01", an ARN. */
function looksLikeId(name: string): boolean {
  // A leading slash only starts an Azure resource id or a GCP full resource name, never "/cloud".
  if (name.startsWith('/') && !/^(?:\/subscriptions\/|\/\/)/i.test(name)) return false;
  return /[-_.:/]|\d/.test(name) && /[a-z]/i.test(name);
}

/** Names keep the case the user typed them in (ids such as Azure's are matched exactly first). */
function withOriginalCase(intent: Intent, text: string): Intent {
  if (!('name' in intent)) return intent;
  const at = text.toLowerCase().indexOf(intent.name);
  return at === -1 ? intent : { ...intent, name: text.slice(at, at + intent.name.length) };
}

/** Lower case, no politeness, no closing punctuation, single spaces, straight apostrophes. */
function normalise(text: string): string {
  return text
    .trim()
    .replace(/[\u2018\u2019]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^(?:hey|hi|hello|ok|okay|so|and)[,!]?\s+/, '')
    .replace(/^(?:please|pls|can you|could you|would you|will you)\s+(?:please\s+)?/, '')
    .replace(/\s+please$/, '')
    .replace(/[?.!\s]+$/, '');
}
