import nock from 'nock';

/**
 * A simulated AWS account answering the real SDK v3 clients through nock, in each service's own
 * wire format: EC2 query (form in, `<item>` XML out), AWS query (Auto Scaling, ELBv2, RDS, SNS:
 * `<XResponse><XResult>` with `<member>` lists; RDS names its members), JSON 1.0/1.1 with
 * X-Amz-Target (ECS, DynamoDB, SQS), REST-JSON (Lambda, EKS) and REST-XML (S3). Lists are paged
 * by the fake's own page size whatever the client asks, so every paginator has to follow tokens.
 */

export interface FakeRegion {
  vpcs?: { id: string; name?: string }[];
  subnets?: { id: string; vpc: string }[];
  groups?: { id: string; name: string; vpc: string; ingressFrom?: string[] }[];
  instances?: { id: string; name: string; state?: string; subnet?: string; groups?: string[] }[];
  autoScalingGroups?: { name: string; instances: string[]; targetGroups?: string[]; subnets?: string[] }[];
  loadBalancers?: { name: string; subnets?: string[]; groups?: string[] }[];
  /** Listeners forward to target groups by name. */
  listeners?: { lb: string; port: number; targetGroup: string }[];
  targetGroups?: { name: string; type: 'instance' | 'ip' | 'lambda'; lbs: string[]; targets?: string[] }[];
  clusters?: string[];
  services?: { cluster: string; name: string; desired?: number; running?: number; targetGroup?: string; subnets?: string[]; groups?: string[]; env?: Record<string, string> }[];
  eks?: { name: string; subnets?: string[]; groups?: string[] }[];
  functions?: { name: string; subnets?: string[]; groups?: string[]; env?: Record<string, string> }[];
  dbClusters?: { id: string; members: string[]; groups?: string[] }[];
  dbInstances?: { id: string; status?: string; subnets?: string[]; groups?: string[]; tags?: Record<string, string> }[];
  tables?: string[];
  queues?: string[];
  topics?: { name: string; subscriptions?: { protocol: string; endpoint: string }[] }[];
}

export interface FakeAwsAccount {
  accountId: string;
  regions: Record<string, FakeRegion>;
  buckets?: string[];
}

export interface FakeAwsOptions {
  /** Items per page, whatever the request asks for (default 2). */
  pageSize?: number;
  /** Regions where every call is refused with the service's access-denied error. */
  denyRegions?: readonly string[];
  /** Per `service operation` (e.g. `ecs ListServices`): how many calls are throttled before it answers. */
  throttle?: Record<string, number>;
}

export interface FakeAws {
  /** `region service Operation` per request, throttled ones included. */
  calls: string[];
  /** Changes the account in place; later requests see the change (a second crawl after a deletion). */
  account: FakeAwsAccount;
}

const requestId = 'c6f7a3e1-0d2b-4f4a-9a51-EXAMPLE00001';

export function fakeAws(account: FakeAwsAccount, options: FakeAwsOptions = {}): FakeAws {
  const calls: string[] = [];
  const pageSize = options.pageSize ?? 2;
  const throttled = new Map(Object.entries(options.throttle ?? {}));
  const state: FakeAws = { calls, account };

  const handle = (host: string, method: string, path: string, headers: Record<string, string | string[] | undefined>, body: string): [number, string, Record<string, string>] => {
    const [first = '', second = ''] = host.split('.');
    const service = first === 's3' ? 's3' : first;
    const region = first === 's3' ? second : second;
    const target = String(headers['x-amz-target'] ?? '');
    const form = Object.fromEntries(new URLSearchParams(body));
    const json = target && body ? JSON.parse(body) as Record<string, unknown> : {};
    const url = new URL(path, 'https://fake');
    const operation = target ? target.split('.').at(-1) ?? '' : form.Action ?? restOperation(service, method, url.pathname);
    const key = `${service} ${operation}`;
    calls.push(`${region} ${key}`);
    const data = state.account.regions[region] ?? {};
    if (options.denyRegions?.includes(region)) return deny(service);
    const left = throttled.get(key) ?? 0;
    if (left > 0) {
      throttled.set(key, left - 1);
      return throttle(service);
    }
    const arn = (svc: string, resource: string): string => `arn:aws:${svc}:${region}:${state.account.accountId}:${resource}`;
    const page = <T>(items: readonly T[], token: unknown): { items: T[]; next: string | undefined } => {
      const start = token ? Number(token) : 0;
      const end = start + pageSize;
      return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
    };
    const tgArn = (name: string): string => arn('elasticloadbalancing', `targetgroup/${name}/0123456789abcdef`);
    const lbArn = (name: string): string => arn('elasticloadbalancing', `loadbalancer/app/${name}/50dc6c495c0c9188`);

    switch (key) {
      case 'ec2 DescribeRegions':
        return ec2('DescribeRegions', `<regionInfo>${Object.keys(state.account.regions).map((r) => `<item><regionName>${r}</regionName><regionEndpoint>ec2.${r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`).join('')}</regionInfo>`);
      case 'ec2 DescribeVpcs': {
        const p = page(data.vpcs ?? [], form.NextToken);
        return ec2(operation, `<vpcSet>${p.items.map((v) => `<item><vpcId>${v.id}</vpcId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock>${tagSet(v.name ? { Name: v.name } : {})}</item>`).join('')}</vpcSet>${next(p.next)}`);
      }
      case 'ec2 DescribeSubnets': {
        const p = page(data.subnets ?? [], form.NextToken);
        return ec2(operation, `<subnetSet>${p.items.map((s) => `<item><subnetId>${s.id}</subnetId><vpcId>${s.vpc}</vpcId><state>available</state><availabilityZone>${region}a</availabilityZone></item>`).join('')}</subnetSet>${next(p.next)}`);
      }
      case 'ec2 DescribeSecurityGroups': {
        const p = page(data.groups ?? [], form.NextToken);
        return ec2(operation, `<securityGroupInfo>${p.items.map((g) => `<item><ownerId>${state.account.accountId}</ownerId><groupId>${g.id}</groupId><groupName>${esc(g.name)}</groupName><vpcId>${g.vpc}</vpcId><ipPermissions>${(g.ingressFrom ?? []).map((from) => `<item><ipProtocol>tcp</ipProtocol><fromPort>5432</fromPort><toPort>5432</toPort><groups><item><groupId>${from}</groupId><userId>${state.account.accountId}</userId></item></groups><ipRanges/></item>`).join('')}</ipPermissions></item>`).join('')}</securityGroupInfo>${next(p.next)}`);
      }
      case 'ec2 DescribeInstances': {
        const p = page(data.instances ?? [], form.NextToken);
        const codes: Record<string, number> = { pending: 0, running: 16, stopping: 64, stopped: 80 };
        return ec2(operation, `<reservationSet>${p.items.map((i) => `<item><reservationId>r-${i.id.slice(2)}</reservationId><ownerId>${state.account.accountId}</ownerId><instancesSet><item><instanceId>${i.id}</instanceId><instanceType>t3.small</instanceType><instanceState><code>${codes[i.state ?? 'running'] ?? 16}</code><name>${i.state ?? 'running'}</name></instanceState><privateDnsName>ip-10-0-0-1.${region}.compute.internal</privateDnsName>${i.subnet ? `<subnetId>${i.subnet}</subnetId>` : ''}<groupSet>${(i.groups ?? []).map((g) => `<item><groupId>${g}</groupId><groupName>${g}</groupName></item>`).join('')}</groupSet>${tagSet({ Name: i.name })}</item></instancesSet></item>`).join('')}</reservationSet>${next(p.next)}`);
      }
      case 'autoscaling DescribeAutoScalingGroups': {
        const p = page(data.autoScalingGroups ?? [], form.NextToken);
        return query('autoscaling', operation, `<AutoScalingGroups>${p.items.map((g) => `<member><AutoScalingGroupName>${g.name}</AutoScalingGroupName><AutoScalingGroupARN>${arn('autoscaling', `autoScalingGroup:6d9c2c5a-1b2c-4d3e-9f00-0a1b2c3d4e5f:autoScalingGroupName/${g.name}`)}</AutoScalingGroupARN><MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>${g.instances.length}</DesiredCapacity><Instances>${g.instances.map((i) => `<member><InstanceId>${i}</InstanceId><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus></member>`).join('')}</Instances><TargetGroupARNs>${(g.targetGroups ?? []).map((t) => `<member>${tgArn(t)}</member>`).join('')}</TargetGroupARNs><VPCZoneIdentifier>${(g.subnets ?? []).join(',')}</VPCZoneIdentifier><Tags/></member>`).join('')}</AutoScalingGroups>${p.next ? `<NextToken>${p.next}</NextToken>` : ''}`);
      }
      case 'elasticloadbalancing DescribeLoadBalancers': {
        const p = page(data.loadBalancers ?? [], form.Marker);
        return query('elasticloadbalancing', operation, `<LoadBalancers>${p.items.map((lb) => `<member><LoadBalancerArn>${lbArn(lb.name)}</LoadBalancerArn><LoadBalancerName>${lb.name}</LoadBalancerName><DNSName>${lb.name}-123.${region}.elb.amazonaws.com</DNSName><Scheme>internet-facing</Scheme><Type>application</Type><State><Code>active</Code></State><AvailabilityZones>${(lb.subnets ?? []).map((s) => `<member><SubnetId>${s}</SubnetId><ZoneName>${region}a</ZoneName></member>`).join('')}</AvailabilityZones><SecurityGroups>${(lb.groups ?? []).map((g) => `<member>${g}</member>`).join('')}</SecurityGroups></member>`).join('')}</LoadBalancers>${marker(p.next)}`);
      }
      case 'elasticloadbalancing DescribeTargetGroups': {
        const p = page(data.targetGroups ?? [], form.Marker);
        return query('elasticloadbalancing', operation, `<TargetGroups>${p.items.map((tg) => `<member><TargetGroupArn>${tgArn(tg.name)}</TargetGroupArn><TargetGroupName>${tg.name}</TargetGroupName><TargetType>${tg.type}</TargetType><Protocol>HTTP</Protocol><Port>80</Port><LoadBalancerArns>${tg.lbs.map((lb) => `<member>${lbArn(lb)}</member>`).join('')}</LoadBalancerArns></member>`).join('')}</TargetGroups>${marker(p.next)}`);
      }
      case 'elasticloadbalancing DescribeListeners': {
        const lb = (data.loadBalancers ?? []).find((l) => lbArn(l.name) === form.LoadBalancerArn);
        const p = page((data.listeners ?? []).filter((l) => l.lb === lb?.name), form.Marker);
        return query('elasticloadbalancing', operation, `<Listeners>${p.items.map((l) => `<member><ListenerArn>${arn('elasticloadbalancing', `listener/app/${l.lb}/50dc6c495c0c9188/${l.port}`)}</ListenerArn><LoadBalancerArn>${lbArn(l.lb)}</LoadBalancerArn><Port>${l.port}</Port><Protocol>HTTPS</Protocol><DefaultActions><member><Type>forward</Type><TargetGroupArn>${tgArn(l.targetGroup)}</TargetGroupArn></member></DefaultActions></member>`).join('')}</Listeners>${marker(p.next)}`);
      }
      case 'elasticloadbalancing DescribeTargetHealth': {
        const tg = (data.targetGroups ?? []).find((t) => tgArn(t.name) === form.TargetGroupArn);
        return query('elasticloadbalancing', operation, `<TargetHealthDescriptions>${(tg?.targets ?? []).map((t) => `<member><Target><Id>${tg?.type === 'lambda' ? arn('lambda', `function:${t}`) : t}</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member>`).join('')}</TargetHealthDescriptions>`);
      }
      case 'ecs ListClusters': {
        const p = page(data.clusters ?? [], json.nextToken);
        return amzJson('1.1', { clusterArns: p.items.map((c) => arn('ecs', `cluster/${c}`)), ...(p.next ? { nextToken: p.next } : {}) });
      }
      case 'ecs DescribeClusters':
        return amzJson('1.1', { clusters: (json.clusters as string[]).map((c) => ({ clusterArn: c, clusterName: c.split('/').at(-1), status: 'ACTIVE', tags: [{ key: 'team', value: 'platform' }] })), failures: [] });
      case 'ecs ListServices': {
        const cluster = String(json.cluster).split('/').at(-1);
        const p = page((data.services ?? []).filter((s) => s.cluster === cluster), json.nextToken);
        return amzJson('1.1', { serviceArns: p.items.map((s) => arn('ecs', `service/${s.cluster}/${s.name}`)), ...(p.next ? { nextToken: p.next } : {}) });
      }
      case 'ecs DescribeServices': {
        if ((json.services as string[]).length > 10) return [400, JSON.stringify({ __type: 'InvalidParameterException', message: 'services can have at most 10 items.' }), { 'content-type': 'application/x-amz-json-1.1' }];
        const services = (json.services as string[]).map((a) => (data.services ?? []).find((s) => arn('ecs', `service/${s.cluster}/${s.name}`) === a)).filter((s) => s !== undefined);
        return amzJson('1.1', {
          services: services.map((s) => ({
            serviceArn: arn('ecs', `service/${s.cluster}/${s.name}`), serviceName: s.name, clusterArn: arn('ecs', `cluster/${s.cluster}`), status: 'ACTIVE',
            desiredCount: s.desired ?? 2, runningCount: s.running ?? s.desired ?? 2, launchType: 'FARGATE', taskDefinition: arn('ecs', `task-definition/${s.name}:3`),
            loadBalancers: s.targetGroup ? [{ targetGroupArn: tgArn(s.targetGroup), containerName: 'app', containerPort: 8080 }] : [],
            networkConfiguration: { awsvpcConfiguration: { subnets: s.subnets ?? [], securityGroups: s.groups ?? [], assignPublicIp: 'DISABLED' } },
            tags: [{ key: 'team', value: 'payments' }],
          })),
          failures: [],
        });
      }
      case 'ecs DescribeTaskDefinition': {
        const name = String(json.taskDefinition).split('/').at(-1)?.split(':')[0];
        const s = (data.services ?? []).find((x) => x.name === name);
        return amzJson('1.1', { taskDefinition: { taskDefinitionArn: json.taskDefinition, family: name, revision: 3, containerDefinitions: [{ name: 'app', image: 'app:latest', environment: Object.entries(s?.env ?? {}).map(([n, value]) => ({ name: n, value })) }] } });
      }
      case 'eks ListClusters': {
        const p = page((data.eks ?? []).map((c) => c.name), url.searchParams.get('nextToken'));
        return restJson({ clusters: p.items, ...(p.next ? { nextToken: p.next } : {}) });
      }
      case 'eks DescribeCluster': {
        const name = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
        const c = (data.eks ?? []).find((x) => x.name === name);
        if (!c) return [404, JSON.stringify({ message: 'No cluster found' }), { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }];
        return restJson({ cluster: { name: c.name, arn: arn('eks', `cluster/${c.name}`), status: 'ACTIVE', version: '1.31', resourcesVpcConfig: { subnetIds: c.subnets ?? [], securityGroupIds: c.groups ?? [], vpcId: 'vpc-1' }, tags: { team: 'platform' } } });
      }
      case 'lambda ListFunctions': {
        const p = page(data.functions ?? [], url.searchParams.get('Marker'));
        return restJson({
          Functions: p.items.map((f) => ({
            FunctionName: f.name, FunctionArn: arn('lambda', `function:${f.name}`), Runtime: 'nodejs20.x',
            ...(f.subnets ? { VpcConfig: { SubnetIds: f.subnets, SecurityGroupIds: f.groups ?? [], VpcId: 'vpc-1' } } : {}),
            ...(f.env ? { Environment: { Variables: f.env } } : {}),
          })),
          ...(p.next ? { NextMarker: p.next } : {}),
        });
      }
      case 'rds DescribeDBClusters': {
        const p = page(data.dbClusters ?? [], form.Marker);
        return query('rds', operation, `<DBClusters>${p.items.map((c) => `<DBCluster><DBClusterIdentifier>${c.id}</DBClusterIdentifier><DBClusterArn>${arn('rds', `cluster:${c.id}`)}</DBClusterArn><Status>available</Status><Engine>aurora-postgresql</Engine><Endpoint>${c.id}.cluster-abc.${region}.rds.amazonaws.com</Endpoint><ReaderEndpoint>${c.id}.cluster-ro-abc.${region}.rds.amazonaws.com</ReaderEndpoint><DBClusterMembers>${c.members.map((m) => `<DBClusterMember><DBInstanceIdentifier>${m}</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter></DBClusterMember>`).join('')}</DBClusterMembers><VpcSecurityGroups>${(c.groups ?? []).map((g) => `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`).join('')}</VpcSecurityGroups><TagList/></DBCluster>`).join('')}</DBClusters>${marker(p.next, 'Marker')}`);
      }
      case 'rds DescribeDBInstances': {
        const p = page(data.dbInstances ?? [], form.Marker);
        return query('rds', operation, `<DBInstances>${p.items.map((i) => `<DBInstance><DBInstanceIdentifier>${i.id}</DBInstanceIdentifier><DBInstanceArn>${arn('rds', `db:${i.id}`)}</DBInstanceArn><DBInstanceStatus>${i.status ?? 'available'}</DBInstanceStatus><Engine>postgres</Engine><Endpoint><Address>${i.id}.abc.${region}.rds.amazonaws.com</Address><Port>5432</Port></Endpoint><DBSubnetGroup><VpcId>vpc-1</VpcId><Subnets>${(i.subnets ?? []).map((s) => `<Subnet><SubnetIdentifier>${s}</SubnetIdentifier></Subnet>`).join('')}</Subnets></DBSubnetGroup><VpcSecurityGroups>${(i.groups ?? []).map((g) => `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`).join('')}</VpcSecurityGroups><TagList>${Object.entries(i.tags ?? {}).map(([k, v]) => `<Tag><Key>${esc(k)}</Key><Value>${esc(v)}</Value></Tag>`).join('')}</TagList></DBInstance>`).join('')}</DBInstances>${marker(p.next, 'Marker')}`);
      }
      case 'dynamodb ListTables': {
        const tables = data.tables ?? [];
        const start = json.ExclusiveStartTableName ? tables.indexOf(String(json.ExclusiveStartTableName)) + 1 : 0;
        const items = tables.slice(start, start + pageSize);
        const more = start + pageSize < tables.length;
        return amzJson('1.0', { TableNames: items, ...(more ? { LastEvaluatedTableName: items.at(-1) } : {}) });
      }
      case 'sqs ListQueues': {
        const p = page(data.queues ?? [], json.NextToken);
        return amzJson('1.0', { QueueUrls: p.items.map((q) => `https://sqs.${region}.amazonaws.com/${state.account.accountId}/${q}`), ...(p.next ? { NextToken: p.next } : {}) });
      }
      case 'sns ListTopics': {
        const p = page(data.topics ?? [], form.NextToken);
        return query('sns', operation, `<Topics>${p.items.map((t) => `<member><TopicArn>${arn('sns', t.name)}</TopicArn></member>`).join('')}</Topics>${p.next ? `<NextToken>${p.next}</NextToken>` : ''}`);
      }
      case 'sns ListSubscriptions': {
        const subs = (data.topics ?? []).flatMap((t) => (t.subscriptions ?? []).map((s) => ({ ...s, topic: arn('sns', t.name) })));
        const p = page(subs, form.NextToken);
        return query('sns', operation, `<Subscriptions>${p.items.map((s) => `<member><SubscriptionArn>${s.topic}:6b0e71bd</SubscriptionArn><Owner>${state.account.accountId}</Owner><Protocol>${s.protocol}</Protocol><Endpoint>${s.endpoint}</Endpoint><TopicArn>${s.topic}</TopicArn></member>`).join('')}</Subscriptions>${p.next ? `<NextToken>${p.next}</NextToken>` : ''}`);
      }
      case 's3 ListBuckets': {
        const p = page(state.account.buckets ?? [], url.searchParams.get('continuation-token'));
        return [200, `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>owner</ID></Owner><Buckets>${p.items.map((b) => `<Bucket><Name>${b}</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>`).join('')}</Buckets>${p.next ? `<ContinuationToken>${p.next}</ContinuationToken>` : ''}</ListAllMyBucketsResult>`, { 'content-type': 'application/xml' }];
      }
      default:
        return [400, JSON.stringify({ message: `fake AWS does not know ${key} (${method} ${path})` }), { 'content-type': 'application/json' }];
    }
  };

  nock(/^https:\/\/[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com(:443)?$/)
    .persist()
    .post(/.*/)
    .reply(function (path, body) {
      return handle(String(this.req.headers.host), 'POST', path, this.req.headers, typeof body === 'string' ? body : JSON.stringify(body));
    })
    .get(/.*/)
    .reply(function (path) {
      return handle(String(this.req.headers.host), 'GET', path, this.req.headers, '');
    });
  return state;
}

function restOperation(service: string, method: string, path: string): string {
  if (service === 'lambda' && method === 'GET' && path.startsWith('/2015-03-31/functions')) return 'ListFunctions';
  if (service === 'eks' && method === 'GET') return path === '/clusters' ? 'ListClusters' : 'DescribeCluster';
  if (service === 's3' && method === 'GET') return 'ListBuckets';
  return `${method} ${path}`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function tagSet(tags: Record<string, string>): string {
  return `<tagSet>${Object.entries(tags).map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`).join('')}</tagSet>`;
}

const next = (token: string | undefined): string => (token ? `<nextToken>${token}</nextToken>` : '');
const marker = (token: string | undefined, name = 'NextMarker'): string => (token ? `<${name}>${token}</${name}>` : '');

function ec2(operation: string, inner: string): [number, string, Record<string, string>] {
  return [200, `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${inner}</${operation}Response>`, { 'content-type': 'text/xml;charset=UTF-8' }];
}

function query(service: string, operation: string, inner: string): [number, string, Record<string, string>] {
  return [200, `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://${service}.amazonaws.com/doc/"><${operation}Result>${inner}</${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`, { 'content-type': 'text/xml' }];
}

function amzJson(version: '1.0' | '1.1', body: unknown): [number, string, Record<string, string>] {
  return [200, JSON.stringify(body), { 'content-type': `application/x-amz-json-${version}` }];
}

function restJson(body: unknown): [number, string, Record<string, string>] {
  return [200, JSON.stringify(body), { 'content-type': 'application/json' }];
}

const jsonServices: Record<string, '1.0' | '1.1'> = { ecs: '1.1', dynamodb: '1.0', sqs: '1.0' };

function deny(service: string): [number, string, Record<string, string>] {
  const message = 'User: arn:aws:sts::111111111111:assumed-role/CloudCompanionRead/cloud-companion-demo is not authorized to perform this operation with an explicit deny in a service control policy';
  if (service === 'ec2') return [403, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. ${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`, { 'content-type': 'text/xml;charset=UTF-8' }];
  const version = jsonServices[service];
  if (version) return [400, JSON.stringify({ __type: 'AccessDeniedException', message }), { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-query-error': 'AccessDenied;Sender' }];
  if (service === 'lambda' || service === 'eks') return [403, JSON.stringify({ message }), { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }];
  if (service === 's3') return [403, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${requestId}</RequestId></Error>`, { 'content-type': 'application/xml' }];
  return [403, `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`, { 'content-type': 'text/xml' }];
}

function throttle(service: string): [number, string, Record<string, string>] {
  if (service === 'ec2') return [503, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`, { 'content-type': 'text/xml;charset=UTF-8' }];
  const version = jsonServices[service];
  if (version) return [400, JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }), { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-query-error': 'Throttling;Sender' }];
  if (service === 'lambda' || service === 'eks') return [429, JSON.stringify({ message: 'Rate exceeded', Type: 'User' }), { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' }];
  if (service === 's3') return [503, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`, { 'content-type': 'application/xml' }];
  return [400, `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`, { 'content-type': 'text/xml' }];
}
