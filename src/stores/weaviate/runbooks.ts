import { createHash } from 'node:crypto';
import { serviceMetrics } from '../../observability/metrics.ts';
import { inSpan } from '../../observability/tracing.ts';
import weaviate, {
  Filters,
  generateUuid5,
  type Collection,
  type CollectionConfigCreate,
  type FilterValue,
  type Properties,
  type WeaviateClient,
} from 'weaviate-client';
import { z } from 'zod';
import { CompanionError, describeError, isCompanionError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logging.ts';
import type { Embedder } from '../../runbooks/embedder.ts';
import { chunkRunbook } from '../../runbooks/parse.ts';
import { RunbookFrontMatter, type Runbook, type RunbookChunk, type RunbookHit, type RunbookIndex, type RunbookSearch } from '../runbooks.ts';

/** Properties of one searchable chunk (collection `RunbookChunk` by default). */
type ChunkProperties = {
  runbookId: string;
  title: string;
  section: string;
  text: string;
  resourceTypes: string[];
  services: string[];
  tags: string[];
  severity: string;
  position: number;
};

/** The whole runbook, kept to answer `get` (collection `Runbook` by default); never searched. */
type DocumentProperties = {
  runbookId: string;
  document: string;
};

export interface WeaviateRunbookIndexOptions {
  /** REST endpoint, e.g. `http://localhost:8080` (a path such as `/weaviate` behind a proxy is kept). */
  url: string;
  /** gRPC endpoint, e.g. `http://localhost:50051`; defaults to the REST host on port 50051. */
  grpcUrl?: string;
  apiKey?: string;
  /** With an embedder, search is hybrid (BM25 + vectors); without one, BM25 alone. */
  embedder?: Embedder;
  /** The chunk collection; default `RunbookChunk`. */
  collection?: string;
  /** The whole-runbook collection; default `Runbook` (or `<collection>Document` for a custom collection). */
  documentCollection?: string;
  logger?: Logger;
}

export const defaultChunkCollection = 'RunbookChunk';
export const defaultDocumentCollection = 'Runbook';
/** The one named vector of the chunk collection; vectors are computed by our Embedder, never by Weaviate. */
const vectorName = 'default';
const typeBoost = 1.5;
const defaultLimit = 5;
const maxLimit = 100;
const candidateFactor = 3;
const insertBatch = 200;
const deleteFilterGroup = 50;
const hybridAlpha = 0.5;

const chunkReturnProperties = ['runbookId', 'title', 'section', 'text', 'resourceTypes', 'services', 'tags', 'severity', 'position'] as const;
/**
 * BM25 fields and weights, in the same proportions as the in-process index (title 2, section 1.5,
 * tags 1.5, text 1) but doubled: Weaviate 1.35 silently scores a fractional weight (`section^1.5`)
 * as 0, so weights must be integers.
 */
const keywordProperties = [
  { name: 'title', weight: 4 },
  { name: 'section', weight: 3 },
  { name: 'text', weight: 2 },
  { name: 'tags', weight: 3 },
] as const;

const StoredRunbook = RunbookFrontMatter.extend({ body: z.string() });

/**
 * Runbooks in Weaviate with native multi-tenancy: one Weaviate tenant per organization in two
 * collections (searchable chunks, whole runbooks). Every read and write goes through
 * `collection.withTenant(...)`, so one organization's query cannot reach another's objects, and
 * queries travel as gRPC fields, never as GraphQL text, so nothing in a query can change its shape.
 */
export class WeaviateRunbookIndex implements RunbookIndex {
  /** Tenants known to exist, per collection name. Only positive answers are cached. */
  private readonly knownTenants = new Map<string, Set<string>>();
  private readonly creating = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly client: WeaviateClient,
    private readonly chunks: Collection<ChunkProperties>,
    private readonly documents: Collection<DocumentProperties>,
    private readonly options: { url: string; embedder: Embedder | undefined; logger: Logger },
  ) {}

  /** Human-readable description for start-up logs. */
  describe(): string {
    const mode = this.options.embedder ? `hybrid search, embeddings from ${this.options.embedder.model}` : 'BM25 search';
    return `Weaviate at ${this.options.url} (collections ${this.chunks.name} and ${this.documents.name}, ${mode})`;
  }

  async upsert(orgId: string, runbooks: readonly Runbook[]): Promise<{ runbooks: number; chunks: number }> {
    const chunkCount = runbooks.reduce((sum, runbook) => sum + chunkRunbook(runbook).length, 0);
    if (runbooks.length === 0) return { runbooks: 0, chunks: 0 };
    // The same id twice in one call: the last copy wins, as with sequential upserts.
    const latest = [...new Map(runbooks.map((runbook) => [runbook.id, runbook])).values()];
    const chunked = latest.map((runbook) => ({ runbook, chunks: chunkRunbook(runbook) }));
    const all = chunked.flatMap(({ chunks }) => chunks);

    // Embed before writing anything, so an embedding failure leaves the index as it was.
    const vectors = this.options.embedder && all.length > 0
      ? await this.options.embedder.embed(all.map(embeddingText))
      : undefined;
    if (vectors && vectors.length !== all.length) {
      throw new CompanionError('provider_unavailable', `The embedder returned ${vectors.length} vectors for ${all.length} runbook chunks.`, {
        hint: 'Check the embedding model configuration.',
      });
    }

    const tenant = tenantName(orgId);
    await this.guard('store runbooks', tenant, async () => {
      await this.ensureTenant(tenant);
      const chunkCollection = this.chunks.withTenant(tenant);
      // Write the new chunks first (deterministic ids overwrite the previous copy in place), then
      // delete the previous copy's surplus chunks: search never sees a runbook with no chunks.
      const objects = all.map((chunk, index) => {
        const vector = vectors?.[index];
        return {
          id: chunkUuid(orgId, chunk.runbookId, chunk.position),
          properties: toProperties(chunk),
          ...(vector ? { vectors: { [vectorName]: vector } } : {}),
        };
      });
      for (let start = 0; start < objects.length; start += insertBatch) {
        const result = await chunkCollection.data.insertMany(objects.slice(start, start + insertBatch));
        if (result.hasErrors) throw batchError(this.options.url, 'runbook chunks', result.errors);
      }
      const stale = chunked.map(({ runbook, chunks }) => Filters.and(
        chunkCollection.filter.byProperty('runbookId').equal(runbook.id),
        chunkCollection.filter.byProperty('position').greaterOrEqual(chunks.length),
      ));
      for (let start = 0; start < stale.length; start += deleteFilterGroup) {
        await chunkCollection.data.deleteMany(anyOf(stale.slice(start, start + deleteFilterGroup)));
      }
      const documentCollection = this.documents.withTenant(tenant);
      const documents = latest.map((runbook) => ({
        id: documentUuid(orgId, runbook.id),
        properties: { runbookId: runbook.id, document: JSON.stringify(runbook) },
      }));
      for (let start = 0; start < documents.length; start += insertBatch) {
        const result = await documentCollection.data.insertMany(documents.slice(start, start + insertBatch));
        if (result.hasErrors) throw batchError(this.options.url, 'runbooks', result.errors);
      }
    });
    this.options.logger.debug({ orgId, tenant, runbooks: runbooks.length, chunks: chunkCount }, 'runbooks indexed in Weaviate');
    return { runbooks: runbooks.length, chunks: chunkCount };
  }

  async search(orgId: string, search: RunbookSearch): Promise<RunbookHit[]> {
    const query = search.query.trim();
    const limit = Math.min(Math.max(Math.floor(search.limit ?? defaultLimit), 0), maxLimit);
    // A query without a letter or digit has no keyword to match; a vector of punctuation would
    // only return arbitrary nearest neighbours.
    if (!query || limit === 0 || !/[\p{L}\p{N}]/u.test(query)) return [];
    const tenant = tenantName(orgId);
    // An organization without runbooks has no tenant: answer without asking the embedding model.
    if (!(await this.guard('search runbooks', tenant, () => this.hasTenant(this.chunks, tenant)))) return [];
    const vector = await this.queryVector(query);
    const objects = await this.guard('search runbooks', tenant, async () => {
      const collection = this.chunks.withTenant(tenant);
      const common = {
        limit: limit * candidateFactor,
        queryProperties: keywordProperties.map((property) => ({ ...property })),
        returnMetadata: ['score' as const],
        returnProperties: [...chunkReturnProperties],
      };
      const result = vector
        ? await collection.query.hybrid(query, { ...common, alpha: hybridAlpha, vector, targetVector: vectorName, fusionType: 'RelativeScore' })
        : await collection.query.bm25(query, common);
      return result.objects;
    });
    const types = new Set(search.resourceTypes ?? []);
    return objects
      .map((object) => {
        const chunk = fromProperties(object.properties);
        const score = object.metadata?.score ?? 0;
        return { chunk, score: chunk.resourceTypes.some((type) => types.has(type)) ? score * typeBoost : score };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  async get(orgId: string, runbookId: string): Promise<Runbook | undefined> {
    const tenant = tenantName(orgId);
    const object = await this.guard('read a runbook', tenant, async () => {
      if (!(await this.hasTenant(this.documents, tenant))) return null;
      return this.documents.withTenant(tenant).query.fetchObjectById(documentUuid(orgId, runbookId), { returnProperties: ['runbookId', 'document'] });
    });
    if (!object || object.properties.runbookId !== runbookId) return undefined;
    return parseDocument(object.properties.document, this.options.url, runbookId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  private async queryVector(query: string): Promise<number[] | undefined> {
    const embedder = this.options.embedder;
    if (!embedder) return undefined;
    try {
      return (await embedder.embed([query]))[0];
    } catch (error) {
      // Keyword search still answers while the embedding model is down.
      this.options.logger.warn({ err: describeError(error), model: embedder.model }, 'runbook search falls back to BM25: the query could not be embedded');
      return undefined;
    }
  }

  /** Creates the tenant in both collections on first use (Weaviate's auto-creation stays off). */
  private async ensureTenant(tenant: string): Promise<void> {
    if (this.known(this.chunks).has(tenant) && this.known(this.documents).has(tenant)) return;
    let pending = this.creating.get(tenant);
    if (!pending) {
      pending = (async () => {
        for (const collection of [this.chunks, this.documents] as const) {
          if (await this.hasTenant(collection, tenant)) continue;
          try {
            await collection.tenants.create({ name: tenant });
          } catch (error) {
            // Another replica may have created it between our check and our create.
            if (!(await collection.tenants.getByName(tenant))) throw error;
          }
          this.known(collection).add(tenant);
          this.options.logger.info({ collection: collection.name, tenant }, 'created Weaviate tenant');
        }
      })().finally(() => this.creating.delete(tenant));
      this.creating.set(tenant, pending);
    }
    await pending;
  }

  private async hasTenant(collection: Collection<ChunkProperties> | Collection<DocumentProperties>, tenant: string): Promise<boolean> {
    const known = this.known(collection);
    if (known.has(tenant)) return true;
    const found = await collection.tenants.getByName(tenant);
    if (found) known.add(tenant);
    return Boolean(found);
  }

  private known(collection: { name: string }): Set<string> {
    let known = this.knownTenants.get(collection.name);
    if (!known) {
      known = new Set();
      this.knownTenants.set(collection.name, known);
    }
    return known;
  }

  private async guard<T>(action: string, tenant: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new CompanionError('internal', 'The Weaviate runbook index is closed.');
    return inSpan('weaviate', { 'db.system': 'weaviate', 'db.operation': action }, async () => {
      try {
        return await work();
      } catch (error) {
        serviceMetrics.backendErrors.inc({ backend: 'weaviate' });
        // The tenant may have been removed behind our back: check again next time.
        for (const known of this.knownTenants.values()) known.delete(tenant);
        if (isCompanionError(error)) throw error;
        throw weaviateError(this.options.url, action, error);
      }
    });
  }
}

/**
 * Connects to Weaviate, creates the two collections if they are missing (multi-tenant, vectors
 * supplied by us) and returns the index. Fails with `store_unavailable` when Weaviate cannot be reached.
 */
export async function createWeaviateRunbookIndex(options: WeaviateRunbookIndexOptions): Promise<WeaviateRunbookIndex> {
  const logger = options.logger ?? silentLogger();
  const chunkName = options.collection ?? defaultChunkCollection;
  const documentName = options.documentCollection ?? (chunkName === defaultChunkCollection ? defaultDocumentCollection : `${chunkName}Document`);
  for (const name of [chunkName, documentName]) {
    if (!/^[A-Z][A-Za-z0-9_]{0,254}$/.test(name)) {
      throw new CompanionError('config_invalid', `"${name}" is not a valid Weaviate collection name.`, {
        hint: 'Use a name that starts with an upper-case letter followed by letters, digits or underscores.',
      });
    }
  }
  if (chunkName === documentName) {
    throw new CompanionError('config_invalid', `The runbook chunk and document collections must differ (both are "${chunkName}").`);
  }
  const endpoints = parseEndpoints(options.url, options.grpcUrl);
  const url = endpoints.display;

  let client: WeaviateClient;
  try {
    client = await weaviate.connectToCustom({
      httpHost: endpoints.http.host,
      httpPort: endpoints.http.port,
      httpSecure: endpoints.http.secure,
      ...(endpoints.http.path ? { httpPath: endpoints.http.path } : {}),
      grpcHost: endpoints.grpc.host,
      grpcPort: endpoints.grpc.port,
      grpcSecure: endpoints.grpc.secure,
      ...(options.apiKey ? { authCredentials: new weaviate.ApiKey(options.apiKey) } : {}),
      timeout: { init: 10, query: 30, insert: 90 },
    });
  } catch (error) {
    throw unreachable(url, error);
  }

  try {
    await ensureCollection(client, chunkCollectionConfig(chunkName), logger);
    await ensureCollection(client, documentCollectionConfig(documentName), logger);
  } catch (error) {
    await client.close().catch(() => undefined);
    if (isCompanionError(error)) throw error;
    throw weaviateError(url, 'prepare the runbook collections', error);
  }
  return new WeaviateRunbookIndex(
    client,
    client.collections.get<ChunkProperties>(chunkName),
    client.collections.get<DocumentProperties>(documentName),
    { url, embedder: options.embedder, logger },
  );
}

/**
 * The Weaviate tenant of an organization. Weaviate tenant names must match `^[A-Za-z0-9_-]{1,64}$`.
 * Organization ids (`^[a-z0-9][a-z0-9-]*$`) up to 64 characters are used as they are, so an operator
 * recognises them; anything else is hashed to `h_<40 hex>`. Org ids never contain `_`, so a hashed
 * name can never equal a plain one.
 */
export function tenantName(orgId: string): string {
  if (/^[a-z0-9][a-z0-9-]{0,63}$/.test(orgId)) return orgId;
  return `h_${createHash('sha256').update(orgId, 'utf8').digest('hex').slice(0, 40)}`;
}

function chunkUuid(orgId: string, runbookId: string, position: number): string {
  return generateUuid5(JSON.stringify(['runbook-chunk', orgId, runbookId, position]));
}

function documentUuid(orgId: string, runbookId: string): string {
  return generateUuid5(JSON.stringify(['runbook', orgId, runbookId]));
}

/** What gets embedded for a chunk: its headings and tags give the section its context. */
function embeddingText(chunk: RunbookChunk): string {
  const heading = chunk.section === chunk.title ? chunk.title : `${chunk.title}\n${chunk.section}`;
  const tags = chunk.tags.length > 0 ? `\nTags: ${chunk.tags.join(', ')}` : '';
  return `${heading}${tags}\n\n${chunk.text}`;
}

function toProperties(chunk: RunbookChunk): ChunkProperties {
  return {
    runbookId: chunk.runbookId, title: chunk.title, section: chunk.section, text: chunk.text,
    resourceTypes: [...chunk.resourceTypes], services: [...chunk.services], tags: [...chunk.tags],
    severity: chunk.severity, position: chunk.position,
  };
}

const severities = new Set<string>(RunbookFrontMatter.shape.severity.unwrap().options);

function fromProperties(properties: Partial<ChunkProperties>): RunbookChunk {
  const severity = properties.severity && severities.has(properties.severity) ? properties.severity as RunbookChunk['severity'] : 'medium';
  return {
    runbookId: properties.runbookId ?? '',
    title: properties.title ?? '',
    section: properties.section ?? '',
    text: properties.text ?? '',
    // Weaviate returns no value at all for an empty array.
    resourceTypes: properties.resourceTypes ?? [],
    services: properties.services ?? [],
    tags: properties.tags ?? [],
    severity,
    position: properties.position ?? 0,
  };
}

function parseDocument(document: string | undefined, url: string, runbookId: string): Runbook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document ?? '');
  } catch {
    parsed = undefined;
  }
  if (!StoredRunbook.safeParse(parsed).success) {
    throw new CompanionError('internal', `The stored copy of runbook "${runbookId}" in Weaviate at ${url} is unreadable.`, {
      hint: 'Ingest the runbook again to replace it.',
    });
  }
  // Validated above; returned as stored so `get` gives back exactly what `upsert` received.
  return parsed as Runbook;
}

function anyOf(filters: FilterValue[]): FilterValue {
  const [first, ...rest] = filters;
  if (first && rest.length === 0) return first;
  return Filters.or(...filters);
}

function chunkCollectionConfig(name: string): CollectionConfigCreate<ChunkProperties> {
  const { dataType, tokenization } = weaviate.configure;
  return {
    name,
    description: 'Heading-delimited sections of runbooks; one tenant per organization.',
    multiTenancy: weaviate.configure.multiTenancy({ enabled: true, autoTenantCreation: false, autoTenantActivation: true }),
    vectorizers: weaviate.configure.vectors.selfProvided({ name: vectorName }),
    properties: [
      { name: 'runbookId', dataType: dataType.TEXT, tokenization: tokenization.FIELD, indexSearchable: false, indexFilterable: true },
      { name: 'title', dataType: dataType.TEXT, tokenization: tokenization.WORD },
      { name: 'section', dataType: dataType.TEXT, tokenization: tokenization.WORD },
      { name: 'text', dataType: dataType.TEXT, tokenization: tokenization.WORD },
      { name: 'resourceTypes', dataType: dataType.TEXT_ARRAY, tokenization: tokenization.FIELD, indexSearchable: false, indexFilterable: true },
      { name: 'services', dataType: dataType.TEXT_ARRAY, tokenization: tokenization.FIELD, indexSearchable: false, indexFilterable: true },
      { name: 'tags', dataType: dataType.TEXT_ARRAY, tokenization: tokenization.WORD },
      { name: 'severity', dataType: dataType.TEXT, tokenization: tokenization.FIELD, indexSearchable: false, indexFilterable: true },
      { name: 'position', dataType: dataType.INT, indexFilterable: true },
    ],
  };
}

function documentCollectionConfig(name: string): CollectionConfigCreate<DocumentProperties> {
  const { dataType, tokenization } = weaviate.configure;
  return {
    name,
    description: 'Whole runbooks (front matter and body as JSON), read back by id; never searched.',
    multiTenancy: weaviate.configure.multiTenancy({ enabled: true, autoTenantCreation: false, autoTenantActivation: true }),
    vectorizers: weaviate.configure.vectors.selfProvided({ name: vectorName }),
    properties: [
      { name: 'runbookId', dataType: dataType.TEXT, tokenization: tokenization.FIELD, indexSearchable: false, indexFilterable: true },
      { name: 'document', dataType: dataType.TEXT, indexSearchable: false, indexFilterable: false },
    ],
  };
}

async function ensureCollection<T extends Properties>(client: WeaviateClient, config: CollectionConfigCreate<T, string>, logger: Logger): Promise<void> {
  if (!(await client.collections.exists(config.name))) {
    try {
      await client.collections.create(config);
      logger.info({ collection: config.name }, 'created Weaviate collection');
      return;
    } catch (error) {
      // Another replica (or test worker) may have created it first.
      if (!(await client.collections.exists(config.name))) throw error;
    }
  }
  const existing = await client.collections.export(config.name);
  if (!existing.multiTenancy.enabled) {
    throw new CompanionError('config_invalid', `The Weaviate collection "${config.name}" exists without multi-tenancy; runbooks need one tenant per organization.`, {
      hint: 'Choose another collection name, or delete that collection and ingest the runbooks again.',
    });
  }
}

interface Endpoint { host: string; port: number; secure: boolean; path: string }

export function parseEndpoints(url: string, grpcUrl?: string): { http: Endpoint; grpc: Endpoint; display: string } {
  const http = parseEndpoint(url, 'url', undefined);
  const grpc = grpcUrl ? parseEndpoint(grpcUrl, 'grpcUrl', http.secure) : { host: http.host, port: 50051, secure: http.secure, path: '' };
  const display = `${http.secure ? 'https' : 'http'}://${http.host.includes(':') ? `[${http.host}]` : http.host}:${http.port}${http.path}`;
  return { http, grpc, display };
}

function parseEndpoint(raw: string, what: string, defaultSecure: boolean | undefined): Endpoint {
  const text = raw.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let parsed: URL;
  try {
    parsed = new URL(hasScheme ? text : `${defaultSecure ? 'https' : 'http'}://${text}`);
  } catch (error) {
    throw new CompanionError('config_invalid', `The Weaviate ${what} "${raw}" is not a URL.`, { hint: 'Use a URL such as http://localhost:8080.', cause: error });
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!['http', 'https', 'grpc', 'grpcs'].includes(scheme)) {
    throw new CompanionError('config_invalid', `The Weaviate ${what} "${raw}" must use http or https.`, { hint: 'Use a URL such as http://localhost:8080.' });
  }
  const secure = scheme === 'https' || scheme === 'grpcs';
  const port = parsed.port ? Number(parsed.port) : secure ? 443 : 80;
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port, secure, path: parsed.pathname.replace(/\/+$/, '') };
}

const unreachableNames = new Set(['WeaviateStartUpError', 'WeaviateGRPCUnavailableError', 'WeaviateRequestTimeoutError']);
const unreachablePattern = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT|UNAVAILABLE|fetch failed|socket hang up/i;

function unreachable(url: string, error: unknown): CompanionError {
  return new CompanionError('store_unavailable', `Weaviate at ${url} is not reachable: ${describeError(error)}`, {
    hint: 'Check WEAVIATE_URL and WEAVIATE_GRPC_URL (REST and gRPC must both be reachable) and that Weaviate is running, or unset WEAVIATE_URL to use the embedded runbook index.',
    cause: error,
  });
}

function weaviateError(url: string, action: string, error: unknown): CompanionError {
  const name = error instanceof Error ? error.name : '';
  if (unreachableNames.has(name) || unreachablePattern.test(describeError(error))) return unreachable(url, error);
  return new CompanionError('store_unavailable', `Weaviate at ${url} could not ${action}: ${describeError(error)}`, {
    hint: 'Check the Weaviate server log; retry once it is healthy.',
    cause: error,
  });
}

function batchError(url: string, what: string, errors: Record<number, { message: string }>): CompanionError {
  const messages = Object.values(errors).map((error) => error.message);
  return new CompanionError('store_unavailable', `Weaviate at ${url} rejected ${messages.length} ${what}: ${messages[0] ?? 'unknown error'}`, {
    hint: 'Check the Weaviate server log; the runbooks can be ingested again once it is fixed.',
  });
}
