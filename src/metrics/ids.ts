/**
 * Parsers for the providers' own resource ids, as stored in the graph: AWS ARNs, Azure resource
 * ids and GCP full resource names. Each returns undefined for an id it cannot read.
 */

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  /** Everything after the account, e.g. `service/prod-cluster/checkout-api` or `db:checkout-db`. */
  resource: string;
}

export function parseArn(id: string): Arn | undefined {
  const match = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(id);
  if (!match) return undefined;
  const [, partition, service, region, accountId, resource] = match as unknown as [string, string, string, string, string, string];
  return { partition, service, region, accountId, resource };
}

export interface AzureResourceId {
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. `Microsoft.Compute/virtualMachines`, `Microsoft.Sql/servers/databases` */
  type: string;
  /** Names along the type path, e.g. ["portal-sql", "portal-db"]. */
  names: string[];
}

export function parseAzureId(id: string): AzureResourceId | undefined {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(id);
  if (!match) return undefined;
  const [, subscriptionId, resourceGroup, namespace, rest] = match as unknown as [string, string, string, string, string];
  const segments = rest.split('/');
  if (segments.length % 2 !== 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < segments.length; i += 2) {
    types.push(segments[i] as string);
    names.push(segments[i + 1] as string);
  }
  return { subscriptionId, resourceGroup, type: [namespace, ...types].join('/'), names };
}

export interface GcpResourceName {
  /** e.g. `compute.googleapis.com` */
  service: string;
  project: string;
  /** Collection/name pairs after the project, e.g. { zones: 'europe-west1-b', instances: 'vm-1' }. */
  parts: Record<string, string>;
}

export function parseGcpName(id: string): GcpResourceName | undefined {
  const match = /^\/\/([^/]+)\/projects\/([^/]+)\/(.+)$/.exec(id);
  if (!match) return undefined;
  const [, service, project, rest] = match as unknown as [string, string, string, string];
  const segments = rest.split('/');
  if (segments.length % 2 !== 0) return undefined;
  const parts: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 2) parts[segments[i] as string] = segments[i + 1] as string;
  return { service, project, parts };
}
