import type { CloudResource } from './stores/graph.ts';

/**
 * What a responder needs on a resource card besides name, type and state: who owns it and who is on
 * call (from tags), desired and running counts where the type has them, when it last changed (if
 * the estate records it), and where to open it in the provider's console. Every renderer (Slack,
 * Teams, CLI) shows the same facts from here.
 */
export interface ResponderFacts {
  owner?: string;
  oncall?: string;
  desiredCount?: number;
  runningCount?: number;
  changedAt?: string;
  consoleUrl?: string;
}

/** Tag keys read as the owner, first match wins (compared without case, `-` and `_`). */
const ownerKeys = ['owner', 'team', 'ownerteam', 'owningteam', 'squad', 'maintainer', 'contact'];
/** Tag keys read as the on-call rotation or escalation. */
const oncallKeys = ['oncall', 'oncallteam', 'oncallrotation', 'pagerduty', 'pagerdutyservice', 'opsgenieteam', 'escalation', 'escalationpolicy'];

export function responderFacts(resource: CloudResource): ResponderFacts {
  const owner = tagValue(resource, ownerKeys);
  const oncall = tagValue(resource, oncallKeys);
  const url = consoleUrl(resource);
  return {
    ...(owner ? { owner } : {}),
    ...(oncall ? { oncall } : {}),
    ...(resource.desiredCount !== undefined ? { desiredCount: resource.desiredCount } : {}),
    ...(resource.runningCount !== undefined ? { runningCount: resource.runningCount } : {}),
    ...(resource.changedAt ? { changedAt: resource.changedAt } : {}),
    ...(url ? { consoleUrl: url } : {}),
  };
}

/** The facts as short label/value pairs, in reading order; the console link is left to the renderer. */
export function responderFactList(facts: ResponderFacts): { label: string; value: string }[] {
  const list: { label: string; value: string }[] = [];
  if (facts.owner) list.push({ label: 'Owner', value: facts.owner });
  if (facts.oncall) list.push({ label: 'On call', value: facts.oncall });
  const counts = countsFact(facts);
  if (counts) list.push(counts);
  if (facts.changedAt) list.push({ label: 'Last change', value: changedText(facts.changedAt) });
  return list;
}

/** Running: "3 of 4" (or "4"), or Desired: "4" when only that is known. */
export function countsFact(facts: Pick<ResponderFacts, 'desiredCount' | 'runningCount'>): { label: string; value: string } | undefined {
  const { desiredCount: desired, runningCount: running } = facts;
  if (running !== undefined) return { label: 'Running', value: desired !== undefined ? `${running} of ${desired}` : `${running}` };
  if (desired !== undefined) return { label: 'Desired', value: `${desired}` };
  return undefined;
}

/** "2026-12-07 21:40 UTC (2 h ago)". */
export function changedText(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const stamp = `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const minutes = Math.round((now - at) / 60_000);
  if (minutes < 0) return stamp;
  const ago = minutes < 60 ? `${minutes} min ago` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h ago` : `${Math.round(minutes / 1440)} days ago`;
  return `${stamp} (${ago})`;
}

function tagValue(resource: CloudResource, keys: readonly string[]): string | undefined {
  const byKey = new Map(Object.entries(resource.tags).map(([k, v]) => [k.toLowerCase().replace(/[-_ ]/g, ''), v]));
  for (const key of keys) {
    const value = byKey.get(key)?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * Where to open a resource: the AWS console from its ARN, the Azure portal from its resource id,
 * the Google Cloud console from its full resource name. A page for the resource itself where the
 * console has a stable one, else the service's page in the right region or project.
 */
export function consoleUrl(resource: Pick<CloudResource, 'id' | 'provider' | 'region' | 'accountId'>): string | undefined {
  switch (resource.provider) {
    case 'aws':
      return awsConsoleUrl(resource.id);
    case 'azure':
      return resource.id.startsWith('/subscriptions/') ? `https://portal.azure.com/#resource${resource.id.split('/').map(encode).join('/')}` : undefined;
    case 'gcp':
      return gcpConsoleUrl(resource.id, resource.accountId);
  }
}

/** encodeURIComponent that never throws: a lone surrogate (which it refuses) becomes U+FFFD first. */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

function awsConsoleUrl(arn: string): string | undefined {
  const match = /^arn:(aws[\w-]*):([\w-]+):([\w-]*):(\d*):(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = 'aws', service = '', region = '', account = '', resource = ''] = match;
  // GovCloud and China have their own consoles; the links below are for the commercial partition.
  if (partition !== 'aws') return undefined;
  const host = region ? `https://${region}.console.aws.amazon.com` : 'https://console.aws.amazon.com';
  const q = region ? `?region=${region}` : '';
  const e = encode;
  const [kind = '', ...rest] = resource.split(/[/:]/);
  const last = rest[rest.length - 1] ?? kind;
  switch (service) {
    case 'ecs':
      if (kind === 'service' && rest.length >= 2) return `${host}/ecs/v2/clusters/${e(rest[0] ?? '')}/services/${e(last)}/health${q}`;
      if (kind === 'cluster') return `${host}/ecs/v2/clusters/${e(last)}/services${q}`;
      break;
    case 'rds':
      if (kind === 'db') return `${host}/rds/home${q}#database:id=${e(last)}`;
      if (kind === 'cluster') return `${host}/rds/home${q}#database:id=${e(last)};is-cluster=true`;
      break;
    case 'sqs':
      return `${host}/sqs/v3/home${q}#/queues/${e(`https://sqs.${region}.amazonaws.com/${account}/${resource}`)}`;
    case 'lambda':
      if (kind === 'function') return `${host}/lambda/home${q}#/functions/${e(rest[0] ?? last)}`;
      break;
    case 'dynamodb':
      if (kind === 'table') return `${host}/dynamodbv2/home${q}#table?name=${e(rest[0] ?? last)}`;
      break;
    case 's3':
      return `https://s3.console.aws.amazon.com/s3/buckets/${e(resource.split('/')[0] ?? resource)}`;
    case 'ec2':
      if (kind === 'instance') return `${host}/ec2/home${q}#InstanceDetails:instanceId=${e(last)}`;
      if (kind === 'vpc') return `${host}/vpcconsole/home${q}#VpcDetails:VpcId=${e(last)}`;
      if (kind === 'subnet') return `${host}/vpcconsole/home${q}#SubnetDetails:subnetId=${e(last)}`;
      if (kind === 'security-group') return `${host}/ec2/home${q}#SecurityGroup:groupId=${e(last)}`;
      break;
    case 'elasticloadbalancing':
      if (kind === 'loadbalancer') return `${host}/ec2/home${q}#LoadBalancer:loadBalancerArn=${e(arn)}`;
      if (kind === 'targetgroup') return `${host}/ec2/home${q}#TargetGroup:targetGroupArn=${e(arn)}`;
      break;
    case 'autoscaling':
      return `${host}/ec2/home${q}#AutoScalingGroupDetails:id=${e(resource.split('autoScalingGroupName/')[1] ?? last)}`;
    case 'eks':
      if (kind === 'cluster') return `${host}/eks/home${q}#/clusters/${e(last)}`;
      break;
    case 'sns':
      return `${host}/sns/v3/home${q}#/topic/${e(arn)}`;
    case 'elasticache':
      return `${host}/elasticache/home${q}`;
    default:
      break;
  }
  return `${host}/${service}/home${q}`;
}

function gcpConsoleUrl(name: string, project: string): string {
  const base = 'https://console.cloud.google.com';
  const e = encode;
  const p = `?project=${e(project)}`;
  const match = /^\/\/([\w.-]+)\.googleapis\.com\/(.+)$/.exec(name);
  const service = match?.[1] ?? '';
  const path = match?.[2] ?? '';
  const seg = (key: string): string | undefined => {
    const parts = path.split('/');
    const at = parts.indexOf(key);
    return at >= 0 ? parts[at + 1] : undefined;
  };
  const location = seg('locations') ?? seg('zones') ?? seg('regions');
  switch (service) {
    case 'run':
      if (seg('services') && location) return `${base}/run/detail/${e(location)}/${e(seg('services') as string)}/metrics${p}`;
      break;
    case 'cloudsql':
    case 'sqladmin':
      if (seg('instances')) return `${base}/sql/instances/${e(seg('instances') as string)}/overview${p}`;
      break;
    case 'compute':
      if (seg('instances') && location) return `${base}/compute/instancesDetail/zones/${e(location)}/instances/${e(seg('instances') as string)}${p}`;
      if (seg('instanceGroupManagers') && location) return `${base}/compute/instanceGroups/details/${e(location)}/${e(seg('instanceGroupManagers') as string)}${p}`;
      if (seg('networks')) return `${base}/networking/networks/details/${e(seg('networks') as string)}${p}`;
      break;
    case 'pubsub':
      if (seg('topics')) return `${base}/cloudpubsub/topic/detail/${e(seg('topics') as string)}${p}`;
      if (seg('subscriptions')) return `${base}/cloudpubsub/subscription/detail/${e(seg('subscriptions') as string)}${p}`;
      break;
    case 'storage':
      if (seg('buckets')) return `${base}/storage/browser/${e(seg('buckets') as string)}${p}`;
      break;
    case 'container':
      if (seg('clusters') && location) return `${base}/kubernetes/clusters/details/${e(location)}/${e(seg('clusters') as string)}/details${p}`;
      break;
    case 'cloudfunctions':
      if (seg('functions') && location) return `${base}/functions/details/${e(location)}/${e(seg('functions') as string)}${p}`;
      break;
    default:
      break;
  }
  return `${base}/home/dashboard${p}`;
}
