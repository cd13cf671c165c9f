import type { CloudResource } from '../stores/graph.ts';
import { parseArn, parseAzureId, parseGcpName } from './ids.ts';

/**
 * The metric catalog: for each normalised resource type, the few metrics that matter and how to
 * address them at the provider, derived from the resource's own id (ARN, Azure resource id, GCP full
 * resource name). Thresholds are common alarm levels, used only where one level fits every size of
 * resource (CPU percent, not free bytes); they are breached when the value is above them.
 */

export interface Dimension {
  Name: string;
  Value: string;
}

export interface AwsMetric {
  name: string;
  stat: 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'p95';
  unit: string;
  threshold?: number;
}

export interface AwsAddress {
  provider: 'aws';
  accountId: string;
  region: string;
  namespace: string;
  dimensions: Dimension[];
  metrics: AwsMetric[];
}

export interface AzureMetric {
  name: string;
  aggregation: 'Average' | 'Total' | 'Maximum' | 'Minimum';
  unit: string;
  threshold?: number;
}

export interface AzureAddress {
  provider: 'azure';
  subscriptionId: string;
  region: string;
  /** Metric namespace, the resource type: `Microsoft.Compute/virtualMachines`. */
  namespace: string;
  metrics: AzureMetric[];
}

export interface GcpMetric {
  /** Metric type, e.g. `compute.googleapis.com/instance/cpu/utilization`. */
  name: string;
  /** Per-series aligner: ALIGN_MEAN for gauges, ALIGN_RATE / ALIGN_DELTA for counters, ALIGN_PERCENTILE_95 for distributions. */
  aligner: string;
  /** Reduces several series of one resource (revisions, databases) to one. */
  reducer: string;
  unit: string;
  threshold?: number;
}

export interface GcpAddress {
  provider: 'gcp';
  project: string;
  /** Monitored resource type, e.g. `gce_instance`. */
  resourceType: string;
  /** Label filters that pick out this resource, e.g. { 'resource.labels.zone': 'europe-west1-b' }. */
  labels: Record<string, string>;
  metrics: GcpMetric[];
}

export type MetricAddress = AwsAddress | AzureAddress | GcpAddress;

/** The resource's metrics, nothing for a type without live metrics, or why its id could not be read. */
export type CatalogLookup = { ok: true; address: MetricAddress } | { ok: false; reason: 'no_metrics' | 'bad_id'; message: string };

const percent = 'Percent';

type AwsType = { namespace: string; metrics: AwsMetric[]; dimensions: (resource: string, name: string) => Dimension[] | undefined };

const aws: Record<string, AwsType> = {
  'aws.ec2.instance': {
    namespace: 'AWS/EC2',
    metrics: [
      { name: 'CPUUtilization', stat: 'Average', unit: percent, threshold: 90 },
      { name: 'StatusCheckFailed', stat: 'Maximum', unit: 'Count', threshold: 0 },
      { name: 'NetworkIn', stat: 'Sum', unit: 'Bytes' },
      { name: 'NetworkOut', stat: 'Sum', unit: 'Bytes' },
    ],
    dimensions: (resource) => after(resource, 'instance/', (id) => [{ Name: 'InstanceId', Value: id }]),
  },
  'aws.rds.instance': {
    namespace: 'AWS/RDS',
    metrics: [
      { name: 'CPUUtilization', stat: 'Average', unit: percent, threshold: 80 },
      { name: 'FreeStorageSpace', stat: 'Minimum', unit: 'Bytes' },
      { name: 'DatabaseConnections', stat: 'Average', unit: 'Count' },
      { name: 'ReadLatency', stat: 'Average', unit: 'Seconds' },
      { name: 'WriteLatency', stat: 'Average', unit: 'Seconds' },
    ],
    dimensions: (resource) => after(resource, 'db:', (id) => [{ Name: 'DBInstanceIdentifier', Value: id }]),
  },
  'aws.elbv2.loadbalancer': {
    namespace: 'AWS/ApplicationELB',
    metrics: [
      { name: 'TargetResponseTime', stat: 'Average', unit: 'Seconds', threshold: 1 },
      { name: 'HTTPCode_Target_5XX_Count', stat: 'Sum', unit: 'Count', threshold: 50 },
      { name: 'HTTPCode_ELB_5XX_Count', stat: 'Sum', unit: 'Count', threshold: 50 },
      { name: 'RequestCount', stat: 'Sum', unit: 'Count' },
      { name: 'RejectedConnectionCount', stat: 'Sum', unit: 'Count' },
    ],
    // The LoadBalancer dimension is the ARN's tail after "loadbalancer/": app/<name>/<id>.
    dimensions: (resource) => after(resource, 'loadbalancer/app/', (tail) => [{ Name: 'LoadBalancer', Value: `app/${tail}` }]),
  },
  'aws.elbv2.targetgroup': {
    namespace: 'AWS/ApplicationELB',
    metrics: [
      { name: 'RequestCountPerTarget', stat: 'Sum', unit: 'Count' },
    ],
    dimensions: (resource) => (resource.startsWith('targetgroup/') ? [{ Name: 'TargetGroup', Value: resource }] : undefined),
  },
  'aws.lambda.function': {
    namespace: 'AWS/Lambda',
    metrics: [
      { name: 'Errors', stat: 'Sum', unit: 'Count', threshold: 10 },
      { name: 'Throttles', stat: 'Sum', unit: 'Count', threshold: 1 },
      { name: 'Duration', stat: 'Average', unit: 'Milliseconds' },
      { name: 'Invocations', stat: 'Sum', unit: 'Count' },
      { name: 'ConcurrentExecutions', stat: 'Maximum', unit: 'Count' },
    ],
    // function:<name>[:<alias or version>]; a qualified ARN is addressed by the Resource dimension.
    dimensions: (resource) => after(resource, 'function:', (tail) => {
      const [name, qualifier] = tail.split(':');
      if (!name) return undefined;
      return qualifier
        ? [{ Name: 'FunctionName', Value: name }, { Name: 'Resource', Value: `${name}:${qualifier}` }]
        : [{ Name: 'FunctionName', Value: name }];
    }),
  },
  'aws.ecs.service': {
    namespace: 'AWS/ECS',
    metrics: [
      { name: 'CPUUtilization', stat: 'Average', unit: percent, threshold: 80 },
      { name: 'MemoryUtilization', stat: 'Average', unit: percent, threshold: 85 },
    ],
    // Long ARN format service/<cluster>/<service>; the old short format names no cluster.
    dimensions: (resource) => after(resource, 'service/', (tail) => {
      const [cluster, service, extra] = tail.split('/');
      return cluster && service && extra === undefined ? [{ Name: 'ClusterName', Value: cluster }, { Name: 'ServiceName', Value: service }] : undefined;
    }),
  },
  'aws.ecs.cluster': {
    namespace: 'AWS/ECS',
    metrics: [
      { name: 'CPUUtilization', stat: 'Average', unit: percent, threshold: 80 },
      { name: 'MemoryUtilization', stat: 'Average', unit: percent, threshold: 85 },
      { name: 'CPUReservation', stat: 'Average', unit: percent },
      { name: 'MemoryReservation', stat: 'Average', unit: percent },
    ],
    dimensions: (resource) => after(resource, 'cluster/', (name) => [{ Name: 'ClusterName', Value: name }]),
  },
  'aws.sqs.queue': {
    namespace: 'AWS/SQS',
    metrics: [
      { name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum', unit: 'Count', threshold: 1000 },
      { name: 'ApproximateAgeOfOldestMessage', stat: 'Maximum', unit: 'Seconds', threshold: 300 },
      { name: 'NumberOfMessagesSent', stat: 'Sum', unit: 'Count' },
      { name: 'NumberOfMessagesDeleted', stat: 'Sum', unit: 'Count' },
    ],
    dimensions: (resource) => (/^[\w-]+(\.fifo)?$/.test(resource) ? [{ Name: 'QueueName', Value: resource }] : undefined),
  },
  'aws.dynamodb.table': {
    namespace: 'AWS/DynamoDB',
    metrics: [
      { name: 'ConsumedReadCapacityUnits', stat: 'Sum', unit: 'Count' },
      { name: 'ConsumedWriteCapacityUnits', stat: 'Sum', unit: 'Count' },
      { name: 'ReadThrottleEvents', stat: 'Sum', unit: 'Count', threshold: 0 },
      { name: 'WriteThrottleEvents', stat: 'Sum', unit: 'Count', threshold: 0 },
    ],
    dimensions: (resource) => after(resource, 'table/', (name) => (name.includes('/') ? undefined : [{ Name: 'TableName', Value: name }])),
  },
};

type AzureType = { namespace: string; metrics: AzureMetric[] };

const azure: Record<string, AzureType> = {
  'azure.compute.vm': {
    namespace: 'Microsoft.Compute/virtualMachines',
    metrics: [
      { name: 'Percentage CPU', aggregation: 'Average', unit: percent, threshold: 90 },
      { name: 'Available Memory Bytes', aggregation: 'Average', unit: 'Bytes' },
      { name: 'Network In Total', aggregation: 'Total', unit: 'Bytes' },
      { name: 'Network Out Total', aggregation: 'Total', unit: 'Bytes' },
      { name: 'VmAvailabilityMetric', aggregation: 'Average', unit: 'Count' },
    ],
  },
  'azure.web.site': {
    namespace: 'Microsoft.Web/sites',
    metrics: [
      { name: 'Http5xx', aggregation: 'Total', unit: 'Count', threshold: 10 },
      { name: 'HttpResponseTime', aggregation: 'Average', unit: 'Seconds', threshold: 2 },
      { name: 'Requests', aggregation: 'Total', unit: 'Count' },
      { name: 'MemoryWorkingSet', aggregation: 'Average', unit: 'Bytes' },
    ],
  },
  'azure.web.serverfarm': {
    namespace: 'Microsoft.Web/serverfarms',
    metrics: [
      { name: 'CpuPercentage', aggregation: 'Average', unit: percent, threshold: 85 },
      { name: 'MemoryPercentage', aggregation: 'Average', unit: percent, threshold: 85 },
      { name: 'HttpQueueLength', aggregation: 'Average', unit: 'Count' },
    ],
  },
  'azure.sql.database': {
    namespace: 'Microsoft.Sql/servers/databases',
    metrics: [
      { name: 'cpu_percent', aggregation: 'Average', unit: percent, threshold: 90 },
      { name: 'dtu_consumption_percent', aggregation: 'Average', unit: percent, threshold: 90 },
      { name: 'storage_percent', aggregation: 'Maximum', unit: percent, threshold: 90 },
      { name: 'connection_failed', aggregation: 'Total', unit: 'Count' },
    ],
  },
};

type GcpType = { resourceType: string; metrics: GcpMetric[]; labels: (parts: Record<string, string>, project: string) => Record<string, string> | undefined };

const gcp: Record<string, GcpType> = {
  'gcp.compute.instance': {
    resourceType: 'gce_instance',
    metrics: [
      { name: 'compute.googleapis.com/instance/cpu/utilization', aligner: 'ALIGN_MEAN', reducer: 'REDUCE_MEAN', unit: 'ratio', threshold: 0.9 },
      { name: 'compute.googleapis.com/instance/network/received_bytes_count', aligner: 'ALIGN_RATE', reducer: 'REDUCE_SUM', unit: 'By/s' },
      { name: 'compute.googleapis.com/instance/network/sent_bytes_count', aligner: 'ALIGN_RATE', reducer: 'REDUCE_SUM', unit: 'By/s' },
    ],
    // Compute metrics carry the instance name as a metric label; the resource labels carry its numeric id.
    labels: (parts) => (parts.zones && parts.instances ? { 'resource.labels.zone': parts.zones, 'metric.labels.instance_name': parts.instances } : undefined),
  },
  'gcp.compute.instanceGroupManager': {
    resourceType: 'instance_group',
    metrics: [
      { name: 'compute.googleapis.com/instance_group/size', aligner: 'ALIGN_MEAN', reducer: 'REDUCE_MEAN', unit: 'Count' },
    ],
    labels: (parts) => {
      const location = parts.zones ?? parts.regions;
      return location && parts.instanceGroupManagers
        ? { 'resource.labels.location': location, 'resource.labels.instance_group_name': parts.instanceGroupManagers }
        : undefined;
    },
  },
  'gcp.run.service': {
    resourceType: 'cloud_run_revision',
    metrics: [
      { name: 'run.googleapis.com/request_latencies', aligner: 'ALIGN_PERCENTILE_95', reducer: 'REDUCE_MAX', unit: 'ms', threshold: 1000 },
      { name: 'run.googleapis.com/request_count', aligner: 'ALIGN_DELTA', reducer: 'REDUCE_SUM', unit: 'Count' },
      { name: 'run.googleapis.com/container/cpu/utilizations', aligner: 'ALIGN_PERCENTILE_95', reducer: 'REDUCE_MAX', unit: 'ratio', threshold: 0.9 },
      { name: 'run.googleapis.com/container/instance_count', aligner: 'ALIGN_MAX', reducer: 'REDUCE_SUM', unit: 'Count' },
    ],
    labels: (parts) => (parts.locations && parts.services ? { 'resource.labels.location': parts.locations, 'resource.labels.service_name': parts.services } : undefined),
  },
  'gcp.sql.instance': {
    resourceType: 'cloudsql_database',
    metrics: [
      { name: 'cloudsql.googleapis.com/database/cpu/utilization', aligner: 'ALIGN_MEAN', reducer: 'REDUCE_MEAN', unit: 'ratio', threshold: 0.85 },
      { name: 'cloudsql.googleapis.com/database/memory/utilization', aligner: 'ALIGN_MEAN', reducer: 'REDUCE_MEAN', unit: 'ratio', threshold: 0.9 },
      { name: 'cloudsql.googleapis.com/database/disk/utilization', aligner: 'ALIGN_MEAN', reducer: 'REDUCE_MEAN', unit: 'ratio', threshold: 0.9 },
      { name: 'cloudsql.googleapis.com/database/network/connections', aligner: 'ALIGN_MEAN', reducer: 'REDUCE_SUM', unit: 'Count' },
    ],
    // Cloud SQL labels a database by "<project>:<instance>".
    labels: (parts, project) => (parts.instances ? { 'resource.labels.database_id': `${project}:${parts.instances}` } : undefined),
  },
};

/** The catalog entry of one resource, addressed for its provider. */
export function catalogLookup(resource: CloudResource): CatalogLookup {
  switch (resource.provider) {
    case 'aws': return awsLookup(resource);
    case 'azure': return azureLookup(resource);
    case 'gcp': return gcpLookup(resource);
  }
}

/** Normalised types that have live metrics, per provider (for docs and tests). */
export const catalogTypes = { aws: Object.keys(aws), azure: Object.keys(azure), gcp: Object.keys(gcp) };

function awsLookup(resource: CloudResource): CatalogLookup {
  const entry = aws[resource.type];
  if (!entry) return noMetrics(resource);
  const arn = parseArn(resource.id);
  const dimensions = arn ? entry.dimensions(arn.resource, resource.name) : undefined;
  if (!arn || !dimensions || !arn.region) return badId(resource, 'an ARN with a region and the resource part CloudWatch names its dimensions after');
  return { ok: true, address: { provider: 'aws', accountId: arn.accountId || resource.accountId, region: arn.region, namespace: entry.namespace, dimensions, metrics: entry.metrics } };
}

function azureLookup(resource: CloudResource): CatalogLookup {
  const entry = azure[resource.type];
  if (!entry) return noMetrics(resource);
  const id = parseAzureId(resource.id);
  if (!id || id.type.toLowerCase() !== entry.namespace.toLowerCase()) return badId(resource, `an Azure resource id of type ${entry.namespace}`);
  // Azure ids carry no region; the metrics endpoint is regional, so the inventory's region is used.
  if (!resource.region || resource.region === 'global') return badId(resource, 'a region in the inventory (Azure resource ids do not carry one)');
  return { ok: true, address: { provider: 'azure', subscriptionId: id.subscriptionId, region: resource.region.toLowerCase().replace(/\s+/g, ''), namespace: entry.namespace, metrics: entry.metrics } };
}

function gcpLookup(resource: CloudResource): CatalogLookup {
  const entry = gcp[resource.type];
  if (!entry) return noMetrics(resource);
  const name = parseGcpName(resource.id);
  const labels = name ? entry.labels(name.parts, name.project) : undefined;
  if (!name || !labels) return badId(resource, 'a GCP full resource name (//service/projects/…)');
  return { ok: true, address: { provider: 'gcp', project: name.project, resourceType: entry.resourceType, labels, metrics: entry.metrics } };
}

function after(resource: string, prefix: string, build: (tail: string) => Dimension[] | undefined): Dimension[] | undefined {
  if (!resource.startsWith(prefix)) return undefined;
  const tail = resource.slice(prefix.length);
  return tail ? build(tail) : undefined;
}

function noMetrics(resource: CloudResource): CatalogLookup {
  return { ok: false, reason: 'no_metrics', message: `No live metrics are catalogued for ${resource.type}.` };
}

function badId(resource: CloudResource, expected: string): CatalogLookup {
  return { ok: false, reason: 'bad_id', message: `Cannot address metrics for ${resource.name}: its id ${resource.id} is not ${expected}.` };
}
