import { normalizeState } from '../stores/resource-state.ts';
import { CloudResourceSchema, RelationshipSchema, type Provider } from '../stores/estate.ts';
import type { CloudResource, Relationship, RelationshipType } from '../stores/graph.ts';

/**
 * Accumulates what a crawl finds, validated at the boundary (a provider's odd value is dropped here,
 * never written to the graph), deduplicated by id and by edge.
 */
export class Collector {
  private readonly resources = new Map<string, CloudResource>();
  private readonly edges = new Map<string, Relationship>();
  /** Values the schema refused, for the crawl's log. */
  rejected = 0;

  constructor(readonly provider: Provider, readonly accountId: string) {}

  resource(fields: { id: string; type: string; name: string | undefined; region: string; state?: string | undefined; tags?: Record<string, string> | undefined; desiredCount?: number | undefined; runningCount?: number | undefined; changedAt?: Date | string | undefined }): void {
    const changedAt = isoTime(fields.changedAt);
    const parsed = CloudResourceSchema.safeParse({
      provider: this.provider,
      accountId: this.accountId,
      id: fields.id,
      type: fields.type,
      name: fields.name || lastSegment(fields.id),
      region: fields.region,
      // The provider's own word, normalised as src/stores/resource-state.ts reads it.
      state: normalizeState(fields.state) || 'unknown',
      tags: fields.tags ?? {},
      ...(fields.desiredCount !== undefined ? { desiredCount: fields.desiredCount } : {}),
      ...(fields.runningCount !== undefined ? { runningCount: fields.runningCount } : {}),
      ...(changedAt ? { changedAt } : {}),
    });
    if (parsed.success) this.resources.set(parsed.data.id, parsed.data);
    else this.rejected += 1;
  }

  edge(from: string | undefined, to: string | undefined, type: RelationshipType): void {
    if (!from || !to || from === to) return;
    const parsed = RelationshipSchema.safeParse({ from, to, type });
    if (parsed.success) this.edges.set(`${from}\u0000${type}\u0000${to}`, parsed.data);
  }

  has(id: string): boolean {
    return this.resources.has(id);
  }

  get(id: string): CloudResource | undefined {
    return this.resources.get(id);
  }

  get size(): number {
    return this.resources.size;
  }

  all(): CloudResource[] {
    return [...this.resources.values()];
  }

  relationships(): Relationship[] {
    return [...this.edges.values()];
  }
}

/** A provider's timestamp (a Date, or text such as Lambda's `2024-01-02T03:04:05.000+0000`) as ISO 8601 UTC; undefined when unreadable. */
function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value.getTime() : Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/** The last path segment of an id: a readable name when the provider gives none. */
export function lastSegment(id: string): string {
  return id.split(/[/:]/).filter(Boolean).at(-1) ?? id;
}

/** `[{Key, Value}]` / `[{key, value}]` tag lists as a record (values cut to the schema's bounds). */
export function tagRecord(tags: readonly ({ Key?: string | undefined; Value?: string | undefined } | { key?: string | undefined; value?: string | undefined })[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) {
    const key = 'Key' in tag ? tag.Key : 'key' in tag ? tag.key : undefined;
    const value = 'Value' in tag ? tag.Value : 'value' in tag ? tag.value : undefined;
    if (key) out[key.slice(0, 256)] = (value ?? '').slice(0, 1024);
  }
  return out;
}
