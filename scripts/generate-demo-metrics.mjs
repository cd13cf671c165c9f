#!/usr/bin/env node
// Writes the recorded demo metrics (src/demo/metrics/<org>.json, RecordedMetricsFile version 1).
// Deterministic: a seeded PRNG per series, so re-running produces byte-identical files.
// Resource ids are looked up by name in the organization's estate file, so the series always
// point at resources that exist there (and only there).
//
//   node scripts/generate-demo-metrics.mjs
//
// 120 one-minute points per series; the last point is replayed as "now".

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = join(root, 'src', 'demo');
const POINTS = 120;
const INTERVAL_SECONDS = 60;

/** mulberry32: a small, fast, seedable PRNG. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string: the seed of a series is derived from its org, resource and metric. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const smoothstep = (x) => {
  const t = clamp(x, 0, 1);
  return t * t * (3 - 2 * t);
};
/** 0 before `start`, rising smoothly to 1 at the last point. */
const rampFrom = (i, start) => (i < start ? 0 : smoothstep((i - start) / (POINTS - 1 - start)));
/** 1 inside [from, to), 0 outside, with `edge` points of smooth shoulders. */
const pulse = (i, from, to, edge = 3) => Math.min(smoothstep((i - from + 1) / edge), smoothstep((to - i) / edge));

function loadEstate(org) {
  const estate = parseYaml(readFileSync(join(demoDir, 'estate', `${org}.yaml`), 'utf8'));
  return (name) => {
    const matches = estate.resources.filter((r) => r.name === name);
    if (matches.length !== 1) throw new Error(`${org}: expected one resource named ${name}, found ${matches.length}`);
    return matches[0].id;
  };
}

/**
 * One series. `shape(i, rnd)` returns the value of point i; `rnd()` is a uniform [-1, 1) noise
 * source seeded from org, resource and metric. Percentages are clamped to 0-100, ratios to 0-1,
 * counts rounded to integers, everything else to 2 decimals.
 */
function series(org, resourceId, metric, unit, shape, threshold) {
  const rng = mulberry32(hash(`${org}|${resourceId}|${metric}`));
  const rnd = () => rng() * 2 - 1;
  const values = [];
  for (let i = 0; i < POINTS; i += 1) {
    let v = shape(i, rnd);
    if (unit === 'Percent') v = clamp(v, 0, 100);
    if (unit === 'ratio') v = clamp(v, 0, 1);
    v = Math.max(0, v);
    values.push(unit === 'Count' ? Math.round(v) : Math.round(v * 100) / 100);
  }
  return { resourceId, metric, unit, ...(threshold === undefined ? {} : { threshold }), intervalSeconds: INTERVAL_SECONDS, values };
}

function demo() {
  const id = loadEstate('demo');
  const org = 'demo';
  const s = (name, metric, unit, shape, threshold) => series(org, id(name), metric, unit, shape, threshold);
  const incident = POINTS - 20; // the checkout incident starts 20 minutes before "now"
  return [
    // AWS/ECS: checkout-api runs out of CPU over the last 20 minutes; memory creeps up all along.
    s('checkout-api', 'CPUUtilization', 'Percent', (i, r) => 35 + 3 * r() + 57 * rampFrom(i, incident) + (i >= incident ? 2 * r() : 0), 80),
    s('checkout-api', 'MemoryUtilization', 'Percent', (i, r) => 52 + 0.08 * i + 9 * rampFrom(i, incident) + 1.5 * r(), 85),
    s('payments-api', 'CPUUtilization', 'Percent', (i, r) => 38 + 4 * Math.sin(i / 9) + 2.5 * r(), 80),
    // AWS/ApplicationELB: latency follows the saturated tasks; 5xx spike once they time out.
    s('checkout-alb', 'TargetResponseTime', 'Seconds', (i, r) => 0.18 + 0.03 * r() + 2.2 * rampFrom(i, incident) + (i >= incident ? 0.12 * r() : 0), 1.0),
    s('checkout-alb', 'HTTPCode_Target_5XX_Count', 'Count', (i, r) => {
      const base = r() > 0.85 ? 1 : 0;
      return i < POINTS - 12 ? base : base + 60 + 110 * rampFrom(i, POINTS - 12) + 25 * r();
    }, 50),
    s('checkout-alb', 'RequestCount', 'Count', (i, r) => 4200 + 600 * Math.sin(i / 20) + 150 * r()),
    // AWS/RDS: checkout-db is warm but not saturated; connections climb as checkout retries pile up.
    s('checkout-db', 'CPUUtilization', 'Percent', (i, r) => 48 + 3 * r() + 17 * rampFrom(i, incident - 10), 80),
    s('checkout-db', 'DatabaseConnections', 'Count', (i, r) => 82 + 3 * r() + 0.1 * i + 80 * rampFrom(i, incident - 5), 200),
    // AWS/SQS: orders back up behind the slow checkout path and the throttled worker.
    s('orders-queue', 'ApproximateNumberOfMessagesVisible', 'Count', (i, r) => 20 + 8 * r() + 4800 * rampFrom(i, incident - 15) ** 1.6, 1000),
    s('orders-queue', 'ApproximateAgeOfOldestMessage', 'Seconds', (i, r) => 12 + 4 * r() + 640 * rampFrom(i, incident - 15) ** 1.4, 300),
    // AWS/Lambda: order-worker hits its reserved concurrency (50) and throttles.
    s('order-worker', 'Throttles', 'Count', (i, r) => (i < incident - 8 ? 0 : 8 + 70 * rampFrom(i, incident - 8) + 10 * r()), 1),
    s('order-worker', 'Errors', 'Count', (i, r) => (r() > 0.9 ? 1 : 0) + (i >= incident ? 3 + 3 * r() : 0), 10),
    s('order-worker', 'ConcurrentExecutions', 'Count', (i, r) => Math.min(50, 14 + 3 * r() + 40 * rampFrom(i, incident - 15))),
    // AWS/EC2: bastion-1 idles.
    s('bastion-1', 'CPUUtilization', 'Percent', (i, r) => 2.2 + 0.8 * r() + (i % 30 === 0 ? 6 : 0), 90),
    // Azure Monitor: portal-web had a 5xx burst an hour ago that cleared by itself.
    s('portal-web', 'Http5xx', 'Count', (i, r) => (r() > 0.8 ? 1 : 0) + 28 * pulse(i, 55, 70) + 4 * pulse(i, 55, 70) * r(), 10),
    s('portal-web', 'HttpResponseTime', 'Seconds', (i, r) => 0.32 + 0.05 * r() + 1.6 * pulse(i, 54, 71), 2),
    // Azure Monitor: reporting-vm runs its batch report in the middle of the window.
    s('reporting-vm', 'Percentage CPU', 'Percent', (i, r) => 18 + 3 * r() + 62 * pulse(i, 30, 75, 6) + 4 * pulse(i, 30, 75, 6) * r(), 90),
    // Cloud Monitoring: search-api latency (p95, ms) is steady; the indexer oscillates with its batches.
    s('search-api', 'run.googleapis.com/request_latencies', 'ms', (i, r) => 180 + 25 * Math.sin(i / 12) + 15 * r(), 1000),
    s('search-api', 'run.googleapis.com/request_count', 'Count', (i, r) => 900 + 120 * Math.sin(i / 15) + 40 * r()),
    s('search-indexer-1', 'compute.googleapis.com/instance/cpu/utilization', 'ratio', (i, r) => 0.62 + 0.12 * Math.sin(i / 7) + 0.04 * r(), 0.9),
    s('search-db', 'cloudsql.googleapis.com/database/cpu/utilization', 'ratio', (i, r) => 0.41 + 0.05 * Math.sin(i / 7 + 1) + 0.03 * r(), 0.85),
  ];
}

function globex() {
  const id = loadEstate('globex');
  const org = 'globex';
  const s = (name, metric, unit, shape, threshold) => series(org, id(name), metric, unit, shape, threshold);
  return [
    // Globex's checkout-api shares a name with Demo Corp's but is healthy: isolation is visible.
    s('checkout-api', 'CPUUtilization', 'Percent', (i, r) => 22 + 2 * r() + 3 * Math.sin(i / 25), 80),
    // billing-api: sawtooth from the invoice batches every 30 minutes.
    s('billing-api', 'CPUUtilization', 'Percent', (i, r) => 30 + 45 * ((i % 30) / 29) + 3 * r(), 85),
    s('ledger-db', 'CPUUtilization', 'Percent', (i, r) => 51 + 6 * Math.sin(i / 30) + 3 * r(), 85),
    s('ledger-db', 'DatabaseConnections', 'Count', (i, r) => 250 + 15 * r(), 400),
    // ledger-db-replica: replica lag spikes during a long batch transaction, then catches up.
    s('ledger-db-replica', 'ReplicaLag', 'Seconds', (i, r) => Math.abs(1 + r()) + 140 * pulse(i, 70, 100, 12), 60),
    s('globex-edge-alb', 'TargetResponseTime', 'Seconds', (i, r) => 0.29 + 0.04 * r(), 1.5),
    s('invoice-events', 'ApproximateNumberOfMessagesVisible', 'Count', (i, r) => 2500 * (1 - (i % 30) / 29) ** 2 + 20 * r(), 5000),
    s('analytics-api', 'run.googleapis.com/request_latencies', 'ms', (i, r) => 420 + 80 * smoothstep(i / (POINTS - 1)) + 30 * r(), 2000),
  ];
}

function write(org, list) {
  const file = join(demoDir, 'metrics', `${org}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const text = `{"version":1,"series":[\n${list.map((entry) => JSON.stringify(entry)).join(',\n')}\n]}\n`;
  writeFileSync(file, text);
  console.log(`${file}: ${list.length} series x ${POINTS} points`);
}

write('demo', demo());
write('globex', globex());
