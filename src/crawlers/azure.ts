import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { TokenCredential } from '@azure/identity';
import type { HttpOperationResponse, RequestPolicy, WebResourceLike } from '@azure/ms-rest-js';
import { z } from 'zod';
import type { CloudAccountConfig } from '../tenancy/organization.ts';
import { Collector, lastSegment } from './collect.ts';
import { CrawlError, type AccountCrawl, type CrawlContext, type ProviderCrawler } from './types.ts';

/** Every resource of the subscription, with the properties the relationships come from. */
export const resourceGraphQuery = 'Resources | project id, name, type, location, tags, properties | order by id asc';

/** Normalised types for the ARM types the bot knows; others become azure.<namespace>.<type>. */
const knownTypes: Record<string, string> = {
  'microsoft.compute/virtualmachines': 'azure.compute.vm',
  'microsoft.compute/disks': 'azure.compute.disk',
  'microsoft.web/sites': 'azure.web.site',
  'microsoft.web/serverfarms': 'azure.web.serverfarm',
  'microsoft.sql/servers': 'azure.sql.server',
  'microsoft.sql/servers/databases': 'azure.sql.database',
  'microsoft.network/virtualnetworks': 'azure.network.vnet',
  'microsoft.network/networkinterfaces': 'azure.network.nic',
  'microsoft.network/privateendpoints': 'azure.network.privateendpoint',
  'microsoft.network/loadbalancers': 'azure.network.loadbalancer',
};

export function azureType(armType: string): string {
  const lower = armType.toLowerCase();
  return knownTypes[lower] ?? `azure.${lower.replace(/^microsoft\./, '').replace(/\//g, '.')}`;
}

const Row = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  type: z.string().min(1),
  location: z.string().optional(),
  tags: z.record(z.string(), z.unknown()).nullish(),
  properties: z.record(z.string(), z.unknown()).nullish(),
});
type Row = z.infer<typeof Row>;

const idRef = z.object({ id: z.string() }).partial();
const Props = {
  vm: z.object({
    networkProfile: z.object({ networkInterfaces: z.array(idRef).optional() }).partial().optional(),
    storageProfile: z.object({ osDisk: z.object({ managedDisk: idRef.optional() }).partial().optional(), dataDisks: z.array(z.object({ managedDisk: idRef.optional() }).partial()).optional() }).partial().optional(),
    extended: z.object({ instanceView: z.object({ powerState: z.object({ code: z.string() }).partial().optional() }).partial().optional() }).partial().optional(),
  }).partial(),
  nic: z.object({ ipConfigurations: z.array(z.object({ properties: z.object({ subnet: idRef.optional() }).partial().optional() }).partial()).optional() }).partial(),
  vnet: z.object({ subnets: z.array(z.object({ id: z.string(), name: z.string().optional() })).optional() }).partial(),
  site: z.object({ serverFarmId: z.string().optional(), virtualNetworkSubnetId: z.string().nullish(), state: z.string().optional() }).partial(),
  privateEndpoint: z.object({
    subnet: idRef.optional(),
    privateLinkServiceConnections: z.array(z.object({ properties: z.object({ privateLinkServiceId: z.string() }).partial().optional() }).partial()).optional(),
  }).partial(),
  common: z.object({ provisioningState: z.string().optional(), status: z.string().optional(), state: z.string().optional() }).partial(),
};

export interface AzureCrawlerOptions {
  credential: (orgId: string, account: CloudAccountConfig) => TokenCredential;
  /** Rows per page (Resource Graph allows up to 1000). */
  pageSize?: number;
  /** Attempts per page when Resource Graph throttles (429), the first included; backoff starts at retryBaseMs. */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** Management endpoint override (sovereign clouds); default https://management.azure.com. */
  endpoint?: string;
}

/**
 * Azure through Resource Graph: one paginated query per subscription lists every resource with its
 * properties; the relationships come from the resource ids inside them (VM → NIC → subnet ← VNet,
 * App Service plan → site, SQL server → database, private endpoint → subnet and target). The
 * client's pipeline retries throttling (429 with Retry-After) and transient failures itself.
 */
export class AzureCrawler implements ProviderCrawler {
  readonly provider = 'azure' as const;

  constructor(private readonly options: AzureCrawlerOptions) {}

  /**
   * The client retries a 429 only when it carries Retry-After; Resource Graph's throttling says when
   * the quota refills in x-ms-user-quota-resets-after instead, so a 429 is retried here too, with
   * exponential backoff and jitter, waiting at least until the quota resets.
   */
  private async throttled<T>(work: () => Promise<T>): Promise<T> {
    const attempts = this.options.maxAttempts ?? 5;
    const base = this.options.retryBaseMs ?? 1_000;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 429 || attempt >= attempts) throw error;
        const backoff = Math.random() * base * 2 ** (attempt - 1);
        await new Promise((resolve) => setTimeout(resolve, Math.max(backoff, resetsAfterMs(error) ?? 0)));
      }
    }
  }

  async crawl(context: CrawlContext): Promise<AccountCrawl> {
    const { account } = context;
    const out = new Collector('azure', account.accountId);
    let calls = 0;
    const rows: Row[] = [];
    try {
      const client = new ResourceGraphClient(this.options.credential(context.orgId, account), {
        ...(this.options.endpoint ? { baseUri: this.options.endpoint } : {}),
        // Innermost, after the retry policies: every request on the wire counts.
        requestPolicyFactories: (defaults) => [...defaults, { create: (next) => new CountingPolicy(next, () => { calls += 1; }) }],
      });
      let skipToken: string | undefined;
      let page = 0;
      do {
        if (context.signal?.aborted) throw new CrawlError('unavailable', 'The crawl was stopped (shutdown).');
        const token = skipToken;
        const response = await this.throttled(() => client.resources({
          subscriptions: [account.accountId],
          query: resourceGraphQuery,
          options: { resultFormat: 'objectArray', top: this.options.pageSize ?? 1000, ...(token ? { skipToken: token } : {}) },
        }));
        for (const raw of Array.isArray(response.data) ? response.data : []) {
          const row = Row.safeParse(raw);
          if (row.success) rows.push(row.data);
          else out.rejected += 1;
        }
        skipToken = response.skipToken ?? undefined;
        page += 1;
        context.onProgress?.({ accountId: account.accountId, step: `page ${page}`, resources: rows.length });
      } while (skipToken);
    } catch (error) {
      // What was listed before the failure is still ingested (it was seen); nothing is marked gone.
      normalise(out, rows);
      return { resources: out.all(), relationships: out.relationships(), covered: [], failures: [{ provider: 'azure', accountId: account.accountId, region: '*', family: 'resource-graph', ...classify(error, account.accountId) }], calls };
    }
    normalise(out, rows);
    // One query listed the whole subscription: every region and type is covered.
    return { resources: out.all(), relationships: out.relationships(), covered: [{ region: '*', types: ['*'] }], failures: [], calls };
  }
}

/** Resource Graph's quota window: `hh:mm:ss` until the user's quota refills. */
function resetsAfterMs(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get(name: string): string | undefined } } }).response?.headers;
  const match = /^(\d+):(\d+):(\d+)$/.exec(headers?.get('x-ms-user-quota-resets-after') ?? '');
  return match ? ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 : undefined;
}

/** Turns Resource Graph rows into resources and the relationships their properties name. */
export function normalise(out: Collector, rows: readonly Row[]): void {
  // Azure ids are case-insensitive; properties often spell them differently from the resource.
  const canonical = new Map<string, string>();
  const ref = (id: string | null | undefined): string | undefined => (id ? canonical.get(id.toLowerCase()) ?? id : undefined);
  const subnets: { id: string; name: string | undefined; vnet: Row }[] = [];
  for (const row of rows) {
    canonical.set(row.id.toLowerCase(), row.id);
    if (row.type.toLowerCase() === 'microsoft.network/virtualnetworks') {
      for (const s of Props.vnet.safeParse(row.properties ?? {}).data?.subnets ?? []) {
        canonical.set(s.id.toLowerCase(), s.id);
        subnets.push({ id: s.id, name: s.name, vnet: row });
      }
    }
  }
  for (const row of rows) {
    const type = row.type.toLowerCase();
    const props = row.properties ?? {};
    const common = Props.common.safeParse(props).data ?? {};
    let state = common.status ?? common.state ?? common.provisioningState;
    switch (type) {
      case 'microsoft.compute/virtualmachines': {
        const vm = Props.vm.safeParse(props).data ?? {};
        state = vm.extended?.instanceView?.powerState?.code?.replace(/^PowerState\//i, '') ?? state;
        for (const nic of vm.networkProfile?.networkInterfaces ?? []) out.edge(row.id, ref(nic.id), 'ATTACHED_TO');
        for (const disk of [vm.storageProfile?.osDisk, ...(vm.storageProfile?.dataDisks ?? [])]) out.edge(row.id, ref(disk?.managedDisk?.id), 'ATTACHED_TO');
        break;
      }
      case 'microsoft.network/networkinterfaces':
        for (const c of Props.nic.safeParse(props).data?.ipConfigurations ?? []) out.edge(row.id, ref(c.properties?.subnet?.id), 'ATTACHED_TO');
        break;
      case 'microsoft.web/sites': {
        const site = Props.site.safeParse(props).data ?? {};
        out.edge(ref(site.serverFarmId), row.id, 'CONTAINS');
        out.edge(row.id, ref(site.virtualNetworkSubnetId), 'ATTACHED_TO');
        break;
      }
      case 'microsoft.sql/servers/databases':
        out.edge(ref(row.id.replace(/\/databases\/[^/]+$/i, '')), row.id, 'CONTAINS');
        break;
      case 'microsoft.network/privateendpoints': {
        const pe = Props.privateEndpoint.safeParse(props).data ?? {};
        out.edge(row.id, ref(pe.subnet?.id), 'ATTACHED_TO');
        for (const c of pe.privateLinkServiceConnections ?? []) out.edge(row.id, ref(c.properties?.privateLinkServiceId), 'ROUTES_TO');
        break;
      }
      default:
    }
    out.resource({ id: row.id, type: azureType(row.type), name: row.name, region: row.location || 'global', state, tags: stringTags(row.tags) });
  }
  for (const s of subnets) {
    out.resource({ id: s.id, type: 'azure.network.subnet', name: s.name ?? lastSegment(s.id), region: s.vnet.location || 'global', state: 'available', tags: {} });
    out.edge(s.vnet.id, s.id, 'CONTAINS');
  }
}

function stringTags(tags: Record<string, unknown> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function classify(error: unknown, subscription: string): { reason: CrawlError['reason']; message: string } {
  if (error instanceof CrawlError) return { reason: error.reason, message: error.message };
  const e = error as { statusCode?: number; code?: string; message?: string; name?: string };
  const where = `Azure Resource Graph for subscription ${subscription}`;
  const message = e.message ?? String(error);
  if (e.name === 'CredentialUnavailableError' || e.name === 'AuthenticationError' || e.statusCode === 401) return { reason: 'credentials', message: `${where}: the bot could not authenticate (${message}). Check AZURE_* credentials or the managed identity.` };
  if (e.statusCode === 403 || e.code === 'AuthorizationFailed') return { reason: 'access_denied', message: `${where} refused access (${e.code ?? 403}): ${message} Grant the bot's identity the Reader role on the subscription (docs/crawlers.md).` };
  if (e.statusCode === 429 || e.code === 'RateLimiting') return { reason: 'throttled', message: `${where} kept throttling after retries (${e.code ?? 429}); the next crawl will try again.` };
  if (e.statusCode === 400) return { reason: 'invalid', message: `${where} rejected the query (${e.code ?? 400}): ${message}` };
  return { reason: 'unavailable', message: `${where} failed (${e.code ?? e.statusCode ?? 'network'}): ${message}` };
}

/** Counts each request the client sends (retries included), for the crawl's report. */
class CountingPolicy implements RequestPolicy {
  constructor(private readonly next: RequestPolicy, private readonly onCall: () => void) {}

  sendRequest(request: WebResourceLike): Promise<HttpOperationResponse> {
    this.onCall();
    return this.next.sendRequest(request);
  }
}
