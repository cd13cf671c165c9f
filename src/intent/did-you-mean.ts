import type { CloudResource } from '../stores/graph.ts';

/**
 * "Did you mean …" for a name that resolves to nothing: close misspellings by edit distance, else
 * the nearest real names by shared words and by the kind of resource the name says it is
 * ("payments-queue" → the queues there are). Pure: the caller passes the channel's own resources
 * (tenant- and account-scoped), so nothing from another organization or channel can be suggested.
 */
export interface NameSuggestions {
  /** Names within a few edits of what was typed, closest first. */
  misspellings: CloudResource[];
  /** No close spelling: resources sharing a word or the kind the name implies, nearest first. */
  related: CloudResource[];
  /** The kind of resource the name implies ("queue"), when it names one. */
  kind?: string;
}

const maxSuggestions = 3;

export function suggestNames(typed: string, candidates: readonly CloudResource[]): NameSuggestions {
  const query = typed.trim().toLowerCase();
  const unique = [...new Map(candidates.map((r) => [r.id, r])).values()].filter((r) => r.name.toLowerCase() !== query);
  const limit = typoBudget(query);
  const misspellings = unique
    .map((resource) => ({ resource, distance: editDistance(query, resource.name.toLowerCase()) }))
    .filter((s) => s.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.resource.name.localeCompare(b.resource.name));
  // Only the closest spellings: "chekout-api" means checkout-api, not also checkout-alb.
  const closest = misspellings[0]?.distance;
  const best = misspellings.filter((s) => s.distance === closest).slice(0, maxSuggestions).map((s) => s.resource);
  if (best.length > 0) return { misspellings: best, related: [] };
  const words = tokens(query);
  const kind = kindOf(words);
  const pool = kind ? unique.filter((r) => kind.type.test(r.type)) : unique;
  const related = pool
    .map((resource) => ({ resource, score: tokenScore(words, tokens(resource.name.toLowerCase())) }))
    .filter((s) => kind !== undefined || s.score > 0)
    .sort((a, b) => b.score - a.score || editDistance(query, a.resource.name.toLowerCase()) - editDistance(query, b.resource.name.toLowerCase()) || a.resource.name.localeCompare(b.resource.name))
    .slice(0, maxSuggestions)
    .map((s) => s.resource);
  return { misspellings: [], related, ...(kind ? { kind: kind.label } : {}) };
}

/** Edits allowed for a misspelling: one in a short name, up to three in a long one. */
function typoBudget(name: string): number {
  return name.length <= 4 ? 1 : name.length <= 10 ? 2 : 3;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost one. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

function tokens(name: string): string[] {
  return name.split(/[^a-z0-9]+/).filter((t) => t.length >= 2);
}

/** Words too common in names to say two resources are alike. */
const generic = new Set(['api', 'app', 'svc', 'service', 'web', 'prod', 'production', 'staging', 'stage', 'dev', 'test', 'main', 'primary', 'server', 'eu', 'us', 'west', 'east', 'v1', 'v2']);

/** Shared words count fully, nearly-shared ones (one edit, four letters or more) by half. */
function tokenScore(typed: readonly string[], name: readonly string[]): number {
  let score = 0;
  for (const word of typed) {
    if (generic.has(word) || kinds.some((k) => k.words.includes(word))) continue;
    if (name.includes(word)) score += 1;
    else if (word.length >= 4 && name.some((n) => n.length >= 4 && editDistance(word, n) <= 1)) score += 0.5;
  }
  return score;
}

/** Words in a name that say what kind of resource it is, and the normalised types of that kind. */
const kinds: readonly { label: string; words: readonly string[]; type: RegExp }[] = [
  { label: 'queue', words: ['queue', 'queues', 'sqs', 'dlq'], type: /queue|servicebus|pubsub\.subscription/i },
  { label: 'topic', words: ['topic', 'sns'], type: /sns|topic/i },
  { label: 'database', words: ['db', 'database', 'rds', 'sql', 'postgres', 'mysql'], type: /rds|sql|database|spanner|aurora/i },
  { label: 'table', words: ['table', 'dynamodb', 'dynamo'], type: /dynamodb|table/i },
  { label: 'bucket', words: ['bucket', 's3', 'storage'], type: /s3|bucket|storage/i },
  { label: 'cache', words: ['cache', 'redis', 'memcached'], type: /cache|redis/i },
  { label: 'function', words: ['lambda', 'function', 'fn'], type: /lambda|function/i },
  { label: 'cluster', words: ['cluster'], type: /cluster/i },
  { label: 'load balancer', words: ['alb', 'elb', 'nlb', 'lb'], type: /loadbalancer|elb/i },
  { label: 'VM', words: ['vm', 'instance', 'host'], type: /instance|\.vm|virtualmachine/i },
];

/** The kind of resource a name says it is ("payments-queue": a queue), with the types of that kind. */
export function impliedKind(name: string): { label: string; type: RegExp } | undefined {
  return kindOf(tokens(name.trim().toLowerCase()));
}

function kindOf(words: readonly string[]): (typeof kinds)[number] | undefined {
  // The last word is the one that says what it is ("payments-queue", "orders-db").
  for (const word of [...words].reverse()) {
    const kind = kinds.find((k) => k.words.includes(word));
    if (kind) return kind;
  }
  return undefined;
}
