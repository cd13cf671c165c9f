import type { Symptom } from './types.ts';

/**
 * What a metric means for a diagnosis: which symptom it measures, and whether its threshold is a
 * ceiling (`upper`: CPU above 80 %) or a floor (`lower`: free storage below 10 GB). Per resource type
 * on AWS, Azure and GCP for the metrics the catalog reads (src/metrics/catalog.ts), then by the
 * metric's name for anything else, so a recorded or alert metric nobody listed still means something.
 */
export type MetricMeaning = Symptom | 'traffic' | 'other';

export interface MetricRole {
  meaning: MetricMeaning;
  bound: 'upper' | 'lower';
}

const up = (meaning: MetricMeaning): MetricRole => ({ meaning, bound: 'upper' });
const down = (meaning: MetricMeaning): MetricRole => ({ meaning, bound: 'lower' });

/** Explicit entries, by normalised resource type then metric as the provider spells it. */
const byType: Record<string, Record<string, MetricRole>> = {
  'aws.ec2.instance': { CPUUtilization: up('saturation'), StatusCheckFailed: up('availability'), StatusCheckFailed_Instance: up('availability'), StatusCheckFailed_System: up('availability'), NetworkIn: up('traffic'), NetworkOut: up('traffic'), CPUCreditBalance: down('capacity') },
  'aws.rds.instance': { CPUUtilization: up('saturation'), FreeStorageSpace: down('capacity'), FreeableMemory: down('capacity'), DatabaseConnections: up('saturation'), ReadLatency: up('latency'), WriteLatency: up('latency'), ReplicaLag: up('latency'), DiskQueueDepth: up('saturation') },
  'aws.elbv2.loadbalancer': { TargetResponseTime: up('latency'), HTTPCode_Target_5XX_Count: up('errors'), HTTPCode_ELB_5XX_Count: up('errors'), RequestCount: up('traffic'), RejectedConnectionCount: up('saturation'), UnHealthyHostCount: up('availability'), HealthyHostCount: down('availability') },
  'aws.elbv2.targetgroup': { RequestCountPerTarget: up('traffic'), UnHealthyHostCount: up('availability'), HealthyHostCount: down('availability'), TargetResponseTime: up('latency') },
  'aws.lambda.function': { Errors: up('errors'), Throttles: up('throttling'), Duration: up('latency'), Invocations: up('traffic'), ConcurrentExecutions: up('saturation'), IteratorAge: up('backlog') },
  'aws.ecs.service': { CPUUtilization: up('saturation'), MemoryUtilization: up('saturation'), RunningTaskCount: down('availability') },
  'aws.ecs.cluster': { CPUUtilization: up('saturation'), MemoryUtilization: up('saturation'), CPUReservation: up('capacity'), MemoryReservation: up('capacity') },
  'aws.sqs.queue': { ApproximateNumberOfMessagesVisible: up('backlog'), ApproximateAgeOfOldestMessage: up('backlog'), NumberOfMessagesSent: up('traffic'), NumberOfMessagesDeleted: down('traffic') },
  'aws.dynamodb.table': { ConsumedReadCapacityUnits: up('traffic'), ConsumedWriteCapacityUnits: up('traffic'), ReadThrottleEvents: up('throttling'), WriteThrottleEvents: up('throttling'), ThrottledRequests: up('throttling'), SuccessfulRequestLatency: up('latency') },
  'aws.apigateway.restapi': { Latency: up('latency'), IntegrationLatency: up('latency'), '5XXError': up('errors'), '4XXError': up('errors'), Count: up('traffic') },
  'azure.compute.vm': { 'Percentage CPU': up('saturation'), 'Available Memory Bytes': down('capacity'), 'Network In Total': up('traffic'), 'Network Out Total': up('traffic'), VmAvailabilityMetric: down('availability') },
  'azure.web.site': { Http5xx: up('errors'), HttpResponseTime: up('latency'), Requests: up('traffic'), MemoryWorkingSet: up('saturation') },
  'azure.web.serverfarm': { CpuPercentage: up('saturation'), MemoryPercentage: up('saturation'), HttpQueueLength: up('backlog') },
  'azure.sql.database': { cpu_percent: up('saturation'), dtu_consumption_percent: up('saturation'), storage_percent: up('capacity'), connection_failed: up('errors'), deadlock: up('errors') },
  'azure.network.applicationgateway': { FailedRequests: up('errors'), ApplicationGatewayTotalTime: up('latency'), UnhealthyHostCount: up('availability'), HealthyHostCount: down('availability') },
  'gcp.compute.instance': { 'compute.googleapis.com/instance/cpu/utilization': up('saturation'), 'compute.googleapis.com/instance/uptime': down('availability') },
  'gcp.compute.instanceGroupManager': { 'compute.googleapis.com/instance_group/size': down('capacity') },
  'gcp.run.service': { 'run.googleapis.com/request_latencies': up('latency'), 'run.googleapis.com/request_count': up('traffic'), 'run.googleapis.com/container/cpu/utilizations': up('saturation'), 'run.googleapis.com/container/instance_count': up('capacity') },
  'gcp.sql.instance': { 'cloudsql.googleapis.com/database/cpu/utilization': up('saturation'), 'cloudsql.googleapis.com/database/memory/utilization': up('saturation'), 'cloudsql.googleapis.com/database/disk/utilization': up('capacity'), 'cloudsql.googleapis.com/database/network/connections': up('saturation') },
};

/** Name patterns for metrics no entry lists; first match wins, so the specific come first. */
const byName: readonly [RegExp, MetricRole][] = [
  [/unhealthy/i, up('availability')],
  [/free|available|remaining|credit.?balance|healthy.?host|uptime|running.?task|instance.?count|group.?size/i, down('capacity')],
  [/throttl|rate.?limit|429/i, up('throttling')],
  [/status.?check|availability|unhealthy|health.?check|up.?time|heartbeat/i, up('availability')],
  [/5xx|4xx|error|fail|exception|fault|dead.?letter|deadlock/i, up('errors')],
  [/latenc|response.?time|duration|lag|wait|total.?time/i, up('latency')],
  [/visible|age.?of.?oldest|backlog|queue.?(depth|length|size)|undelivered|unacked|iterator.?age|pending/i, up('backlog')],
  [/cpu|memory|mem_|dtu|utiliz|saturat|connections|concurren|load|percent/i, up('saturation')],
  [/storage|disk|capacity|quota|reservation/i, up('capacity')],
  [/request|invocation|count|sent|received|network|bytes|throughput|ops/i, up('traffic')],
];

/** The meaning of `metric` on a resource of `type`; `other` when neither the catalog nor the name says. */
export function metricRole(type: string, metric: string): MetricRole {
  const own = byType[type]?.[metric] ?? lookupLoose(byType[type], metric);
  if (own) return own;
  const name = metric.split('/').slice(-2).join('/');
  for (const [pattern, role] of byName) if (pattern.test(name)) return role;
  return { meaning: 'other', bound: 'upper' };
}

/** Provider spellings vary (GCP paths, Azure spaces): compare on letters and digits, last path segments. */
function lookupLoose(entries: Record<string, MetricRole> | undefined, metric: string): MetricRole | undefined {
  if (!entries) return undefined;
  const key = normalizeMetric(metric);
  for (const [name, role] of Object.entries(entries)) {
    const norm = normalizeMetric(name);
    if (norm === key || norm.endsWith(key) || key.endsWith(norm)) return role;
  }
  return undefined;
}

export function normalizeMetric(metric: string): string {
  return metric.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Whether two spellings name the same metric: exact, loose (case and punctuation), or one is the
 * tail of the other's path (`cpu/utilization` and `compute.googleapis.com/instance/cpu/utilization`).
 */
export function sameMetric(a: string, b: string): boolean {
  if (a === b) return true;
  const na = normalizeMetric(a);
  const nb = normalizeMetric(b);
  if (na === nb) return true;
  const tail = (x: string, y: string): boolean => y.includes('/') ? x.endsWith(`/${y}`) : normalizeMetric(x.split('/').at(-1) ?? x) === normalizeMetric(y);
  return tail(a, b) || tail(b, a);
}

/** Meanings that usually name a cause (a resource short of something); the rest are usually effects. */
export function causePrior(meaning: MetricMeaning): number {
  switch (meaning) {
    case 'saturation': case 'throttling': case 'availability': case 'capacity': return 1;
    case 'errors': return 0.75;
    case 'latency': return 0.65;
    case 'backlog': return 0.55;
    case 'traffic': return 0.5;
    case 'other': return 0.4;
    case 'unknown': return 0.4;
  }
}
