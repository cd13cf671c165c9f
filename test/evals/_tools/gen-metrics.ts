/**
 * Generates the recorded metrics (`metrics.json`, src/metrics/recorded.ts format) of the eval
 * scenarios listed below, reproducibly: `node bin/run-ts.mjs test/evals/_tools/gen-metrics.ts [prefix]`.
 *
 * Each series is 120 one-minute points (the window and the baseline window before it); the last
 * point plays as "now". A series is a baseline with seeded Gaussian noise, optionally changing at
 * `onset` minutes before the end and reaching `to` after `ramp` minutes (a step when `ramp` is 1).
 * The seed is the scenario, resource and metric, so re-running gives the same bytes. Scenarios 01-17
 * keep their hand-made recordings and are not listed here.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

const evalsDir = resolve(import.meta.dirname, '..');
const points = 120;
const GiB = 1024 ** 3;

interface Shape {
  base: number;
  /** Standard deviation of the noise before the onset (and after, unless `noiseAfter`). */
  noise: number;
  onset?: number;
  to?: number;
  ramp?: number;
  noiseAfter?: number;
}

type Kind = 'percent' | 'ratio' | 'count' | 'seconds' | 'ms' | 'bytes';

interface SeriesSpec {
  resource: string;
  metric: string;
  kind: Kind;
  threshold?: number;
  bound?: 'upper' | 'lower';
  shape: Shape;
}

interface ScenarioSpec {
  dir: string;
  world: string;
  series: SeriesSpec[];
}

const units: Record<Kind, string> = { percent: 'Percent', ratio: 'Ratio', count: 'Count', seconds: 'Seconds', ms: 'Milliseconds', bytes: 'Bytes' };

const flat = (base: number, noise: number): Shape => ({ base, noise });
const change = (base: number, noise: number, onset: number, to: number, ramp = onset, noiseAfter?: number): Shape => ({ base, noise, onset, to, ramp, ...(noiseAfter === undefined ? {} : { noiseAfter }) });
const step = (base: number, noise: number, onset: number, to: number, noiseAfter?: number): Shape => change(base, noise, onset, to, 1, noiseAfter);

const s = (resource: string, metric: string, kind: Kind, shape: Shape, threshold?: number, bound?: 'lower'): SeriesSpec => ({ resource, metric, kind, shape, ...(threshold === undefined ? {} : { threshold }), ...(bound ? { bound } : {}) });

// AWS metric names as CloudWatch spells them; Azure as Azure Monitor; GCP as Cloud Monitoring metric types.
const cpu = 'CPUUtilization';
const mem = 'MemoryUtilization';
const trt = 'TargetResponseTime';
const gceCpu = 'compute.googleapis.com/instance/cpu/utilization';
const runLatency = 'run.googleapis.com/request_latencies';
const runCpu = 'run.googleapis.com/container/cpu/utilizations';
const runInstances = 'run.googleapis.com/container/instance_count';
const sqlCpu = 'cloudsql.googleapis.com/database/cpu/utilization';
const sqlConnections = 'cloudsql.googleapis.com/database/network/connections';

/** The healthy background of the travel estate, overridden per scenario. */
function travel(overrides: SeriesSpec[]): SeriesSpec[] {
  const defaults: SeriesSpec[] = [
    s('web-alb', trt, 'seconds', flat(0.19, 0.015), 1),
    s('web-alb', 'HTTPCode_Target_5XX_Count', 'count', flat(2, 1.2), 50),
    s('web-alb', 'RequestCount', 'count', flat(5200, 140)),
    s('booking-api', cpu, 'percent', flat(42, 2.5), 80),
    s('booking-api', mem, 'percent', flat(58, 1.2), 90),
    s('search-api', cpu, 'percent', flat(35, 2.8), 80),
    s('booking-db', cpu, 'percent', flat(39, 2.6), 80),
    s('booking-db', 'DatabaseConnections', 'count', flat(118, 6)),
    s('booking-db', 'ReadLatency', 'seconds', flat(0.0042, 0.0006), 0.02),
    s('bookings-queue', 'ApproximateNumberOfMessagesVisible', 'count', flat(45, 12), 1000),
    s('bookings-queue', 'ApproximateAgeOfOldestMessage', 'seconds', flat(9, 3), 300),
    s('ledger-writer', 'Throttles', 'count', flat(0, 0), 0),
    s('ledger-writer', 'ConcurrentExecutions', 'count', flat(13, 1.5)),
    s('ledger-db', cpu, 'percent', flat(34, 2.5), 80),
    s('report-batch', cpu, 'percent', flat(18, 2), 80),
  ];
  return merge(defaults, overrides);
}

function billing(overrides: SeriesSpec[]): SeriesSpec[] {
  const defaults: SeriesSpec[] = [
    s('billing-web', 'Http5xx', 'count', flat(1, 0.8), 10),
    s('billing-web', 'HttpResponseTime', 'seconds', flat(0.34, 0.03), 2),
    s('billing-web', 'Requests', 'count', flat(3100, 90)),
    s('invoice-api', 'Http5xx', 'count', flat(0.5, 0.6), 10),
    s('invoice-api', 'HttpResponseTime', 'seconds', flat(0.29, 0.025), 2),
    s('billing-plan', 'CpuPercentage', 'percent', flat(41, 2.5), 85),
    s('billing-plan', 'MemoryPercentage', 'percent', flat(63, 1), 85),
    s('billing-sqldb', 'cpu_percent', 'percent', flat(36, 2.5), 90),
    s('etl-vm-1', 'Percentage CPU', 'percent', flat(55, 4), 90),
    s('etl-vm-1', 'VmAvailabilityMetric', 'count', flat(1, 0), 1, 'lower'),
    s('etl-vm-2', 'Percentage CPU', 'percent', flat(57, 4), 90),
    s('etl-vm-2', 'VmAvailabilityMetric', 'count', flat(1, 0), 1, 'lower'),
    s('build-agent', 'Percentage CPU', 'percent', flat(22, 5), 90),
  ];
  return merge(defaults, overrides);
}

function media(overrides: SeriesSpec[]): SeriesSpec[] {
  const defaults: SeriesSpec[] = [
    s('media-api', runLatency, 'ms', flat(240, 18), 1000),
    s('media-api', runCpu, 'ratio', flat(0.31, 0.03), 0.9),
    s('thumbnail-svc', runLatency, 'ms', flat(175, 15), 1000),
    s('thumbnail-svc', runCpu, 'ratio', flat(0.34, 0.03), 0.9),
    s('media-db', sqlCpu, 'ratio', flat(0.43, 0.03), 0.85),
    s('media-db', sqlConnections, 'count', flat(82, 5)),
    s('analytics-db', sqlCpu, 'ratio', flat(0.38, 0.04), 0.85),
    s('transcode-1', gceCpu, 'ratio', flat(0.68, 0.04), 0.9),
    s('transcode-2', gceCpu, 'ratio', flat(0.66, 0.04), 0.9),
    s('report-runner', gceCpu, 'ratio', flat(0.2, 0.03), 0.9),
  ];
  return merge(defaults, overrides);
}

/** The defaults with each override replacing the series of the same resource and metric (or added). */
function merge(defaults: SeriesSpec[], overrides: SeriesSpec[]): SeriesSpec[] {
  const key = (x: SeriesSpec): string => `${x.resource}\u0000${x.metric}`;
  const replaced = new Map(overrides.map((o) => [key(o), o]));
  return [...defaults.map((d) => replaced.get(key(d)) ?? d), ...overrides.filter((o) => !defaults.some((d) => key(d) === key(o)))];
}

const scenarios: ScenarioSpec[] = [
  { dir: '18_aws_alb_latency_app_cpu_cloudwatch', world: 'travel-aws', series: travel([
    s('web-alb', trt, 'seconds', change(0.19, 0.015, 13, 2.3, 10, 0.08), 1),
    s('web-alb', 'RequestCount', 'count', change(5200, 140, 20, 7900, 8)),
    s('booking-api', cpu, 'percent', change(42, 2.5, 16, 93, 10), 80),
  ]) },
  { dir: '19_aws_alb_latency_db_cpu_question', world: 'travel-aws', series: travel([
    s('web-alb', trt, 'seconds', change(0.2, 0.015, 15, 2.8, 12, 0.1), 1),
    s('booking-db', cpu, 'percent', change(36, 2.6, 20, 97, 10, 1.2), 80),
    s('booking-db', 'DatabaseConnections', 'count', change(118, 6, 19, 290, 10)),
    s('booking-db', 'ReadLatency', 'seconds', change(0.0042, 0.0006, 19, 0.045, 10, 0.003), 0.02),
    s('booking-api', cpu, 'percent', change(40, 2.5, 14, 58, 8), 80),
  ]) },
  { dir: '20_aws_onset_db_before_app', world: 'travel-aws', series: travel([
    s('booking-db', cpu, 'percent', change(40, 2.6, 22, 95, 8, 1.5), 80),
    s('booking-db', 'ReadLatency', 'seconds', change(0.0042, 0.0006, 21, 0.031, 8, 0.002), 0.02),
    s('booking-api', cpu, 'percent', change(45, 2.5, 12, 88, 6, 1.5), 80),
    s('web-alb', trt, 'seconds', change(0.19, 0.015, 14, 1.9, 8, 0.07), 1),
  ]) },
  { dir: '21_aws_ambiguous_app_and_db', world: 'travel-aws', series: travel([
    s('booking-api', cpu, 'percent', change(40, 2.5, 10, 92, 5, 1.5), 80),
    s('booking-db', cpu, 'percent', change(38, 2.6, 10, 91, 5, 1.5), 80),
    s('booking-db', 'ReadLatency', 'seconds', change(0.0042, 0.0006, 10, 0.012, 5, 0.001), 0.02),
    s('web-alb', trt, 'seconds', change(0.2, 0.015, 9, 2.1, 5, 0.08), 1),
  ]) },
  { dir: '22_aws_memory_leak_redeploy_alertmanager', world: 'travel-aws', series: travel([
    s('booking-api', mem, 'percent', change(55, 1.2, 45, 96.5, 40, 0.6), 90),
    s('booking-api', cpu, 'percent', flat(38, 2.5), 80),
    s('web-alb', trt, 'seconds', change(0.21, 0.015, 10, 0.6, 6, 0.05), 1),
    s('web-alb', 'HTTPCode_Target_5XX_Count', 'count', change(2, 1.2, 8, 24, 4, 4), 50),
  ]) },
  { dir: '23_aws_backlog_throttled_consumer_cloudwatch', world: 'travel-aws', series: travel([
    s('bookings-queue', 'ApproximateNumberOfMessagesVisible', 'count', change(45, 12, 17, 6400, 17, 60), 1000),
    s('bookings-queue', 'ApproximateAgeOfOldestMessage', 'seconds', change(9, 3, 17, 980, 17, 10), 300),
    s('bookings-queue', 'NumberOfMessagesSent', 'count', change(2400, 80, 19, 2900, 5)),
    s('ledger-writer', 'Throttles', 'count', change(0, 0, 17, 140, 6, 6), 0),
    s('ledger-writer', 'ConcurrentExecutions', 'count', step(13, 1.5, 17, 20, 0)),
    s('ledger-writer', 'Errors', 'count', flat(0, 0.3), 10),
    s('ledger-writer', 'Duration', 'ms', flat(820, 40)),
  ]) },
  { dir: '24_aws_backlog_consumer_db_busy', world: 'travel-aws', series: travel([
    s('bookings-queue', 'ApproximateNumberOfMessagesVisible', 'count', change(45, 12, 15, 4700, 15, 50), 1000),
    s('bookings-queue', 'ApproximateAgeOfOldestMessage', 'seconds', change(9, 3, 15, 760, 15, 10), 300),
    s('bookings-queue', 'NumberOfMessagesSent', 'count', change(2400, 80, 17, 2850, 5)),
    s('ledger-writer', 'Throttles', 'count', change(0, 0, 15, 120, 6, 6), 0),
    s('ledger-writer', 'ConcurrentExecutions', 'count', step(14, 1.5, 15, 20, 0)),
    s('ledger-writer', 'Duration', 'ms', flat(840, 40)),
    s('ledger-db', cpu, 'percent', flat(76, 1.2), 80),
  ]) },
  { dir: '25_aws_free_storage_low_cloudwatch', world: 'travel-aws', series: travel([
    s('booking-db', 'FreeStorageSpace', 'bytes', change(21.5 * GiB, 0.03 * GiB, 50, 2.4 * GiB, 46, 0.02 * GiB), 5 * GiB, 'lower'),
    s('booking-db', 'WriteLatency', 'seconds', flat(0.0031, 0.0004)),
  ]) },
  { dir: '26_aws_latency_db_io_distractor', world: 'travel-aws', series: travel([
    s('web-alb', trt, 'seconds', change(0.19, 0.015, 12, 1.7, 6, 0.07), 1),
    s('booking-api', cpu, 'percent', change(39, 2.5, 12, 44, 6), 80),
    s('booking-db', 'ReadLatency', 'seconds', change(0.0042, 0.0006, 14, 0.085, 5, 0.006), 0.02),
    s('booking-db', cpu, 'percent', flat(45, 2.6), 80),
    s('booking-db', 'DatabaseConnections', 'count', change(118, 6, 12, 180, 6)),
    s('report-batch', cpu, 'percent', step(20, 2, 40, 96, 1.2), 80),
    s('analytics-db', cpu, 'percent', flat(71, 2), 80),
  ]) },
  { dir: '27_aws_healthy_booking_api', world: 'travel-aws', series: travel([]) },
  { dir: '28_aws_typo_healthy_with_hot_batch', world: 'travel-aws', series: travel([
    s('fares-table', 'ReadThrottleEvents', 'count', flat(0, 0), 0),
    s('fares-table', 'ConsumedReadCapacityUnits', 'count', flat(41000, 1500)),
    s('report-batch', cpu, 'percent', step(19, 2, 35, 95, 1.5), 80),
  ]) },
  { dir: '29_aws_hypothetical_queue_down', world: 'travel-aws', series: travel([
    s('booking-api', cpu, 'percent', change(45, 2.5, 12, 86, 6, 1.5), 80),
  ]) },
  { dir: '30_aws_readonly_metrics_hot', world: 'travel-aws', series: travel([
    s('booking-api', cpu, 'percent', change(41, 2.5, 15, 91, 7, 1.5), 80),
    s('web-alb', trt, 'seconds', change(0.19, 0.015, 13, 1.4, 7, 0.06), 1),
  ]) },
  { dir: '31_aws_readonly_what_depends', world: 'travel-aws', series: travel([
    s('booking-db', cpu, 'percent', flat(48, 2.6), 80),
  ]) },
  { dir: '32_aws_datadog_test_notification', world: 'travel-aws', series: travel([
    s('booking-api', cpu, 'percent', change(42, 2.5, 14, 90, 7, 1.5), 80),
    s('web-alb', trt, 'seconds', change(0.19, 0.015, 12, 1.5, 7, 0.06), 1),
  ]) },
  { dir: '33_azure_appservice_5xx_restart', world: 'billing-azure', series: billing([
    s('billing-web', 'Http5xx', 'count', change(1, 0.8, 11, 38, 2, 4), 10),
    s('billing-web', 'HttpResponseTime', 'seconds', change(0.34, 0.03, 11, 0.9, 3, 0.08), 2),
  ]) },
  { dir: '34_azure_5xx_database_first', world: 'billing-azure', series: billing([
    s('billing-sqldb', 'cpu_percent', 'percent', change(38, 2.5, 24, 98, 5, 0.8), 90),
    s('billing-sqldb', 'connection_failed', 'count', change(0, 0, 15, 12, 3, 2)),
    s('billing-web', 'Http5xx', 'count', change(1, 0.8, 13, 31, 3, 3), 10),
    s('billing-web', 'HttpResponseTime', 'seconds', change(0.34, 0.03, 16, 6.5, 10, 0.4), 2),
    s('invoice-api', 'Http5xx', 'count', change(0.5, 0.6, 13, 17, 3, 2), 10),
    s('invoice-api', 'HttpResponseTime', 'seconds', change(0.29, 0.025, 16, 5.2, 10, 0.3), 2),
  ]) },
  { dir: '35_azure_shared_plan_cpu_distractor', world: 'billing-azure', series: billing([
    s('billing-plan', 'CpuPercentage', 'percent', change(45, 2.5, 19, 97, 5, 1), 85),
    s('billing-web', 'HttpResponseTime', 'seconds', change(0.34, 0.03, 13, 4.1, 6, 0.25), 2),
    s('billing-web', 'Http5xx', 'count', change(1, 0.8, 13, 6, 4, 1.5), 10),
    s('invoice-api', 'HttpResponseTime', 'seconds', change(0.29, 0.025, 13, 3.6, 6, 0.2), 2),
    s('billing-sqldb', 'cpu_percent', 'percent', flat(42, 2.5), 90),
    s('build-agent', 'Percentage CPU', 'percent', step(25, 5, 55, 98, 0.8), 90),
  ]) },
  { dir: '36_azure_vm_unavailable_restart_pagerduty', world: 'billing-azure', series: billing([
    s('etl-vm-1', 'VmAvailabilityMetric', 'count', step(1, 0, 14, 0, 0), 1, 'lower'),
    s('etl-vm-1', 'Percentage CPU', 'percent', step(55, 4, 14, 1.5, 0.5), 90),
  ]) },
  { dir: '37_azure_vm_busy_no_restart', world: 'billing-azure', series: billing([
    s('etl-vm-2', 'Percentage CPU', 'percent', change(50, 4, 25, 98, 5, 0.8), 90),
    s('etl-vm-2', 'Available Memory Bytes', 'bytes', change(6.1 * GiB, 0.08 * GiB, 25, 5.2 * GiB, 5, 0.05 * GiB), 0.5 * GiB, 'lower'),
    s('billing-sqldb', 'cpu_percent', 'percent', flat(52, 2.5), 90),
  ]) },
  { dir: '38_azure_vm_memory_low_alertmanager', world: 'billing-azure', series: billing([
    s('etl-vm-1', 'Available Memory Bytes', 'bytes', change(7.5 * GiB, 0.06 * GiB, 40, 0.3 * GiB, 32, 0.02 * GiB), 0.5 * GiB, 'lower'),
    s('etl-vm-1', 'Percentage CPU', 'percent', change(58, 4, 30, 71, 10), 90),
  ]) },
  { dir: '39_azure_healthy_invoice_api', world: 'billing-azure', series: billing([]) },
  { dir: '40_azure_grafana_test_notification', world: 'billing-azure', series: billing([
    s('billing-web', 'Http5xx', 'count', change(1, 0.8, 12, 26, 2, 3), 10),
  ]) },
  { dir: '41_gcp_run_latency_downstream_service', world: 'media-gcp', series: media([
    s('thumbnail-svc', runCpu, 'ratio', change(0.34, 0.03, 21, 0.97, 5, 0.01), 0.9),
    s('thumbnail-svc', runInstances, 'count', step(4, 0.6, 20, 10, 0)),
    s('thumbnail-svc', runLatency, 'ms', change(175, 15, 16, 3900, 6, 150), 1000),
    s('media-api', runLatency, 'ms', change(240, 18, 14, 4300, 5, 160), 1000),
    s('analytics-db', sqlCpu, 'ratio', step(0.38, 0.04, 70, 0.96, 0.01), 0.85),
  ]) },
  { dir: '42_gcp_run_latency_database', world: 'media-gcp', series: media([
    s('media-db', sqlCpu, 'ratio', change(0.45, 0.03, 23, 0.97, 6, 0.01), 0.85),
    s('media-db', sqlConnections, 'count', change(82, 5, 18, 240, 8)),
    s('media-api', runLatency, 'ms', change(230, 18, 15, 2900, 6, 110), 1000),
    s('media-api', runCpu, 'ratio', change(0.32, 0.03, 15, 0.38, 6), 0.9),
  ]) },
  { dir: '43_gcp_hung_instance_reset', world: 'media-gcp', series: media([
    s('transcode-1', gceCpu, 'ratio', step(0.71, 0.04, 16, 0.004, 0.002), 0.9),
  ]) },
  { dir: '44_gcp_busy_instance_no_reset', world: 'media-gcp', series: media([
    s('transcode-2', gceCpu, 'ratio', change(0.6, 0.04, 22, 0.98, 5, 0.008), 0.9),
    s('media-db', sqlCpu, 'ratio', flat(0.52, 0.03), 0.85),
  ]) },
  { dir: '45_gcp_hypothetical_db_down', world: 'media-gcp', series: media([
    s('analytics-db', sqlCpu, 'ratio', step(0.38, 0.04, 50, 0.95, 0.012), 0.85),
  ]) },
  { dir: '46_gcp_test_notification', world: 'media-gcp', series: media([
    s('transcode-1', gceCpu, 'ratio', step(0.7, 0.04, 18, 0.004, 0.002), 0.9),
  ]) },
  { dir: '47_gcp_readonly_metrics_hung', world: 'media-gcp', series: media([
    s('transcode-1', gceCpu, 'ratio', step(0.69, 0.04, 20, 0.003, 0.002), 0.9),
  ]) },
  { dir: '48_aws_errors_dynamodb_throttling', world: 'travel-aws', series: travel([
    s('web-alb', 'HTTPCode_Target_5XX_Count', 'count', change(2, 1.2, 11, 340, 4, 25), 50),
    s('search-api', cpu, 'percent', change(35, 2.8, 11, 31, 4), 80),
    s('fares-table', 'ReadThrottleEvents', 'count', change(0, 0, 13, 460, 4, 30), 0),
    s('fares-table', 'ConsumedReadCapacityUnits', 'count', change(41000, 1500, 14, 60000, 3, 300)),
  ]) },
  { dir: '49_azure_readonly_what_depends', world: 'billing-azure', series: billing([
    s('billing-web', 'Http5xx', 'count', change(1, 0.8, 12, 30, 2, 3), 10),
  ]) },
  { dir: '50_gcp_typo_healthy', world: 'media-gcp', series: media([
    s('analytics-db', sqlCpu, 'ratio', step(0.38, 0.04, 45, 0.94, 0.012), 0.85),
  ]) },
];

/** mulberry32: a small seeded generator, so the recordings are reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Standard normal noise, cut at 2.5 deviations so a flat series never strays across a nearby threshold. */
function gaussian(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  const v = next();
  return Math.max(-2.5, Math.min(2.5, Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
}

function values(spec: SeriesSpec, seed: string): number[] {
  const next = random(hash(seed));
  const { base, noise, onset, to, ramp = 1, noiseAfter } = spec.shape;
  const out: number[] = [];
  for (let i = 0; i < points; i += 1) {
    const minutesAgo = points - 1 - i;
    let level = base;
    let sd = noise;
    if (onset !== undefined && to !== undefined && minutesAgo <= onset) {
      const progress = Math.min(1, (onset - minutesAgo + 1) / Math.max(1, ramp));
      level = base + (to - base) * progress;
      sd = noiseAfter ?? noise;
    }
    out.push(clean(spec.kind, level + sd * gaussian(next)));
  }
  return out;
}

function clean(kind: Kind, v: number): number {
  switch (kind) {
    case 'percent': return round(Math.min(100, Math.max(0, v)), 2);
    case 'ratio': return round(Math.min(1, Math.max(0, v)), 3);
    case 'count': return Math.max(0, Math.round(v));
    case 'bytes': return Math.max(0, Math.round(v));
    case 'seconds': return round(Math.max(0, v), 4);
    case 'ms': return Math.max(0, Math.round(v));
  }
}

function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

async function idsByName(world: string): Promise<Map<string, string>> {
  const estate = parseYaml(await readFile(join(evalsDir, '_worlds', world, 'estate.yaml'), 'utf8')) as { resources: { id: string; name: string }[] };
  return new Map(estate.resources.map((r) => [r.name, r.id]));
}

/** Minutes at the end of the series past the threshold (below it for a lower bound): what `for Nm` sees. */
function breachTail(v: readonly number[], threshold: number, bound: 'upper' | 'lower'): number {
  let n = 0;
  for (let i = v.length - 1; i >= 0 && (bound === 'lower' ? (v[i] as number) < threshold : (v[i] as number) > threshold); i -= 1) n += 1;
  return n;
}

const only = process.argv[2];
for (const scenario of scenarios.filter((x) => !only || x.dir.startsWith(only))) {
  const ids = await idsByName(scenario.world);
  const series = scenario.series.map((spec) => {
    const resourceId = ids.get(spec.resource);
    if (!resourceId) throw new Error(`${scenario.dir}: no resource ${spec.resource} in world ${scenario.world}`);
    const v = values(spec, `${scenario.dir}/${spec.resource}/${spec.metric}`);
    if (spec.threshold !== undefined) {
      const tail = breachTail(v, spec.threshold, spec.bound ?? 'upper');
      if (tail > 0) process.stdout.write(`${scenario.dir}: ${spec.resource} ${spec.metric} past ${spec.threshold} for the last ${tail} min (last ${v.at(-1)})\n`);
    }
    return {
      resourceId, metric: spec.metric, unit: units[spec.kind],
      ...(spec.threshold === undefined ? {} : { threshold: spec.threshold }),
      ...(spec.bound === 'lower' ? { bound: 'lower' } : {}),
      intervalSeconds: 60, values: v,
    };
  });
  // One series per line: readable in a diff, and the values stay on one line.
  await mkdir(join(evalsDir, scenario.dir), { recursive: true });
  await writeFile(join(evalsDir, scenario.dir, 'metrics.json'), `{\n "version": 1,\n "series": [\n${series.map((x) => `  ${JSON.stringify(x)}`).join(',\n')}\n ]\n}\n`);
}
