import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveExecutor } from '../../src/approvals/executors/index.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';
import { action, approved, formFields, staticCredentials, target } from '../support/cloud.ts';

/**
 * The AWS executors through the real SDK v3 clients, answered by nock in each service's wire
 * format: EC2 and Auto Scaling speak the query protocol (form-encoded requests, XML answers),
 * ECS JSON 1.1 (X-Amz-Target), Lambda REST-JSON.
 */

const account: CloudAccountConfig = { provider: 'aws', accountId: '111111111111', name: 'demo-prod', roleArn: 'arn:aws:iam::111111111111:role/CloudCompanion', externalId: 'ext-demo' };
const ec2Endpoint = 'https://ec2.us-east-1.amazonaws.com';
const xml = { 'content-type': 'text/xml;charset=UTF-8' };
const amzJson = { 'content-type': 'application/x-amz-json-1.1' };

const instance = target('arn:aws:ec2:us-east-1:111111111111:instance/i-0a7c3e9f1b2d45e61', 'bastion-1', account);
const service = target('arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', 'checkout-api', account);
const group = target('arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:6d9c2c5a-1b2c-4d3e-9f00-0a1b2c3d4e5f:autoScalingGroupName/web-asg', 'web-asg', account);
const fn = target('arn:aws:lambda:us-east-1:111111111111:function:order-worker', 'order-worker', account);

function ec2Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>a1b2c3d4-5678-90ab-cdef-EXAMPLE11111</RequestID></Response>`;
}

function describeInstances(state: string): string {
  const code = { pending: 0, running: 16, stopping: 64, stopped: 80, terminated: 48 }[state] ?? 16;
  return `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-EXAMPLE22222</requestId>
  <reservationSet><item><reservationId>r-0123456789abcdef0</reservationId><ownerId>111111111111</ownerId>
    <instancesSet><item><instanceId>i-0a7c3e9f1b2d45e61</instanceId><instanceType>t3.small</instanceType><instanceState><code>${code}</code><name>${state}</name></instanceState></item></instancesSet>
  </item></reservationSet>
</DescribeInstancesResponse>`;
}

function stateChange(response: 'StartInstancesResponse' | 'StopInstancesResponse', previous: string, current: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<${response} xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>1a2b3c4d-7890-1234-5678-EXAMPLE33333</requestId>
  <instancesSet><item><instanceId>i-0a7c3e9f1b2d45e61</instanceId><currentState><code>0</code><name>${current}</name></currentState><previousState><code>80</code><name>${previous}</name></previousState></item></instancesSet>
</${response}>`;
}

let executor: LiveExecutor;
let credentials: ReturnType<typeof staticCredentials>;

beforeEach(() => {
  nock.disableNetConnect();
  credentials = staticCredentials();
  executor = new LiveExecutor({ credentials });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'every expected provider call was made').toEqual([]);
});

describe('EC2', () => {
  it('dry-runs a reboot with DryRun=true and reads DryRunOperation as "allowed"', async () => {
    const sent: Record<string, string>[] = [];
    nock(ec2Endpoint).post('/').times(2).reply((_uri, body) => {
      const fields = formFields(body);
      sent.push(fields);
      return fields['Action'] === 'DescribeInstances'
        ? [200, describeInstances('running'), xml]
        : [412, ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.'), xml];
    });
    const check = await executor.dryRun(action('aws.ec2.reboot', {}, instance), instance);
    expect(check).toEqual({ ok: true, message: 'AWS accepted a dry run of RebootInstances for i-0a7c3e9f1b2d45e61 (running).' });
    expect(sent[1]).toEqual({ Action: 'RebootInstances', Version: '2016-11-15', 'InstanceId.1': 'i-0a7c3e9f1b2d45e61', DryRun: 'true' });
    expect(credentials.calls).toContain('aws:demo:111111111111:us-east-1');
  });

  it('shows a missing permission from the dry run, with the permission to grant', async () => {
    nock(ec2Endpoint).post('/').reply(200, describeInstances('running'), xml);
    nock(ec2Endpoint).post('/', (body: string) => formFields(body)['DryRun'] === 'true').reply(403, ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation. User: arn:aws:sts::111111111111:assumed-role/CloudCompanion/cloud-companion-demo is not authorized to perform: ec2:RebootInstances on resource: arn:aws:ec2:us-east-1:111111111111:instance/i-0a7c3e9f1b2d45e61 because no identity-based policy allows the ec2:RebootInstances action. Encoded authorization failure message: AbCdEf0123'), xml);
    const check = await executor.dryRun(action('aws.ec2.reboot', {}, instance), instance);
    expect(check.ok).toBe(false);
    expect(check.providerCode).toBe('UnauthorizedOperation');
    expect(check.message).toMatch(/^AWS refused to check "reboot EC2 instance bastion-1": UnauthorizedOperation: You are not authorized to perform this operation\. User: .* is not authorized to perform: ec2:RebootInstances/);
    expect(check.message).toContain('Grant ec2:RebootInstances to the identity the bot uses in this account');
    expect(check.message).not.toContain('Encoded authorization failure message');
  });

  it('refuses in the dry run to reboot an instance that is not running', async () => {
    nock(ec2Endpoint).post('/').reply(200, describeInstances('stopped'), xml);
    const check = await executor.dryRun(action('aws.ec2.reboot', {}, instance), instance);
    expect(check).toMatchObject({ ok: false, providerCode: 'IncorrectInstanceState', message: 'Cannot check "reboot EC2 instance bastion-1": IncorrectInstanceState: i-0a7c3e9f1b2d45e61 is stopped; only a running instance can be rebooted.' });
  });

  it('reboots exactly the stored instance, and verifies it runs', async () => {
    nock(ec2Endpoint).post('/', (body: string) => {
      const fields = formFields(body);
      return fields['Action'] === 'RebootInstances' && fields['InstanceId.1'] === 'i-0a7c3e9f1b2d45e61' && fields['DryRun'] === undefined;
    }).reply(200, '<RebootInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89-35bd-4eac-99ed-EXAMPLE44444</requestId><return>true</return></RebootInstancesResponse>', xml);
    const approval = approved(action('aws.ec2.reboot', {}, instance));
    expect(await executor.execute(approval, instance)).toEqual({ ok: true, message: 'Reboot of i-0a7c3e9f1b2d45e61 requested; EC2 reboots it within a few minutes.' });
    nock(ec2Endpoint).post('/').reply(200, describeInstances('running'), xml);
    expect(await executor.verify(approval, instance)).toEqual({ ok: true, message: 'i-0a7c3e9f1b2d45e61 is running.' });
  });

  it('starts a stopped instance, records that it was stopped and offers to stop it again', async () => {
    nock(ec2Endpoint).post('/', (body: string) => formFields(body)['Action'] === 'StartInstances').reply(200, stateChange('StartInstancesResponse', 'stopped', 'pending'), xml);
    const result = await executor.execute(approved(action('aws.ec2.start', {}, instance)), instance);
    expect(result).toEqual({
      ok: true, message: 'i-0a7c3e9f1b2d45e61 was stopped, now pending.', priorState: { instanceState: 'stopped' },
      rollback: { kind: 'aws.ec2.stop', params: {}, description: 'Stop EC2 instance bastion-1 again (it was stopped)' },
    });
  });

  it('reports a wrong-state refusal from StopInstances with AWS\'s reason', async () => {
    nock(ec2Endpoint).post('/').reply(400, ec2Error('IncorrectInstanceState', 'This instance \'i-0a7c3e9f1b2d45e61\' is not in a state from which it can be stopped.'), xml);
    const result = await executor.execute(approved(action('aws.ec2.stop', {}, instance)), instance);
    expect(result).toEqual({ ok: false, providerCode: 'IncorrectInstanceState', message: 'AWS refused to run "stop EC2 instance bastion-1": IncorrectInstanceState: This instance \'i-0a7c3e9f1b2d45e61\' is not in a state from which it can be stopped.' });
  });

  it('acts only on the account whose credentials it holds', async () => {
    const elsewhere = target('arn:aws:ec2:us-east-1:999999999999:instance/i-0a7c3e9f1b2d45e61', 'bastion-1', account);
    const result = await executor.execute(approved(action('aws.ec2.reboot', {}, elsewhere)), elsewhere);
    expect(result).toMatchObject({ ok: false, providerCode: 'AccountMismatch' });
  });
});

describe('ECS', () => {
  const ecsEndpoint = 'https://ecs.us-east-1.amazonaws.com';
  const describeTarget = 'AmazonEC2ContainerServiceV20141113.DescribeServices';
  const updateTarget = 'AmazonEC2ContainerServiceV20141113.UpdateService';
  const serviceJson = (desired: number, running: number, rollout = 'COMPLETED') => ({
    serviceArn: service.resourceId, serviceName: 'checkout-api', clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/prod-cluster',
    status: 'ACTIVE', desiredCount: desired, runningCount: running, pendingCount: 0, launchType: 'FARGATE',
    deployments: [{ id: 'ecs-svc/1234567890123456789', status: 'PRIMARY', desiredCount: desired, runningCount: running, rolloutState: rollout }],
  });

  /** Answers one call of an ECS operation; the JSON bodies sent are kept in `sent` to check afterwards. */
  const sent: Record<string, unknown>[] = [];
  function ecs(target: string, reply: () => [number, unknown]) {
    return nock(ecsEndpoint, { reqheaders: { 'x-amz-target': target } }).post('/').reply((_uri, body) => {
      sent.push(JSON.parse(String(body)) as Record<string, unknown>);
      const [status, json] = reply();
      return [status, json, amzJson];
    });
  }
  beforeEach(() => {
    sent.length = 0;
  });

  it('dry-runs a scale by reading the service', async () => {
    ecs(describeTarget, () => [200, { services: [serviceJson(2, 2)], failures: [] }]);
    expect(await executor.dryRun(action('aws.ecs.scale', { desiredCount: 6 }, service), service))
      .toEqual({ ok: true, message: 'checkout-api runs 2 of 2 desired tasks; it would be set to 6.' });
    expect(sent).toEqual([{ cluster: 'prod-cluster', services: ['checkout-api'] }]);
  });

  it('scales to exactly the approved count, records the prior count and offers it back', async () => {
    ecs(describeTarget, () => [200, { services: [serviceJson(2, 2)], failures: [] }]);
    ecs(updateTarget, () => [200, { service: serviceJson(6, 2, 'IN_PROGRESS') }]);
    const approval = approved(action('aws.ecs.scale', { desiredCount: 6 }, service));
    expect(await executor.execute(approval, service)).toEqual({
      ok: true, message: 'Desired count of checkout-api set from 2 to 6.', priorState: { desiredCount: 2 },
      rollback: { kind: 'aws.ecs.scale', params: { desiredCount: 2 }, description: 'Set desired count of ECS service checkout-api back to 2' },
    });
    expect(sent[1]).toEqual({ cluster: 'prod-cluster', service: 'checkout-api', desiredCount: 6 });
    ecs(describeTarget, () => [200, { services: [serviceJson(6, 4)], failures: [] }]);
    expect(await executor.verify(approval, service)).toEqual({ ok: false, message: 'checkout-api: 4 running of 6 desired (asked for 6).' });
    ecs(describeTarget, () => [200, { services: [serviceJson(6, 6)], failures: [] }]);
    expect(await executor.verify(approval, service)).toEqual({ ok: true, message: 'checkout-api: 6 running of 6 desired (asked for 6).' });
  });

  it('shows ECS refusing for lack of permission', async () => {
    ecs(describeTarget, () => [200, { services: [serviceJson(2, 2)], failures: [] }]);
    ecs(updateTarget, () => [400, { __type: 'AccessDeniedException', message: 'User: arn:aws:sts::111111111111:assumed-role/CloudCompanion/cloud-companion-demo is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api because no identity-based policy allows the ecs:UpdateService action' }]);
    const result = await executor.execute(approved(action('aws.ecs.scale', { desiredCount: 6 }, service)), service);
    expect(result.ok).toBe(false);
    expect(result.providerCode).toBe('AccessDeniedException');
    expect(result.message).toContain('AWS refused to run "set desired count of ECS service checkout-api to 6": AccessDeniedException: User: arn:aws:sts::111111111111:assumed-role/CloudCompanion/cloud-companion-demo is not authorized to perform: ecs:UpdateService');
    expect(result.message).toContain('Grant ecs:UpdateService');
  });

  it('refuses a service that is not active, as DescribeServices reports it', async () => {
    ecs(describeTarget, () => [200, { services: [{ ...serviceJson(0, 0), status: 'DRAINING' }], failures: [] }]);
    const check = await executor.dryRun(action('aws.ecs.redeploy', {}, service), service);
    expect(check).toMatchObject({ ok: false, providerCode: 'ServiceNotActiveException', message: expect.stringContaining('Service checkout-api in cluster prod-cluster is DRAINING') });
  });

  it('forces a new deployment and verifies the rollout', async () => {
    ecs(updateTarget, () => [200, { service: serviceJson(2, 2, 'IN_PROGRESS') }]);
    const approval = approved(action('aws.ecs.redeploy', {}, service));
    expect(await executor.execute(approval, service)).toEqual({ ok: true, message: 'New deployment of checkout-api started (ecs-svc/1234567890123456789).' });
    expect(sent).toEqual([{ cluster: 'prod-cluster', service: 'checkout-api', forceNewDeployment: true }]);
    ecs(describeTarget, () => [200, { services: [serviceJson(2, 2, 'FAILED')], failures: [] }]);
    expect(await executor.verify(approval, service)).toEqual({ ok: false, message: 'checkout-api: deployment failed, 2 of 2 tasks running.' });
  });
});

describe('Auto Scaling', () => {
  const endpoint = 'https://autoscaling.us-east-1.amazonaws.com';
  const groupXml = (desired: number, inService: number) => `<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
  <DescribeAutoScalingGroupsResult><AutoScalingGroups><member>
    <AutoScalingGroupName>web-asg</AutoScalingGroupName><AutoScalingGroupARN>${group.resourceId}</AutoScalingGroupARN>
    <MinSize>1</MinSize><MaxSize>8</MaxSize><DesiredCapacity>${desired}</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>
    <AvailabilityZones><member>us-east-1a</member></AvailabilityZones><HealthCheckType>EC2</HealthCheckType><CreatedTime>2025-01-01T00:00:00Z</CreatedTime>
    <Instances>${Array.from({ length: inService }, (_, i) => `<member><InstanceId>i-00000000000000${i}</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`).join('')}</Instances>
  </member></AutoScalingGroups></DescribeAutoScalingGroupsResult>
  <ResponseMetadata><RequestId>b5f4e3c2-EXAMPLE</RequestId></ResponseMetadata>
</DescribeAutoScalingGroupsResponse>`;

  it('dry-runs within the group\'s size limits, and refuses outside them', async () => {
    nock(endpoint).post('/', (body: string) => formFields(body)['Action'] === 'DescribeAutoScalingGroups' && formFields(body)['AutoScalingGroupNames.member.1'] === 'web-asg').times(2).reply(200, groupXml(2, 2), xml);
    expect(await executor.dryRun(action('aws.autoscaling.set-capacity', { desiredCapacity: 4 }, group), group))
      .toEqual({ ok: true, message: 'web-asg has desired capacity 2 (min 1, max 8); it would be set to 4.' });
    expect(await executor.dryRun(action('aws.autoscaling.set-capacity', { desiredCapacity: 20 }, group), group))
      .toMatchObject({ ok: false, providerCode: 'ValidationError', message: expect.stringContaining('20 is outside the group\'s size limits (min 1, max 8)') });
  });

  it('sets exactly the approved capacity without honouring the cooldown, and offers the prior one back', async () => {
    const sent: Record<string, string>[] = [];
    nock(endpoint).post('/').reply(200, groupXml(2, 2), xml);
    nock(endpoint).post('/').reply((_uri, body) => {
      sent.push(formFields(body));
      return [200, '<SetDesiredCapacityResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><ResponseMetadata><RequestId>c0ffee00-EXAMPLE</RequestId></ResponseMetadata></SetDesiredCapacityResponse>', xml];
    });
    const approval = approved(action('aws.autoscaling.set-capacity', { desiredCapacity: 4 }, group));
    expect(await executor.execute(approval, group)).toMatchObject({ ok: true, priorState: { desiredCapacity: 2 }, rollback: { kind: 'aws.autoscaling.set-capacity', params: { desiredCapacity: 2 } } });
    expect(sent).toEqual([{ Action: 'SetDesiredCapacity', Version: '2011-01-01', AutoScalingGroupName: 'web-asg', DesiredCapacity: '4', HonorCooldown: 'false' }]);
    nock(endpoint).post('/').reply(200, groupXml(4, 4), xml);
    expect(await executor.verify(approval, group)).toEqual({ ok: true, message: 'web-asg: 4 instances in service of 4 desired (asked for 4).' });
  });

  it('reports a scaling activity in progress with AWS\'s reason', async () => {
    nock(endpoint).post('/').reply(200, groupXml(2, 2), xml);
    nock(endpoint).post('/').reply(400, '<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>ScalingActivityInProgress</Code><Message>Scaling activity 1234 is in progress and blocks this action.</Message></Error><RequestId>d00dfeed-EXAMPLE</RequestId></ErrorResponse>', xml);
    const result = await executor.execute(approved(action('aws.autoscaling.set-capacity', { desiredCapacity: 4 }, group)), group);
    expect(result).toEqual({ ok: false, providerCode: 'ScalingActivityInProgress', message: 'AWS refused to run "set desired capacity of Auto Scaling group web-asg to 4": ScalingActivityInProgress: Scaling activity 1234 is in progress and blocks this action.' });
  });
});

describe('Lambda', () => {
  const endpoint = 'https://lambda.us-east-1.amazonaws.com';
  const json = { 'content-type': 'application/json' };

  it('sets reserved concurrency, recording the prior value, and verifies it', async () => {
    nock(endpoint).get('/2019-09-30/functions/order-worker/concurrency').reply(200, { ReservedConcurrentExecutions: 50 }, json);
    nock(endpoint).put('/2017-10-31/functions/order-worker/concurrency', { ReservedConcurrentExecutions: 200 }).reply(200, { ReservedConcurrentExecutions: 200 }, json);
    const approval = approved(action('aws.lambda.concurrency', { reservedConcurrency: 200 }, fn));
    expect(await executor.execute(approval, fn)).toEqual({
      ok: true, message: 'order-worker had reserved concurrency 50, now reserved concurrency 200.', priorState: { reservedConcurrency: 50 },
      rollback: { kind: 'aws.lambda.concurrency', params: { reservedConcurrency: 50 }, description: 'Set reserved concurrency of Lambda order-worker back to 50' },
    });
    nock(endpoint).get('/2019-09-30/functions/order-worker/concurrency').reply(200, { ReservedConcurrentExecutions: 200 }, json);
    expect(await executor.verify(approval, fn)).toEqual({ ok: true, message: 'order-worker has reserved concurrency 200.' });
  });

  it('undoes to "no reservation" by deleting the function\'s concurrency', async () => {
    nock(endpoint).get('/2019-09-30/functions/order-worker/concurrency').reply(200, {}, json);
    nock(endpoint).put('/2017-10-31/functions/order-worker/concurrency').reply(200, { ReservedConcurrentExecutions: 200 }, json);
    const first = await executor.execute(approved(action('aws.lambda.concurrency', { reservedConcurrency: 200 }, fn)), fn);
    expect(first).toMatchObject({ ok: true, rollback: { params: { reservedConcurrency: null }, description: 'Remove the reserved concurrency of Lambda order-worker again' } });
    nock(endpoint).get('/2019-09-30/functions/order-worker/concurrency').reply(200, { ReservedConcurrentExecutions: 200 }, json);
    nock(endpoint).delete('/2017-10-31/functions/order-worker/concurrency').reply(204);
    expect(await executor.execute(approved(action('aws.lambda.concurrency', { reservedConcurrency: null }, fn)), fn))
      .toMatchObject({ ok: true, message: 'order-worker had reserved concurrency 200, now no reserved concurrency.' });
  });

  it('shows Lambda refusing a value below the account\'s unreserved minimum', async () => {
    nock(endpoint).get('/2019-09-30/functions/order-worker/concurrency').reply(200, { ReservedConcurrentExecutions: 50 }, json);
    nock(endpoint).put('/2017-10-31/functions/order-worker/concurrency').reply(400, { Type: 'User', message: 'Specified ReservedConcurrentExecutions for function decreases account\'s UnreservedConcurrentExecution below its minimum value of [100].' }, { ...json, 'x-amzn-errortype': 'InvalidParameterValueException' });
    const result = await executor.execute(approved(action('aws.lambda.concurrency', { reservedConcurrency: 950 }, fn)), fn);
    expect(result).toEqual({ ok: false, providerCode: 'InvalidParameterValueException', message: 'AWS refused to run "set reserved concurrency of Lambda order-worker to 950": InvalidParameterValueException: Specified ReservedConcurrentExecutions for function decreases account\'s UnreservedConcurrentExecution below its minimum value of [100].' });
  });

  it('shows a missing read permission in the dry run', async () => {
    nock(endpoint).get('/2019-09-30/functions/order-worker/concurrency').reply(403, { Message: 'User: arn:aws:sts::111111111111:assumed-role/CloudCompanion/cloud-companion-demo is not authorized to perform: lambda:GetFunctionConcurrency on resource: arn:aws:lambda:us-east-1:111111111111:function:order-worker' }, { ...json, 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/' });
    const check = await executor.dryRun(action('aws.lambda.concurrency', { reservedConcurrency: 200 }, fn), fn);
    expect(check).toMatchObject({ ok: false, providerCode: 'AccessDeniedException', message: expect.stringContaining('Grant lambda:GetFunctionConcurrency') });
  });
});
