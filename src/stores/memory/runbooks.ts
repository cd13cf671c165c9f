import MiniSearch from 'minisearch';
import { chunkRunbook } from '../../runbooks/parse.ts';
import type { Runbook, RunbookChunk, RunbookHit, RunbookIndex, RunbookSearch } from '../runbooks.ts';

interface IndexedChunk extends RunbookChunk {
  key: string;
}

interface OrgRunbooks {
  runbooks: Map<string, Runbook>;
  index: MiniSearch<IndexedChunk>;
}

const typeBoost = 1.5;

/** The embedded runbook index: BM25 keyword search in process, one index per organization. */
export class MemoryRunbookIndex implements RunbookIndex {
  private readonly orgs = new Map<string, OrgRunbooks>();

  async upsert(orgId: string, runbooks: readonly Runbook[]): Promise<{ runbooks: number; chunks: number }> {
    const org = this.org(orgId);
    let chunks = 0;
    for (const runbook of runbooks) {
      const previous = org.runbooks.get(runbook.id);
      if (previous) {
        for (const chunk of chunkRunbook(previous)) org.index.discard(`${chunk.runbookId}#${chunk.position}`);
        org.index.vacuum().catch(() => undefined);
      }
      const fresh = chunkRunbook(runbook).map((chunk) => ({ ...chunk, key: `${chunk.runbookId}#${chunk.position}` }));
      org.index.addAll(fresh);
      org.runbooks.set(runbook.id, structuredClone(runbook));
      chunks += fresh.length;
    }
    return { runbooks: runbooks.length, chunks };
  }

  async search(orgId: string, search: RunbookSearch): Promise<RunbookHit[]> {
    const org = this.orgs.get(orgId);
    if (!org || !search.query.trim()) return [];
    const types = new Set(search.resourceTypes ?? []);
    const results = org.index.search(search.query, {
      boostDocument: (_id, _term, stored) => ((stored?.resourceTypes as string[] | undefined) ?? []).some((t) => types.has(t)) ? typeBoost : 1,
    });
    return results.slice(0, search.limit ?? 5).map((result) => ({
      chunk: toChunk(result as unknown as IndexedChunk),
      score: result.score,
    }));
  }

  async get(orgId: string, runbookId: string): Promise<Runbook | undefined> {
    const runbook = this.orgs.get(orgId)?.runbooks.get(runbookId);
    return runbook && structuredClone(runbook);
  }

  async close(): Promise<void> {}

  private org(orgId: string): OrgRunbooks {
    let org = this.orgs.get(orgId);
    if (!org) {
      org = {
        runbooks: new Map(),
        index: new MiniSearch<IndexedChunk>({
          idField: 'key',
          fields: ['title', 'section', 'text', 'tagsText', 'servicesText', 'typesText'],
          storeFields: ['runbookId', 'title', 'section', 'text', 'resourceTypes', 'services', 'tags', 'severity', 'position'],
          extractField: (doc, field) => {
            if (field === 'tagsText') return doc.tags.join(' ');
            if (field === 'servicesText') return doc.services.join(' ');
            if (field === 'typesText') return doc.resourceTypes.join(' ');
            // Stored fields go through this function too: arrays and numbers must stay as they are.
            return (doc as unknown as Record<string, string>)[field] ?? '';
          },
          searchOptions: { boost: { title: 2, section: 1.5, tagsText: 1.5 }, prefix: true, fuzzy: 0.15, combineWith: 'OR' },
        }),
      };
      this.orgs.set(orgId, org);
    }
    return org;
  }
}

function toChunk(stored: IndexedChunk): RunbookChunk {
  return {
    runbookId: stored.runbookId, title: stored.title, section: stored.section, text: stored.text,
    resourceTypes: stored.resourceTypes, services: stored.services, tags: stored.tags, severity: stored.severity, position: stored.position,
  };
}
