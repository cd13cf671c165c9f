import { redact } from './redact.ts';

/** One log line as a source read it: when, the text, and how many times it repeated (recordings). */
export interface LogLine {
  at: string;
  message: string;
  count?: number;
}

/** A cluster of log lines that share one message template. */
export interface LogSignature {
  resourceId: string;
  /** The message with its variable parts replaced by placeholders: "<num>", "<uuid>", "<ip>" … */
  template: string;
  count: number;
  /** ISO times of the first and last line seen in the window. */
  firstSeen: string;
  lastSeen: string;
  /** One redacted example, cut short. */
  sample: string;
  /** Where the lines came from, precise enough to run the query again. */
  citation: string;
}

export interface ClusterLimits {
  /** Signatures returned, the most frequent first. */
  maxSignatures: number;
  /** Characters of a template and of a sample. */
  maxChars: number;
}

export const defaultClusterLimits: ClusterLimits = { maxSignatures: 10, maxChars: 300 };

// Order matters: the specific shapes (uuid, ip, hex) before the bare numbers they contain.
const placeholders: [RegExp, string][] = [
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<ip>'],
  [/\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi, '<ip>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\barn:aws[a-z-]*:[^\s"']+/g, '<arn>'],
  [/"[^"\n]*"/g, '"<str>"'],
  [/'[^'\n]*'/g, "'<str>'"],
  [/\b[A-Za-z]+[-_]?\d[\w-]*\b/g, '<id>'],
  // Numbers, with a unit glued on (30s, 2000ms, 512MB, 99%).
  [/-?\b\d+(?:\.\d+)?(?:[A-Za-z]{1,3}\b|%|\b)/g, '<num>'],
];

/** The message with numbers, ids, uuids, hex, IPs, times and quoted strings replaced by placeholders. */
export function templateOf(message: string): string {
  let out = redact(message).replace(/\s+/g, ' ').trim();
  for (const [pattern, replacement] of placeholders) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Clusters lines by template: counts, first and last seen, one redacted sample each, most
 * frequent first, at most `maxSignatures`. Raw lines never come out, only templates and samples.
 */
export function clusterLines(resourceId: string, lines: readonly LogLine[], citation: string, limits: ClusterLimits = defaultClusterLimits): LogSignature[] {
  const byTemplate = new Map<string, LogSignature>();
  for (const line of lines) {
    const template = cut(templateOf(line.message), limits.maxChars);
    const count = line.count ?? 1;
    const existing = byTemplate.get(template);
    if (!existing) {
      byTemplate.set(template, { resourceId, template, count, firstSeen: line.at, lastSeen: line.at, sample: cut(redact(line.message).replace(/\s+/g, ' ').trim(), limits.maxChars), citation });
      continue;
    }
    existing.count += count;
    if (line.at < existing.firstSeen) existing.firstSeen = line.at;
    if (line.at > existing.lastSeen) existing.lastSeen = line.at;
  }
  return [...byTemplate.values()].sort((a, b) => b.count - a.count || a.firstSeen.localeCompare(b.firstSeen)).slice(0, limits.maxSignatures);
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
