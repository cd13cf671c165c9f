import { AssetServiceClient } from '@google-cloud/asset';
import { z } from 'zod';
import type { GcpAuthClient } from '../approvals/executors/handler.ts';
import { MetricsError } from '../metrics/failure.ts';
import { withRetry } from '../metrics/retry.ts';
import type { CloudAccountConfig } from '../tenancy/organization.ts';
import { Collector, lastSegment } from './collect.ts';
import { CrawlError, type AccountCrawl, type CrawlContext, type ProviderCrawler } from './types.ts';

const knownTypes: Record<string, string> = {
  'compute.googleapis.com/Instance': 'gcp.compute.instance',
  'compute.googleapis.com/InstanceGroupManager': 'gcp.compute.instanceGroupManager',
  'compute.googleapis.com/Network': 'gcp.compute.network',
  'compute.googleapis.com/Subnetwork': 'gcp.compute.subnetwork',
  'run.googleapis.com/Service': 'gcp.run.service',
  'sqladmin.googleapis.com/Instance': 'gcp.sql.instance',
};

/** compute.googleapis.com/Instance → gcp.compute.instance; unknown types keep their service and kind. */
export function gcpType(assetType: string): string {
  const known = knownTypes[assetType];
  if (known) return known;
  const [service = 'unknown', kind = 'resource'] = assetType.split('/');
  return `gcp.${service.replace(/\.googleapis\.com$/, '')}.${kind.charAt(0).toLowerCase()}${kind.slice(1)}`;
}

const Result = z.object({
  name: z.string().min(1),
  assetType: z.string().min(1),
  /** `projects/{number}`: references inside resources (e.g. `created-by`) often use the number. */
  project: z.string().nullish(),
  displayName: z.string().nullish(),
  location: z.string().nullish(),
  state: z.string().nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  versionedResources: z.array(z.object({ resource: z.unknown() })).nullish(),
});
type Result = z.infer<typeof Result>;

const InstanceData = z.object({
  networkInterfaces: z.array(z.object({ network: z.string(), subnetwork: z.string() }).partial()).optional(),
  metadata: z.object({ items: z.array(z.object({ key: z.string(), value: z.string() }).partial()).optional() }).partial().optional(),
}).partial();
const SubnetworkData = z.object({ network: z.string() }).partial();
const RunData = z.object({
  // Cloud Run v1 (Knative) puts Cloud SQL connections in an annotation, v2 in a volume.
  spec: z.object({ template: z.object({ metadata: z.object({ annotations: z.record(z.string(), z.string()) }).partial() }).partial() }).partial().optional(),
  template: z.object({ volumes: z.array(z.object({ cloudSqlInstance: z.object({ instances: z.array(z.string()) }).partial() }).partial()) }).partial().optional(),
}).partial();

export interface GcpCrawlerOptions {
  /** undefined: application default credentials. */
  authClient: (orgId: string, account: CloudAccountConfig) => GcpAuthClient | undefined;
  pageSize?: number;
  /** Attempts per page when Cloud Asset throttles (429 / RESOURCE_EXHAUSTED) or is unavailable. */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** Cloud Asset endpoint override; default cloudasset.googleapis.com. */
  apiEndpoint?: string;
}

/**
 * GCP through Cloud Asset Inventory: one paginated searchAllResources per project (REST transport),
 * with the full resource data (`readMask: *`) the relationships come from: instance → subnetwork ←
 * network, managed instance group → its instances (their `created-by`), Cloud Run → Cloud SQL.
 */
export class GcpCrawler implements ProviderCrawler {
  readonly provider = 'gcp' as const;

  constructor(private readonly options: GcpCrawlerOptions) {}

  async crawl(context: CrawlContext): Promise<AccountCrawl> {
    const { account } = context;
    const out = new Collector('gcp', account.accountId);
    const results: Result[] = [];
    let calls = 0;
    try {
      const authClient = this.options.authClient(context.orgId, account);
      const client = new AssetServiceClient({ fallback: true, projectId: account.accountId, ...(authClient ? { authClient: authClient as never } : {}), ...(this.options.apiEndpoint ? { apiEndpoint: this.options.apiEndpoint } : {}) });
      try {
        let pageToken: string | undefined;
        do {
          if (context.signal?.aborted) throw new CrawlError('unavailable', 'The crawl was stopped (shutdown).');
          const token = pageToken;
          const [page, , response] = await withRetry(async () => {
            calls += 1;
            try {
              return await client.searchAllResources({ scope: `projects/${account.accountId}`, pageSize: this.options.pageSize ?? 500, readMask: { paths: ['*'] }, ...(token ? { pageToken: token } : {}) }, { autoPaginate: false });
            } catch (error) {
              throw retryable(error);
            }
          }, { deadline: Date.now() + 10 * 60_000, attempts: this.options.maxAttempts ?? 5, baseDelayMs: this.options.retryBaseMs ?? 1_000 });
          for (const raw of page) {
            const parsed = Result.safeParse(raw);
            if (parsed.success) results.push(parsed.data);
            else out.rejected += 1;
          }
          pageToken = response?.nextPageToken || undefined;
          context.onProgress?.({ accountId: account.accountId, step: `page ${calls}`, resources: results.length });
        } while (pageToken);
      } finally {
        await client.close();
      }
    } catch (error) {
      normalise(out, results);
      return { resources: out.all(), relationships: out.relationships(), covered: [], failures: [{ provider: 'gcp', accountId: account.accountId, region: '*', family: 'cloud-asset', ...classify(error, account.accountId) }], calls };
    }
    normalise(out, results);
    return { resources: out.all(), relationships: out.relationships(), covered: [{ region: '*', types: ['*'] }], failures: [], calls };
  }
}

/** https://www.googleapis.com/compute/v1/projects/p/… or projects/p/… → //compute.googleapis.com/projects/p/… */
function computeName(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const path = /projects\/.+$/.exec(url)?.[0];
  return path ? `//compute.googleapis.com/${path}` : undefined;
}

export function normalise(out: Collector, results: readonly Result[]): void {
  for (const r of results) {
    const data = fromStruct(r.versionedResources?.[0]?.resource);
    switch (r.assetType) {
      case 'compute.googleapis.com/Instance': {
        const instance = InstanceData.safeParse(data).data ?? {};
        for (const nic of instance.networkInterfaces ?? []) {
          out.edge(computeName(nic.subnetwork), r.name, 'CONTAINS');
          if (!nic.subnetwork) out.edge(computeName(nic.network), r.name, 'CONTAINS');
        }
        const createdBy = instance.metadata?.items?.find((i) => i.key === 'created-by')?.value;
        const projectId = /^\/\/[^/]+\/projects\/([^/]+)\//.exec(r.name)?.[1];
        const byNumber = r.project && projectId ? createdBy?.replace(`${r.project}/`, `projects/${projectId}/`) : createdBy;
        out.edge(computeName(byNumber), r.name, 'CONTAINS');
        break;
      }
      case 'compute.googleapis.com/Subnetwork':
        out.edge(computeName(SubnetworkData.safeParse(data).data?.network), r.name, 'CONTAINS');
        break;
      case 'run.googleapis.com/Service': {
        const run = RunData.safeParse(data).data ?? {};
        const connections = [
          ...(run.spec?.template?.metadata?.annotations?.['run.googleapis.com/cloudsql-instances']?.split(',') ?? []),
          ...(run.template?.volumes ?? []).flatMap((v) => v.cloudSqlInstance?.instances ?? []),
        ];
        for (const c of connections) {
          const [project, , instance] = c.trim().split(':');
          if (project && instance) out.edge(r.name, `//cloudsql.googleapis.com/projects/${project}/instances/${instance}`, 'DEPENDS_ON');
        }
        break;
      }
      default:
    }
    out.resource({ id: r.name, type: gcpType(r.assetType), name: r.displayName || lastSegment(r.name), region: r.location || 'global', state: r.state ?? undefined, tags: r.labels ?? {} });
  }
}

/**
 * The client decodes `google.protobuf.Struct` into its protobuf form (`{ fields: { k: { stringValue } } }`);
 * plain JSON is what the resource's own API documents, so convert back.
 */
export function fromStruct(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('fields' in v && typeof v.fields === 'object' && v.fields !== null) {
    return Object.fromEntries(Object.entries(v.fields as Record<string, unknown>).map(([k, x]) => [k, fromStruct(x)]));
  }
  if ('stringValue' in v) return v.stringValue;
  if ('numberValue' in v) return v.numberValue;
  if ('boolValue' in v) return v.boolValue;
  if ('nullValue' in v) return null;
  if ('structValue' in v) return fromStruct(v.structValue);
  if ('listValue' in v) return ((v.listValue as { values?: unknown[] } | null)?.values ?? []).map(fromStruct);
  return value;
}

interface GoogleError { code?: number | string; status?: number; message?: string }

/** 429 / RESOURCE_EXHAUSTED (8) and 503 / UNAVAILABLE (14) are worth another page attempt. */
function retryable(error: unknown): unknown {
  const e = error as GoogleError;
  if (e.code === 8 || e.code === 429 || e.status === 429) return new MetricsError('throttled', e.message ?? 'throttled', { retryable: true, cause: error });
  if (e.code === 14 || e.code === 503 || e.status === 503) return new MetricsError('unavailable', e.message ?? 'unavailable', { retryable: true, cause: error });
  return error;
}

function classify(error: unknown, project: string): { reason: CrawlError['reason']; message: string } {
  if (error instanceof CrawlError) return { reason: error.reason, message: error.message };
  const cause = error instanceof MetricsError ? error.cause : error;
  const e = cause as GoogleError;
  const where = `Cloud Asset Inventory for project ${project}`;
  const message = e.message ?? String(cause);
  if (e.code === 7 || e.code === 403 || e.status === 403) return { reason: 'access_denied', message: `${where} refused access: ${message} Grant the bot's service account roles/cloudasset.viewer on the project (docs/crawlers.md).` };
  if (e.code === 16 || e.code === 401 || e.status === 401) return { reason: 'credentials', message: `${where}: the bot could not authenticate (${message}). Check the application default credentials.` };
  if (e.code === 8 || e.code === 429 || e.status === 429) return { reason: 'throttled', message: `${where} kept throttling after retries with backoff; the next crawl will try again.` };
  if (e.code === 5 || e.code === 404) return { reason: 'not_found', message: `${where}: ${message} Check the project id and that the Cloud Asset API is enabled.` };
  return { reason: 'unavailable', message: `${where} failed: ${message}` };
}
