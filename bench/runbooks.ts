import type { Runbook, RunbookSearch } from '../src/stores/runbooks.ts';
import { seededRandom, type Random } from './random.ts';

interface Topic {
  type: string;
  label: string;
  problems: readonly { name: string; words: readonly string[] }[];
  metrics: readonly string[];
  commands: readonly string[];
}

const topics: readonly Topic[] = [
  {
    type: 'aws.rds.instance', label: 'RDS database',
    problems: [
      { name: 'high CPU', words: ['cpu', 'utilization', 'slow queries', 'query plan', 'sequential scan'] },
      { name: 'storage full', words: ['free storage space', 'disk', 'autoscaling storage', 'bloat', 'vacuum'] },
      { name: 'replication lag', words: ['replica lag', 'read replica', 'wal', 'binlog', 'long transaction'] },
      { name: 'connection exhaustion', words: ['max_connections', 'connection pool', 'pgbouncer', 'idle in transaction'] },
    ],
    metrics: ['CPUUtilization', 'FreeStorageSpace', 'ReplicaLag', 'DatabaseConnections', 'ReadIOPS'],
    commands: ['aws rds describe-db-instances', 'aws rds reboot-db-instance', 'aws rds modify-db-instance --allocated-storage', 'SELECT * FROM pg_stat_activity'],
  },
  {
    type: 'aws.sqs.queue', label: 'SQS queue',
    problems: [
      { name: 'dead-letter queue growing', words: ['dlq', 'poison message', 'redrive', 'maxReceiveCount'] },
      { name: 'message backlog', words: ['backlog', 'age of oldest message', 'consumer lag', 'visibility timeout'] },
    ],
    metrics: ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'NumberOfMessagesReceived'],
    commands: ['aws sqs get-queue-attributes', 'aws sqs start-message-move-task', 'aws sqs purge-queue'],
  },
  {
    type: 'aws.elbv2.load-balancer', label: 'load balancer',
    problems: [
      { name: '5xx error spike', words: ['502', '503', '504', 'bad gateway', 'target errors'] },
      { name: 'unhealthy targets', words: ['health check', 'unhealthy host count', 'deregistration', 'target group'] },
      { name: 'high latency', words: ['target response time', 'p99 latency', 'slow upstream', 'keep-alive'] },
    ],
    metrics: ['HTTPCode_Target_5XX_Count', 'UnHealthyHostCount', 'TargetResponseTime', 'RequestCount'],
    commands: ['aws elbv2 describe-target-health', 'aws elbv2 describe-load-balancers', 'aws elbv2 modify-target-group'],
  },
  {
    type: 'aws.ecs.service', label: 'ECS service',
    problems: [
      { name: 'tasks crash looping', words: ['exit code', 'essential container', 'stopped reason', 'crash loop'] },
      { name: 'deployment stuck', words: ['rolling deployment', 'circuit breaker', 'desired count', 'pending tasks'] },
      { name: 'out of memory kills', words: ['oom', 'memory reservation', 'container killed', 'heap'] },
    ],
    metrics: ['CPUUtilization', 'MemoryUtilization', 'RunningTaskCount', 'DesiredTaskCount'],
    commands: ['aws ecs describe-services', 'aws ecs update-service --force-new-deployment', 'aws ecs describe-tasks', 'aws ecs update-service --desired-count'],
  },
  {
    type: 'aws.lambda.function', label: 'Lambda function',
    problems: [
      { name: 'throttling', words: ['throttles', 'reserved concurrency', 'account concurrency', 'burst limit'] },
      { name: 'timeouts', words: ['timeout', 'duration', 'downstream call', 'cold start'] },
      { name: 'error rate', words: ['errors', 'unhandled exception', 'retry', 'destination'] },
    ],
    metrics: ['Throttles', 'Duration', 'Errors', 'ConcurrentExecutions', 'IteratorAge'],
    commands: ['aws lambda get-function-configuration', 'aws lambda put-function-concurrency', 'aws lambda update-function-configuration --timeout'],
  },
  {
    type: 'aws.elasticache.cluster', label: 'Redis cache',
    problems: [
      { name: 'evictions', words: ['evictions', 'maxmemory', 'ttl', 'memory fragmentation'] },
      { name: 'failover', words: ['primary failover', 'replication group', 'connection reset', 'dns change'] },
    ],
    metrics: ['Evictions', 'DatabaseMemoryUsagePercentage', 'CurrConnections', 'EngineCPUUtilization'],
    commands: ['aws elasticache describe-replication-groups', 'aws elasticache test-failover', 'redis-cli info memory'],
  },
  {
    type: 'aws.dynamodb.table', label: 'DynamoDB table',
    problems: [
      { name: 'throttled requests', words: ['provisioned throughput exceeded', 'hot partition', 'capacity', 'on-demand'] },
    ],
    metrics: ['ThrottledRequests', 'ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'SuccessfulRequestLatency'],
    commands: ['aws dynamodb describe-table', 'aws dynamodb update-table --billing-mode PAY_PER_REQUEST', 'aws application-autoscaling describe-scaling-policies'],
  },
  {
    type: 'aws.ec2.instance', label: 'EC2 instance',
    problems: [
      { name: 'disk full', words: ['root volume', 'inode', 'log rotation', 'ebs'] },
      { name: 'status check failed', words: ['system status check', 'instance status check', 'hardware', 'reboot'] },
      { name: 'CPU steal', words: ['steal time', 'cpu credits', 'burstable', 't3 unlimited'] },
    ],
    metrics: ['CPUUtilization', 'StatusCheckFailed', 'CPUCreditBalance', 'EBSIOBalance%'],
    commands: ['aws ec2 describe-instance-status', 'aws ec2 reboot-instances', 'aws ec2 modify-volume --size', 'df -h'],
  },
  {
    type: 'aws.s3.bucket', label: 'S3 bucket',
    problems: [
      { name: 'access denied errors', words: ['403', 'bucket policy', 'kms key', 'iam permissions'] },
    ],
    metrics: ['4xxErrors', '5xxErrors', 'BucketSizeBytes', 'NumberOfObjects'],
    commands: ['aws s3api get-bucket-policy', 'aws s3api get-bucket-encryption', 'aws iam simulate-principal-policy'],
  },
  {
    type: 'aws.secretsmanager.secret', label: 'secret',
    problems: [
      { name: 'rotation failure', words: ['rotation lambda', 'pending version', 'credentials mismatch', 'awscurrent'] },
    ],
    metrics: ['RotationFailed', 'ResourceCount'],
    commands: ['aws secretsmanager describe-secret', 'aws secretsmanager rotate-secret', 'aws secretsmanager get-secret-value --version-stage AWSPENDING'],
  },
];

const services = ['orders', 'payments', 'checkout', 'catalog', 'search', 'inventory', 'shipping', 'billing', 'auth', 'profile', 'notifications', 'ledger', 'fraud', 'cart', 'pricing'];
const sections = [
  'Summary', 'Symptoms', 'Impact', 'Alerts that fire', 'Dashboards', 'Check recent deployments', 'Check the metrics',
  'Check the logs', 'Diagnose', 'Mitigate', 'Scale up', 'Roll back', 'Fail over', 'Verify recovery', 'Escalation',
  'Communication', 'Root cause analysis', 'Prevention', 'Related runbooks', 'Command reference',
] as const;
export const sectionsPerRunbook = sections.length;

const filler = [
  'the on-call engineer', 'the owning team', 'production traffic', 'the incident channel', 'the last known good version',
  'the change calendar', 'the error budget', 'customer-facing requests', 'the upstream dependency', 'the service dashboard',
];

function sentence(random: Random, topic: Topic, problem: Topic['problems'][number], service: string): string {
  const word = random.pick(problem.words);
  const metric = random.pick(topic.metrics);
  const command = random.pick(topic.commands);
  switch (random.int(6)) {
    case 0: return `Watch ${metric} for the ${service} ${topic.label}; ${word} usually shows there first.`;
    case 1: return `Run \`${command}\` and compare the output with ${random.pick(filler)}.`;
    case 2: return `If ${word} persists for more than ${5 + random.int(25)} minutes, page ${random.pick(filler)}.`;
    case 3: return `${problem.name[0]?.toUpperCase() ?? ''}${problem.name.slice(1)} on ${service} often follows a change to ${random.pick(problem.words)}; check ${random.pick(filler)}.`;
    case 4: return `Record ${metric} before and after each step so ${random.pick(filler)} can confirm the effect on ${word}.`;
    default: return `Do not restart the ${topic.label} blindly: ${word} and ${random.pick(problem.words)} must be understood first.`;
  }
}

/**
 * A deterministic corpus of `chunks` runbook sections: runbooks of 20 headed sections each (one
 * chunk per section once chunked by heading), about realistic problems of ten AWS resource types.
 */
export function generateRunbooks(options: { chunks: number; seed: number }): Runbook[] {
  const random = seededRandom(options.seed);
  const runbooks: Runbook[] = [];
  for (let n = 0, remaining = options.chunks; remaining > 0; n += 1) {
    const topic = random.pick(topics);
    const problem = random.pick(topic.problems);
    const service = random.pick(services);
    const count = Math.min(remaining, sectionsPerRunbook);
    remaining -= count;
    const body = sections.slice(0, count).map((section) => {
      const text = Array.from({ length: 3 + random.int(4) }, () => sentence(random, topic, problem, service)).join(' ');
      return `## ${section}\n\n${text}`;
    }).join('\n\n');
    runbooks.push({
      id: `rb-${String(n).padStart(4, '0')}-${service}-${problem.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
      title: `${topic.label} ${problem.name} (${service})`,
      resourceTypes: [topic.type],
      services: [service],
      tags: [service, ...problem.words.slice(0, 2).map((w) => w.replace(/\s+/g, '-'))],
      severity: random.pick(['low', 'medium', 'high', 'critical'] as const),
      actions: [],
      body,
    });
  }
  return runbooks;
}

/** Search queries of the kind a responder types or the agent derives from an alert. */
export function generateQueries(options: { count: number; seed: number }): RunbookSearch[] {
  const random = seededRandom(options.seed);
  return Array.from({ length: options.count }, () => {
    const topic = random.pick(topics);
    const problem = random.pick(topic.problems);
    const service = random.pick(services);
    const query = (() => {
      switch (random.int(4)) {
        case 0: return `${service} ${topic.label} ${problem.name}`;
        case 1: return `${random.pick(problem.words)} on ${service}`;
        case 2: return `how do I fix ${problem.name} ${random.pick(topic.metrics)}`;
        default: return `${random.pick(topic.metrics)} alarm ${random.pick(problem.words)} ${service}`;
      }
    })();
    return random.chance(0.5) ? { query, resourceTypes: [topic.type], limit: 5 } : { query, limit: 5 };
  });
}
