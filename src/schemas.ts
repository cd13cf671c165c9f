import { z } from 'zod';
import { openApiDocument } from './api/openapi.ts';
import { RecordedMetricsFile } from './metrics/recorded.ts';
import { EstateSchema } from './stores/estate.ts';
import { RunbookFrontMatter } from './stores/runbooks.ts';
import { TenantsFile } from './tenancy/organization.ts';

/** The file formats users write by hand or generate, as JSON Schema for editors and other tools, and the HTTP API's OpenAPI document. */
export function publishedSchemas(): { file: string; schema: unknown }[] {
  const io = { io: 'input' as const, unrepresentable: 'any' as const };
  return [
    { file: 'docs/schemas/estate.v1.schema.json', schema: { title: 'Cloud Companion estate (normalised inventory), version 1', ...z.toJSONSchema(EstateSchema, io) } },
    { file: 'docs/schemas/tenants.v1.schema.json', schema: { title: 'Cloud Companion tenants.yaml, version 1', ...z.toJSONSchema(TenantsFile, io) } },
    { file: 'docs/schemas/runbook-front-matter.schema.json', schema: { title: 'Cloud Companion runbook front matter', ...z.toJSONSchema(RunbookFrontMatter, io) } },
    { file: 'docs/schemas/recorded-metrics.schema.json', schema: { title: 'Cloud Companion recorded metrics, version 1', ...z.toJSONSchema(RecordedMetricsFile, io) } },
    { file: 'docs/openapi.json', schema: openApiDocument() },
  ];
}
