import type { AlertResourceRef } from './alert.ts';

/**
 * Turning what alert payloads say about a resource into the providers' own id forms, so the
 * investigation can look them up in the resource graph (whose ids are ARNs, Azure resource ids and
 * GCP full resource names).
 */

export interface AwsLocation {
  region?: string;
  accountId?: string;
}

/** CloudWatch puts a display name in `Region` ("US East (N. Virginia)", "EU - Ireland"); the ARN has the code. */
const awsRegionNames: Record<string, string> = {
  'us east (n. virginia)': 'us-east-1', 'us east (ohio)': 'us-east-2', 'us west (n. california)': 'us-west-1', 'us west (oregon)': 'us-west-2',
  'canada (central)': 'ca-central-1', 'south america (sao paulo)': 'sa-east-1', 'south america (são paulo)': 'sa-east-1',
  'eu (ireland)': 'eu-west-1', 'eu - ireland': 'eu-west-1', 'europe (ireland)': 'eu-west-1', 'eu (london)': 'eu-west-2', 'europe (london)': 'eu-west-2',
  'eu (paris)': 'eu-west-3', 'europe (paris)': 'eu-west-3', 'eu (frankfurt)': 'eu-central-1', 'europe (frankfurt)': 'eu-central-1',
  'eu (stockholm)': 'eu-north-1', 'europe (stockholm)': 'eu-north-1', 'eu (milan)': 'eu-south-1', 'europe (milan)': 'eu-south-1',
  'asia pacific (tokyo)': 'ap-northeast-1', 'asia pacific (seoul)': 'ap-northeast-2', 'asia pacific (osaka)': 'ap-northeast-3',
  'asia pacific (singapore)': 'ap-southeast-1', 'asia pacific (sydney)': 'ap-southeast-2', 'asia pacific (mumbai)': 'ap-south-1',
  'asia pacific (hong kong)': 'ap-east-1', 'middle east (bahrain)': 'me-south-1', 'africa (cape town)': 'af-south-1',
};

export function awsRegionCode(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(value)) return value;
  return awsRegionNames[value.trim().toLowerCase()];
}

/**
 * `arn:aws:cloudwatch:us-east-1:111111111111:alarm:name` → its region and account. A placeholder
 * (`arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:…`, as in AWS's own samples) gives neither, so no
 * console link or resource ARN is built from it.
 */
export function awsLocationFromArn(arn: string | undefined): AwsLocation {
  const parts = arn?.split(':') ?? [];
  if (parts[0] !== 'arn' || parts.length < 6) return {};
  const region = awsRegionCode(parts[3]);
  const accountId = /^\d{12}$/.test(parts[4] ?? '') ? parts[4] : undefined;
  return { ...(region ? { region } : {}), ...(accountId ? { accountId } : {}) };
}

/**
 * CloudWatch dimensions → resource references. Where the dimensions determine an ARN (and the
 * region and account are known) the reference carries it; otherwise the dimension value is a name.
 */
export function awsResourcesFromDimensions(namespace: string | undefined, dimensions: readonly { name: string; value: string }[], where: AwsLocation): AlertResourceRef[] {
  const dim = new Map(dimensions.map((d) => [d.name, d.value]));
  const arn = (service: string, resource: string, global = false): string | undefined =>
    (global || (where.region && where.accountId)) ? `arn:aws:${service}:${global ? '' : where.region}:${global ? '' : where.accountId}:${resource}` : undefined;
  const ref = (type: string, name: string, id: string | undefined): AlertResourceRef => ({ provider: 'aws', type, name, ...(id ? { id } : {}) });
  const refs: AlertResourceRef[] = [];
  const cluster = dim.get('ClusterName');
  const service = dim.get('ServiceName');
  if (cluster && service && (namespace === 'AWS/ECS' || namespace === 'ECS/ContainerInsights')) refs.push(ref('AWS/ECS ServiceName', service, arn('ecs', `service/${cluster}/${service}`)));
  else if (cluster && (namespace === 'AWS/ECS' || namespace === 'ECS/ContainerInsights')) refs.push(ref('AWS/ECS ClusterName', cluster, arn('ecs', `cluster/${cluster}`)));
  for (const [name, value] of dim) {
    switch (name) {
      case 'InstanceId': refs.push(ref('AWS/EC2 InstanceId', value, arn('ec2', `instance/${value}`))); break;
      case 'DBInstanceIdentifier': refs.push(ref('AWS/RDS DBInstanceIdentifier', value, arn('rds', `db:${value}`))); break;
      case 'DBClusterIdentifier': refs.push(ref('AWS/RDS DBClusterIdentifier', value, arn('rds', `cluster:${value}`))); break;
      case 'FunctionName': refs.push(ref('AWS/Lambda FunctionName', value, arn('lambda', `function:${value}`))); break;
      case 'QueueName': refs.push(ref('AWS/SQS QueueName', value, arn('sqs', value))); break;
      case 'TableName': refs.push(ref('AWS/DynamoDB TableName', value, arn('dynamodb', `table/${value}`))); break;
      case 'BucketName': refs.push(ref('AWS/S3 BucketName', value, arn('s3', value, true))); break;
      case 'TopicName': refs.push(ref('AWS/SNS TopicName', value, arn('sns', value))); break;
      // app/checkout-alb/50dc… is the ARN's own suffix; the name is its middle part.
      case 'LoadBalancer': refs.push(ref('AWS/ApplicationELB LoadBalancer', value.split('/')[1] ?? value, arn('elasticloadbalancing', `loadbalancer/${value}`))); break;
      case 'TargetGroup': refs.push(ref('AWS/ApplicationELB TargetGroup', value.split('/')[1] ?? value, arn('elasticloadbalancing', value))); break;
      case 'CacheClusterId': refs.push(ref('AWS/ElastiCache CacheClusterId', value, arn('elasticache', `cluster:${value}`))); break;
      case 'AutoScalingGroupName': refs.push(ref('AWS/AutoScaling AutoScalingGroupName', value, undefined)); break;
      case 'ClusterName': case 'ServiceName': break;
      default: break;
    }
  }
  // A dimension we cannot map still names something (a custom metric's "service", a host…).
  if (refs.length === 0) for (const d of dimensions) refs.push({ provider: 'aws', type: `${namespace ?? 'custom'} ${d.name}`, name: d.value });
  return refs;
}

const arnPattern = /\barn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[^\s"'<>|,)]+/g;
const azurePattern = /\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^\s"'<>|,)]+/gi;
const gcpPattern = /\/\/[a-z0-9-]+\.googleapis\.com\/projects\/[^\s"'<>|,)]+/g;

/** Provider ids written out in free text (a chat message, an annotation): ARNs, Azure ids, GCP full names. */
export function resourceIdsInText(text: string): AlertResourceRef[] {
  const refs: AlertResourceRef[] = [];
  const seen = new Set<string>();
  const add = (provider: 'aws' | 'azure' | 'gcp', id: string): void => {
    const clean = id.replace(/[.;:]+$/, '');
    if (seen.has(clean.toLowerCase())) return;
    seen.add(clean.toLowerCase());
    refs.push({ provider, id: clean });
  };
  for (const m of text.matchAll(arnPattern)) if (!m[0].includes(':cloudwatch:') && !m[0].includes(':sns:')) add('aws', m[0]);
  for (const m of text.matchAll(azurePattern)) add('azure', m[0]);
  for (const m of text.matchAll(gcpPattern)) add('gcp', m[0]);
  return refs;
}

/** Azure resource ids end in the resource's name. */
export function azureNameOf(id: string): string | undefined {
  return id.split('/').filter(Boolean).at(-1);
}

/**
 * A GCP monitored resource (type + labels) → its full resource name, for the types whose labels
 * determine one; otherwise a name reference.
 */
export function gcpResourceRef(type: string, labels: Readonly<Record<string, string>>, displayName: string | undefined): AlertResourceRef {
  const project = labels.project_id;
  const base: AlertResourceRef = { provider: 'gcp', type, ...(displayName ? { name: displayName } : {}) };
  if (!project) return base;
  switch (type) {
    case 'gce_instance': {
      // Full resource names use the instance name; the incident carries it as the display name.
      const name = displayName ?? labels.instance_name;
      return name && labels.zone ? { ...base, id: `//compute.googleapis.com/projects/${project}/zones/${labels.zone}/instances/${name}`, name } : base;
    }
    case 'cloud_run_revision':
      return labels.service_name && labels.location
        ? { ...base, id: `//run.googleapis.com/projects/${project}/locations/${labels.location}/services/${labels.service_name}`, name: labels.service_name }
        : base;
    case 'cloudsql_database': {
      const instance = labels.database_id?.split(':').at(-1);
      return instance ? { ...base, id: `//cloudsql.googleapis.com/projects/${project}/instances/${instance}`, name: instance } : base;
    }
    case 'k8s_container':
    case 'k8s_pod':
      return labels.cluster_name && labels.location
        ? { ...base, id: `//container.googleapis.com/projects/${project}/locations/${labels.location}/clusters/${labels.cluster_name}`, name: labels.container_name ?? labels.pod_name ?? labels.cluster_name }
        : base;
    case 'cloud_function':
      return labels.function_name && labels.region
        ? { ...base, id: `//cloudfunctions.googleapis.com/projects/${project}/locations/${labels.region}/functions/${labels.function_name}`, name: labels.function_name }
        : base;
    default:
      return base;
  }
}

/**
 * Label sets (Prometheus, Grafana, Datadog tags) name resources by convention: provider ids in any
 * value, then the usual naming labels, most specific first.
 */
const namingLabels = ['resource', 'service', 'service_name', 'deployment', 'statefulset', 'daemonset', 'pod', 'container', 'instance', 'host', 'hostname', 'job'];

export function resourcesFromLabels(labels: Readonly<Record<string, string>>): AlertResourceRef[] {
  const refs = resourceIdsInText(Object.values(labels).join(' '));
  for (const key of namingLabels) {
    const value = labels[key];
    if (!value) continue;
    // Prometheus `instance` is host:port.
    const name = key === 'instance' ? value.replace(/:\d+$/, '') : value;
    if (!refs.some((r) => r.name === name)) refs.push({ type: `label ${key}`, name });
  }
  return refs;
}
