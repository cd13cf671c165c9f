import { z } from 'zod';
import { checkCondition } from '../diagnosis/rules.ts';

/** A runbook action's condition (docs/runbook-rules.md): parsed here so a bad rule fails at ingest. */
const WhenCondition = z.string().trim().min(1).max(1000).superRefine((text, ctx) => {
  const parsed = checkCondition(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `invalid condition: ${parsed.message}`, params: { column: parsed.column } });
});

/** Front matter of a runbook Markdown file. */
export const RunbookFrontMatter = z.object({
  id: z.string().trim().min(1).max(128).regex(/^[a-z0-9][a-z0-9._-]*$/i, 'use letters, digits, dots, dashes and underscores'),
  title: z.string().trim().min(1).max(200),
  resourceTypes: z.array(z.string()).default([]),
  services: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('medium'),
  actions: z.array(z.object({
    kind: z.string().min(1),
    /** Parameter template; `{{resource.name}}`-style placeholders are filled from the target resource. */
    params: z.record(z.string(), z.unknown()).default({}),
    reason: z.string().max(500).optional(),
    /** Proposed only when this holds on the evidence, e.g. "self.CPUUtilization > 80 for 5m". */
    when: WhenCondition.optional(),
  })).default([]),
});
export type RunbookFrontMatter = z.infer<typeof RunbookFrontMatter>;

export interface Runbook extends RunbookFrontMatter {
  body: string;
}

/** One heading-delimited section of a runbook: the unit of search and citation. */
export interface RunbookChunk {
  runbookId: string;
  title: string;
  section: string;
  text: string;
  resourceTypes: readonly string[];
  services: readonly string[];
  tags: readonly string[];
  severity: RunbookFrontMatter['severity'];
  /** Index of the chunk within its runbook. */
  position: number;
}

export interface RunbookHit {
  chunk: RunbookChunk;
  score: number;
}

export interface RunbookSearch {
  query: string;
  resourceTypes?: readonly string[];
  limit?: number;
}

/**
 * Runbooks per organization (Weaviate with one tenant per organization in production,
 * in-process by default).
 */
export interface RunbookIndex {
  /** Replaces the organization's copy of these runbooks (by id); idempotent. */
  upsert(orgId: string, runbooks: readonly Runbook[]): Promise<{ runbooks: number; chunks: number }>;
  search(orgId: string, search: RunbookSearch): Promise<RunbookHit[]>;
  get(orgId: string, runbookId: string): Promise<Runbook | undefined>;
  close(): Promise<void>;
}
