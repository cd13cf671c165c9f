// Provision and run REAL Neo4j Community and Weaviate servers for tests and
// local development — without Docker.
//
//  * Neo4j 5.26 Community runs in-process in a small Java launcher
//    (scripts/neo4j-launcher) on top of org.neo4j.test:neo4j-harness from Maven
//    Central. The resolved classpath and the compiled launcher are cached in
//    .cache/neo4j/ (jars stay in ~/.m2).
//  * Weaviate is built from source with `go install` (Go module proxy) into
//    .cache/weaviate/bin/, stamped with the pinned version.
//
// Plain Node ESM, Node built-ins only. See docs/services.md.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------
// Pinned versions and layout
// ---------------------------------------------------------------------------

export const NEO4J_VERSION = '5.26.30'; // must match scripts/neo4j-launcher/pom.xml
export const WEAVIATE_VERSION = 'v1.35.2';
export const WEAVIATE_MODULE = 'github.com/weaviate/weaviate/cmd/weaviate-server';

/** Credentials emitted for the local Neo4j. Auth is disabled there, so any work. */
export const NEO4J_DEFAULT_USER = 'neo4j';
export const NEO4J_DEFAULT_PASSWORD = 'companion-dev';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..');
export const CACHE_DIR = path.join(REPO_ROOT, '.cache');
export const SERVICES_DIR = path.join(REPO_ROOT, '.services');
export const STATE_FILE = path.join(SERVICES_DIR, 'state.json');
const LOG_DIR = path.join(SERVICES_DIR, 'logs');

const NEO4J_SRC_DIR = path.join(HERE, 'neo4j-launcher');
const NEO4J_POM = path.join(NEO4J_SRC_DIR, 'pom.xml');
const NEO4J_LAUNCHER_SRC = path.join(NEO4J_SRC_DIR, 'src', 'main', 'java', 'Launcher.java');
const NEO4J_CACHE = path.join(CACHE_DIR, 'neo4j');
const WEAVIATE_CACHE = path.join(CACHE_DIR, 'weaviate');
const WEAVIATE_BIN = path.join(WEAVIATE_CACHE, 'bin', 'weaviate-server');
const WEAVIATE_STAMP = path.join(WEAVIATE_CACHE, 'VERSION');
/** Duration and package count of the last successful Weaviate build: the estimate for the next one. */
const WEAVIATE_BUILD_STATS = path.join(WEAVIATE_CACHE, 'build-stats.json');
/** Without a previous build on this machine: what a first `go install` of Weaviate took on 2 cores. */
const WEAVIATE_FIRST_BUILD_GUESS = { seconds: 15 * 60, packages: 1100 };

const HOST = '127.0.0.1';
const LOG_TAIL_LINES = 60;

const envNum = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const NEO4J_HEAP = process.env.SERVICES_NEO4J_HEAP || '2g';
const NEO4J_PAGECACHE_MB = envNum('SERVICES_NEO4J_PAGECACHE_MB', 512);
const NEO4J_START_TIMEOUT_MS = envNum('SERVICES_NEO4J_START_TIMEOUT_S', 180) * 1000;
const WEAVIATE_START_TIMEOUT_MS = envNum('SERVICES_WEAVIATE_START_TIMEOUT_S', 120) * 1000;
const MAVEN_TIMEOUT_MS = envNum('SERVICES_MAVEN_TIMEOUT_S', 20 * 60) * 1000;
const GO_BUILD_TIMEOUT_MS = envNum('SERVICES_GO_BUILD_TIMEOUT_S', 45 * 60) * 1000;

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const noop = () => {};

function mkLog(log) {
  if (typeof log === 'function') return log;
  if (log === false || log === null) return noop;
  return (msg) => process.stderr.write(`[services] ${msg}\n`);
}

/** Last `n` lines of a file ('' if unreadable). */
export function tailFile(file, n = LOG_TAIL_LINES) {
  try {
    const st = fs.statSync(file);
    const len = Math.min(st.size, 256 * 1024);
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, st.size - len);
      return buf.toString('utf8').split('\n').slice(-n - 1).join('\n').trimEnd();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

function failure(what, reason, logFile) {
  const tail = logFile ? tailFile(logFile) : '';
  const msg =
    `${what}: ${reason}` +
    (logFile ? `\n--- last ${LOG_TAIL_LINES} lines of ${logFile} ---\n${tail || '(empty)'}\n--- end of log ---` : '');
  const err = new Error(msg);
  err.logFile = logFile;
  return err;
}

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // A zombie (exited, not yet reaped) still answers kill(0); treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return true;
}

/** Resident memory of a process in MiB (Linux), or null. */
export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Reserve `count` distinct free TCP ports on 127.0.0.1 (all servers are held
 * open together so the same port is never handed out twice, then closed).
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, HOST, resolve);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

/** Whether every one of these loopback ports can be bound now. */
async function portsFree(ports) {
  const servers = [];
  try {
    for (const port of ports) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, HOST, resolve);
      });
      servers.push(srv);
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

function tcpCheck(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function httpGet(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        if (body.length < 64 * 1024) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/**
 * Exclusive lock on `lockFile` (O_EXCL create, pid inside). A lock whose owner
 * process is gone is broken. Waits up to `timeoutMs`.
 */
async function withLock(lockFile, { log, what, timeoutMs = 60 * 60 * 1000 }, fn) {
  await fsp.mkdir(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner;
      try {
        owner = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
      } catch {
        continue; // vanished in between: retry at once
      }
      if (!owner || !isAlive(owner)) {
        // Stale (owner died) or half-written: remove only if still the same file content.
        try {
          const again = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
          if (again === owner) fs.rmSync(lockFile, { force: true });
        } catch {
          /* ignore */
        }
        if (!owner) await sleep(200);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockFile} held by pid ${owner}`, { cause: e });
      if (!announced) {
        log(`waiting for ${what} (lock ${path.relative(REPO_ROOT, lockFile)} held by pid ${owner})`);
        announced = true;
      }
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    try {
      if (Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10) === process.pid) fs.rmSync(lockFile, { force: true });
    } catch {
      /* ignore */
    }
  }
}

/** Run a command to completion, streaming output into `logFile`; throw with the log tail on failure. */
async function runLogged(cmd, args, { cwd, env, logFile, timeoutMs, what }) {
  await fsp.mkdir(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n$ ${cmd} ${args.join(' ')}\n`);
  try {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    const result = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* ignore */
        }
        resolve({ code: null, reason: `timed out after ${Math.round(timeoutMs / 1000)}s` });
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        resolve({ code: null, reason: `could not run ${cmd}: ${e.message}` });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, reason: code === 0 ? '' : `exited with ${code ?? signal}` });
      });
    });
    if (result.code !== 0) throw failure(what, `\`${cmd} ${args.join(' ')}\` ${result.reason}`, logFile);
  } finally {
    fs.closeSync(fd);
  }
}

function logFileFor(name) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  pruneLogs();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(LOG_DIR, `${name}-${stamp}-${process.pid}.log`);
}

function pruneLogs(keep = 30) {
  try {
    const files = fs
      .readdirSync(LOG_DIR)
      .filter((f) => f.endsWith('.log'))
      .map((f) => ({ f, t: fs.statSync(path.join(LOG_DIR, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(keep)) fs.rmSync(path.join(LOG_DIR, f), { force: true });
  } catch {
    /* ignore */
  }
}

// ---------------------------------------------------------------------------
// Provisioning: Neo4j (Maven classpath + javac)
// ---------------------------------------------------------------------------

function neo4jCacheKey() {
  const h = createHash('sha256');
  h.update(fs.readFileSync(NEO4J_POM));
  h.update(fs.readFileSync(NEO4J_LAUNCHER_SRC));
  const jv = spawnSync('java', ['-version'], { encoding: 'utf8' });
  h.update(String(jv.stderr || jv.stdout || ''));
  return h.digest('hex').slice(0, 16);
}

function readNeo4jStamp(key) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(NEO4J_CACHE, 'stamp.json'), 'utf8'));
    if (stamp.key !== key) return null;
    const classesDir = path.join(NEO4J_CACHE, stamp.classesDir);
    if (!fs.existsSync(path.join(classesDir, 'Launcher.class'))) return null;
    const cp = fs.readFileSync(path.join(NEO4J_CACHE, stamp.classpathFile), 'utf8').trim();
    const jars = cp.split(path.delimiter).filter(Boolean);
    if (jars.length === 0 || !jars.every((j) => fs.existsSync(j))) return null; // ~/.m2 was cleaned
    return { classpath: [classesDir, ...jars].join(path.delimiter) };
  } catch {
    return null;
  }
}

/**
 * Make sure the Neo4j launcher is built. Returns { classpath }.
 * First run: `mvn dependency:build-classpath` (downloads neo4j-harness and
 * Neo4j Community into ~/.m2) + `javac`. Later runs: a stamp check only.
 */
export async function ensureNeo4j({ log } = {}) {
  log = mkLog(log);
  const key = neo4jCacheKey();
  const cached = readNeo4jStamp(key);
  if (cached) return cached;
  return withLock(path.join(CACHE_DIR, 'neo4j.lock'), { log, what: 'another Neo4j provisioning' }, async () => {
    const again = readNeo4jStamp(key);
    if (again) return again;
    const t0 = Date.now();
    log(`provisioning Neo4j ${NEO4J_VERSION} (Maven: org.neo4j.test:neo4j-harness) — first run downloads ~170 MB`);
    await fsp.mkdir(NEO4J_CACHE, { recursive: true });
    const buildLog = path.join(NEO4J_CACHE, 'build.log');
    const cpFile = `classpath-${key}.txt`;
    const cpTmp = path.join(NEO4J_CACHE, `${cpFile}.tmp-${process.pid}`);
    await runLogged(
      'mvn',
      ['-B', '-q', '-f', NEO4J_POM, 'dependency:build-classpath', `-Dmdep.outputFile=${cpTmp}`],
      { cwd: NEO4J_SRC_DIR, env: process.env, logFile: buildLog, timeoutMs: MAVEN_TIMEOUT_MS, what: 'Neo4j: Maven dependency resolution failed' },
    );
    const cp = fs.readFileSync(cpTmp, 'utf8').trim();
    if (!cp.includes('neo4j-harness')) throw failure('Neo4j', `classpath in ${cpTmp} has no neo4j-harness`, buildLog);
    const classesDir = `classes-${key}`;
    const classesTmp = path.join(NEO4J_CACHE, `${classesDir}.tmp-${process.pid}`);
    await fsp.rm(classesTmp, { recursive: true, force: true });
    await runLogged('javac', ['-nowarn', '-d', classesTmp, '-cp', cp, NEO4J_LAUNCHER_SRC], {
      cwd: NEO4J_SRC_DIR,
      env: process.env,
      logFile: buildLog,
      timeoutMs: 5 * 60 * 1000,
      what: 'Neo4j: compiling the launcher failed',
    });
    // Publish atomically: renames, then the stamp last.
    await fsp.rm(path.join(NEO4J_CACHE, classesDir), { recursive: true, force: true });
    await fsp.rename(classesTmp, path.join(NEO4J_CACHE, classesDir));
    await fsp.rename(cpTmp, path.join(NEO4J_CACHE, cpFile));
    const stampTmp = path.join(NEO4J_CACHE, `stamp.json.tmp-${process.pid}`);
    await fsp.writeFile(stampTmp, JSON.stringify({ key, neo4jVersion: NEO4J_VERSION, classesDir, classpathFile: cpFile }, null, 2) + '\n');
    await fsp.rename(stampTmp, path.join(NEO4J_CACHE, 'stamp.json'));
    // Drop outputs of older keys.
    for (const f of await fsp.readdir(NEO4J_CACHE)) {
      if ((f.startsWith('classes-') || f.startsWith('classpath-')) && !f.includes(key)) {
        await fsp.rm(path.join(NEO4J_CACHE, f), { recursive: true, force: true });
      }
    }
    log(`Neo4j launcher ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    const ready = readNeo4jStamp(key);
    if (!ready) throw failure('Neo4j', 'cache stamp unreadable right after provisioning', buildLog);
    return ready;
  });
}

// ---------------------------------------------------------------------------
// Provisioning: Weaviate (go install)
// ---------------------------------------------------------------------------

function weaviateStampOk() {
  try {
    return fs.readFileSync(WEAVIATE_STAMP, 'utf8').trim() === `${WEAVIATE_MODULE}@${WEAVIATE_VERSION}` && fs.statSync(WEAVIATE_BIN).isFile();
  } catch {
    return false;
  }
}

/**
 * Make sure .cache/weaviate/bin/weaviate-server of the pinned version exists.
 * First run: `go install …@version` with GOBIN set to a private temp dir, then
 * an atomic rename (so a concurrent run never sees a half-written binary).
 */
export async function ensureWeaviate({ log } = {}) {
  log = mkLog(log);
  if (weaviateStampOk()) return { bin: WEAVIATE_BIN };
  return withLock(path.join(CACHE_DIR, 'weaviate.lock'), { log, what: 'another Weaviate build' }, async () => {
    if (weaviateStampOk()) return { bin: WEAVIATE_BIN };
    const t0 = Date.now();
    await fsp.mkdir(path.dirname(WEAVIATE_BIN), { recursive: true });
    const tmpBin = await fsp.mkdtemp(path.join(WEAVIATE_CACHE, '.gobin-'));
    const buildLog = path.join(WEAVIATE_CACHE, 'build.log');
    await fsp.rm(buildLog, { force: true });
    const previous = readBuildStats();
    const expected = previous ?? WEAVIATE_FIRST_BUILD_GUESS;
    log(`building Weaviate ${WEAVIATE_VERSION} with \`go install\` (once; cached in .cache/weaviate): ${previous ? 'the last build here took' : 'a first build takes about'} ${minutes(expected.seconds)} on this kind of machine; progress every 30 s. Neo4j alone needs no build: \`node scripts/services.mjs up neo4j\`.`);
    const ticker = setInterval(() => log(buildProgress(buildLog, t0, expected, Boolean(previous))), 30_000);
    ticker.unref();
    try {
      // -v names each package as it compiles: the count is the progress shown above.
      await runLogged('go', ['install', '-v', `${WEAVIATE_MODULE}@${WEAVIATE_VERSION}`], {
        cwd: WEAVIATE_CACHE, // outside any go.mod
        env: { ...process.env, GOBIN: tmpBin, GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ') },
        logFile: buildLog,
        timeoutMs: GO_BUILD_TIMEOUT_MS,
        what: 'Weaviate: go install failed',
      });
      const built = path.join(tmpBin, 'weaviate-server');
      if (!fs.existsSync(built)) throw failure('Weaviate', `go install produced no ${built}`, buildLog);
      await fsp.rename(built, WEAVIATE_BIN);
      const stampTmp = `${WEAVIATE_STAMP}.tmp-${process.pid}`;
      await fsp.writeFile(stampTmp, `${WEAVIATE_MODULE}@${WEAVIATE_VERSION}\n`);
      await fsp.rename(stampTmp, WEAVIATE_STAMP);
      await fsp.writeFile(WEAVIATE_BUILD_STATS, JSON.stringify({ seconds: Math.round((Date.now() - t0) / 1000), packages: countBuildLines(buildLog) }) + '\n');
    } finally {
      clearInterval(ticker);
      await fsp.rm(tmpBin, { recursive: true, force: true });
    }
    log(`Weaviate binary ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return { bin: WEAVIATE_BIN };
  });
}

function readBuildStats() {
  try {
    const stats = JSON.parse(fs.readFileSync(WEAVIATE_BUILD_STATS, 'utf8'));
    return stats.seconds > 0 && stats.packages > 0 ? stats : null;
  } catch {
    return null;
  }
}

/** Packages `go install -v` has named so far (one per line; download and error lines are few). */
function countBuildLines(buildLog) {
  try {
    return fs.readFileSync(buildLog, 'utf8').split('\n').filter((l) => /^[a-z0-9.-]+\.[a-z]+\/\S+$|^[a-z0-9_/-]+$/.test(l.trim())).length;
  } catch {
    return 0;
  }
}

function minutes(seconds) {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** "Weaviate build: 4 min in, 520 of ~1100 packages, about 6 min left" (by packages, else by time). */
function buildProgress(buildLog, t0, expected, measured) {
  const elapsed = (Date.now() - t0) / 1000;
  const done = countBuildLines(buildLog);
  const fraction = Math.min(0.99, Math.max(done / expected.packages, 0.01));
  const left = done > 20 ? (elapsed / fraction) - elapsed : Math.max(expected.seconds - elapsed, 30);
  return `Weaviate build: ${minutes(elapsed)} in, ${done} of ${measured ? '' : '~'}${expected.packages} packages compiled, about ${minutes(Math.max(left, 10))} left (log: ${buildLog})`;
}

// ---------------------------------------------------------------------------
// Starting / stopping
// ---------------------------------------------------------------------------

function spawnDetached(cmd, args, { env, logFile, cwd }) {
  const fd = fs.openSync(logFile, 'a');
  try {
    fs.writeSync(fd, `$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    child.on('error', noop);
    child.unref();
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/** SIGTERM the process group, wait, then SIGKILL. */
export async function killGroup(pid, { graceMs = 20000 } = {}) {
  if (!pid || !isAlive(pid)) return;
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  signal('SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
}

async function waitUntil(what, { pid, logFile, timeoutMs, check }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid)) throw failure(what, `process ${pid} exited before becoming ready`, logFile);
    if (await check()) return;
    if (Date.now() > deadline) throw failure(what, `not ready after ${Math.round(timeoutMs / 1000)}s`, logFile);
    await sleep(250);
  }
}

/**
 * Start a Neo4j Community server on free loopback ports.
 * @returns {Promise<{pid:number, boltUri:string, httpUrl:string, user:string, password:string, logFile:string, dataDir:string, boltPort:number, httpPort:number}>}
 */
export async function startNeo4j({ log, boltPort: wantedBolt, httpPort: wantedHttp } = {}) {
  log = mkLog(log);
  const { classpath } = await ensureNeo4j({ log });
  // Fixed ports let a test stop a private Neo4j and bring it back at the same address.
  const [boltPort, httpPort] = wantedBolt && wantedHttp ? [wantedBolt, wantedHttp] : await freePorts(2);
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cc-neo4j-'));
  const logFile = logFileFor('neo4j');
  const t0 = Date.now();
  const child = spawnDetached(
    'java',
    [
      `-Xmx${NEO4J_HEAP}`,
      '-XX:+UseG1GC',
      // C1 only: ~40% faster start and less CPU contention on 2 cores; peak speed is irrelevant here.
      '-XX:TieredStopAtLevel=1',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-Dfile.encoding=UTF-8',
      ...(process.env.SERVICES_NEO4J_JAVA_OPTS || '').split(/\s+/).filter(Boolean),
      'Launcher',
      `--host=${HOST}`,
      `--bolt-port=${boltPort}`,
      `--http-port=${httpPort}`,
      `--dir=${dataDir}`,
      `--pagecache-mb=${NEO4J_PAGECACHE_MB}`,
    ],
    // Classpath via env, not -cp: keeps the command line (echoed into the log) short.
    { env: { ...process.env, CLASSPATH: classpath }, logFile, cwd: dataDir },
  );
  const info = {
    pid: child.pid,
    boltUri: `bolt://${HOST}:${boltPort}`,
    httpUrl: `http://${HOST}:${httpPort}`,
    user: NEO4J_DEFAULT_USER,
    password: NEO4J_DEFAULT_PASSWORD,
    logFile,
    dataDir,
    boltPort,
    httpPort,
  };
  try {
    await waitUntil('Neo4j did not start', {
      pid: child.pid,
      logFile,
      timeoutMs: NEO4J_START_TIMEOUT_MS,
      check: async () => {
        if (!(await tcpCheck(HOST, boltPort))) return false;
        const res = await httpGet(`${info.httpUrl}/`);
        return res.status === 200 && res.body.includes('bolt_direct');
      },
    });
  } catch (e) {
    await stopServer(info);
    throw e;
  }
  log(`Neo4j ${NEO4J_VERSION} ready at ${info.boltUri} (http ${info.httpUrl}) in ${((Date.now() - t0) / 1000).toFixed(1)}s, pid ${child.pid}`);
  return info;
}

/**
 * Start a single-node Weaviate on free loopback ports (HTTP + gRPC + cluster ports).
 * @returns {Promise<{pid:number, httpUrl:string, grpcUrl:string, host:string, httpPort:number, grpcPort:number, dataDir:string, logFile:string}>}
 */
export async function startWeaviate({ log, dataDir: keptDir, ports: wantedPorts } = {}) {
  log = mkLog(log);
  const { bin } = await ensureWeaviate({ log });
  // A kept data dir (scripts/services.mjs) wants the same ports again: Raft remembers its peers' addresses.
  const ports = wantedPorts?.length === 6 && (await portsFree(wantedPorts)) ? wantedPorts : await freePorts(6);
  const [httpPort, grpcPort, gossipPort, dataPort, raftPort, raftRpcPort] = ports;
  const dataDir = keptDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'cc-weaviate-')));
  if (keptDir) await fsp.mkdir(keptDir, { recursive: true });
  const logFile = logFileFor('weaviate');
  const env = {
    ...process.env,
    PERSISTENCE_DATA_PATH: dataDir,
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED: 'true',
    DEFAULT_VECTORIZER_MODULE: 'none',
    ENABLE_MODULES: '',
    GRPC_PORT: String(grpcPort),
    CLUSTER_HOSTNAME: 'node1',
    // Memberlist + Raft on loopback. NOT CLUSTER_IN_LOCALHOST: with it Weaviate assumes the
    // Raft RPC port is RAFT_PORT+1 and a single node never bootstraps on random ports.
    CLUSTER_BIND_ADDR: HOST,
    CLUSTER_GOSSIP_BIND_PORT: String(gossipPort),
    CLUSTER_DATA_BIND_PORT: String(dataPort),
    RAFT_PORT: String(raftPort),
    RAFT_INTERNAL_RPC_PORT: String(raftRpcPort),
    RAFT_JOIN: `node1:${raftPort}`,
    RAFT_BOOTSTRAP_EXPECT: '1',
    DISABLE_TELEMETRY: 'true',
    GO_PROFILING_DISABLE: 'true', // otherwise pprof listens on :6060 (all interfaces)
    PROMETHEUS_MONITORING_ENABLED: 'false',
    LOG_LEVEL: process.env.SERVICES_WEAVIATE_LOG_LEVEL || 'warning',
    QUERY_DEFAULTS_LIMIT: '25',
    // Keep the Go heap modest on a 2-core / 24 GB box shared with Neo4j and the tests.
    GOMEMLIMIT: process.env.SERVICES_WEAVIATE_GOMEMLIMIT || '2GiB',
  };
  const t0 = Date.now();
  const child = spawnDetached(bin, ['--host', HOST, '--port', String(httpPort), '--scheme', 'http'], { env, logFile, cwd: dataDir });
  const info = {
    pid: child.pid,
    httpUrl: `http://${HOST}:${httpPort}`,
    grpcUrl: `http://${HOST}:${grpcPort}`,
    host: HOST,
    httpPort,
    grpcPort,
    ports,
    dataDir,
    logFile,
  };
  try {
    await waitUntil('Weaviate did not start', {
      pid: child.pid,
      logFile,
      timeoutMs: WEAVIATE_START_TIMEOUT_MS,
      check: async () => (await httpGet(`${info.httpUrl}/v1/.well-known/ready`)).status === 200 && (await tcpCheck(HOST, grpcPort)),
    });
  } catch (e) {
    await stopServer(info);
    throw e;
  }
  log(`Weaviate ${WEAVIATE_VERSION} ready at ${info.httpUrl} (gRPC ${HOST}:${grpcPort}) in ${((Date.now() - t0) / 1000).toFixed(1)}s, pid ${child.pid}`);
  return info;
}

/** Stop one server started by this module and delete its data dir. */
export async function stopServer(info) {
  if (!info) return;
  await killGroup(info.pid);
  if (info.dataDir && path.basename(info.dataDir).startsWith('cc-')) {
    await fsp.rm(info.dataDir, { recursive: true, force: true }).catch(noop);
  }
}

// ---------------------------------------------------------------------------
// Env handling
// ---------------------------------------------------------------------------

/** The env vars the app/tests read, for the given server infos. */
export function envFor({ neo4j, weaviate }) {
  return {
    ...(neo4j ? { NEO4J_URI: neo4j.boltUri, NEO4J_USER: neo4j.user, NEO4J_PASSWORD: neo4j.password } : {}),
    ...(weaviate ? { WEAVIATE_URL: weaviate.httpUrl, WEAVIATE_GRPC_URL: weaviate.grpcUrl } : {}),
  };
}

/** `export A=... B=...` line(s) with shell quoting. */
export function exportLines(env) {
  const q = (v) => (/^[A-Za-z0-9_@%+=:,./-]*$/.test(v) ? v : `'${String(v).replace(/'/g, `'\\''`)}'`);
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${q(String(v ?? ''))}`)
    .join('\n');
}

function parseHostPort(raw, defaultPort) {
  const s = String(raw).trim();
  const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `tcp://${s}`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || defaultPort, url: u };
}

async function reuseNeo4jFromEnv(log) {
  const uri = process.env.NEO4J_URI;
  const { host, port } = parseHostPort(uri, 7687);
  if (!(await tcpCheck(host, port, 3000))) {
    throw new Error(`NEO4J_URI=${uri} is set but nothing accepts connections on ${host}:${port} (unset it to start a local Neo4j)`);
  }
  log(`reusing Neo4j from NEO4J_URI=${uri}`);
  return {
    boltUri: uri,
    user: process.env.NEO4J_USER || NEO4J_DEFAULT_USER,
    password: process.env.NEO4J_PASSWORD || NEO4J_DEFAULT_PASSWORD,
  };
}

async function reuseWeaviateFromEnv(log) {
  const raw = process.env.WEAVIATE_URL;
  const { host, url } = parseHostPort(raw, 8080);
  const httpUrl = raw.replace(/\/+$/, '');
  const ready = await httpGet(`${httpUrl}/v1/.well-known/ready`, 3000);
  if (ready.status !== 200) {
    throw new Error(`WEAVIATE_URL=${raw} is set but ${httpUrl}/v1/.well-known/ready answered ${ready.status || 'nothing'} (unset it to start a local Weaviate)`);
  }
  let grpcUrl = process.env.WEAVIATE_GRPC_URL;
  if (!grpcUrl) grpcUrl = `${url.protocol === 'https:' ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:50051`;
  log(`reusing Weaviate from WEAVIATE_URL=${raw} (gRPC ${grpcUrl})`);
  return { httpUrl, grpcUrl };
}

// ---------------------------------------------------------------------------
// Watchdog: stop servers if the owning process dies without calling stop()
// ---------------------------------------------------------------------------

const WATCHDOG_FLAG = '--services-watchdog';

function spawnWatchdog(targets) {
  if (targets.length === 0) return null;
  const payload = JSON.stringify({ owner: process.pid, targets: targets.map((t) => ({ pid: t.pid, dataDir: t.dataDir })) });
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), WATCHDOG_FLAG, payload], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', noop);
  child.unref();
  return child;
}

async function runWatchdog(payload) {
  const { owner, targets } = JSON.parse(payload);
  for (;;) {
    await sleep(1000);
    if (targets.every((t) => !isAlive(t.pid))) return; // stopped normally
    if (!isAlive(owner)) {
      await Promise.all(targets.map((t) => stopServer(t)));
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Start (or reuse) Neo4j and Weaviate for tests / development.
 *
 * Reuse: if `NEO4J_URI` is set (with optional `NEO4J_USER`/`NEO4J_PASSWORD`),
 * that Neo4j is used and none is started; likewise `WEAVIATE_URL` (with
 * optional `WEAVIATE_GRPC_URL`, default `<host>:50051`). Only what is missing
 * is provisioned (first run: Maven download / Go build, cached in .cache/) and
 * started on free 127.0.0.1 ports, with throw-away data dirs under os.tmpdir().
 * Both servers start in parallel. A detached watchdog stops them if this process
 * dies without calling `stop()`.
 *
 * The returned `env` is NOT copied into `process.env`; do that yourself if needed
 * (e.g. vitest globalSetup: `Object.assign(process.env, env)` or `project.provide`).
 *
 * @param {object} [options]
 * @param {((msg: string) => void) | false} [options.log] progress logger
 *   (default: write to stderr; `false` = silent)
 * @returns {Promise<{
 *   env: { NEO4J_URI: string, NEO4J_USER: string, NEO4J_PASSWORD: string, WEAVIATE_URL: string, WEAVIATE_GRPC_URL: string },
 *   neo4j: object | null,      // info of the Neo4j started here (null when reused)
 *   weaviate: object | null,   // info of the Weaviate started here (null when reused)
 *   stop: () => Promise<void>  // stops only what was started here; idempotent
 * }>}
 * @throws {Error} if a server cannot be provisioned or does not become ready;
 *   the message contains the reason and the last 60 lines of that server's log
 *   (anything already started by this call is stopped first).
 */
export async function startServices({ log } = {}) {
  log = mkLog(log);
  const started = [];
  const track = (p) =>
    p.then((info) => {
      if (info?.pid) started.push(info);
      return info;
    });
  const neo4jP = process.env.NEO4J_URI ? reuseNeo4jFromEnv(log) : track(startNeo4j({ log }));
  const weaviateP = process.env.WEAVIATE_URL ? reuseWeaviateFromEnv(log) : track(startWeaviate({ log }));
  const results = await Promise.allSettled([neo4jP, weaviateP]);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) {
    await Promise.all(started.map((s) => stopServer(s)));
    if (failed.length === 1) throw failed[0].reason;
    throw new Error(failed.map((f) => f.reason?.message ?? String(f.reason)).join('\n\n'));
  }
  const [neo4j, weaviate] = results.map((r) => r.value);
  const watchdog = spawnWatchdog(started);
  let stopped = false;
  return {
    env: envFor({ neo4j, weaviate }),
    neo4j: neo4j.pid ? neo4j : null,
    weaviate: weaviate.pid ? weaviate : null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(started.map((s) => stopServer(s)));
      if (watchdog?.pid && isAlive(watchdog.pid)) {
        try {
          process.kill(watchdog.pid, 'SIGTERM');
        } catch {
          /* ignore */
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------
// State file (used by scripts/services.mjs up/down/env/status)
// ---------------------------------------------------------------------------

export function readState() {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
  } catch {
    return null;
  }
}

export async function writeState(state) {
  await fsp.mkdir(SERVICES_DIR, { recursive: true });
  const tmp = `${STATE_FILE}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await fsp.rename(tmp, STATE_FILE);
}

export async function removeState() {
  await fsp.rm(STATE_FILE, { force: true });
}

export async function checkNeo4j(info) {
  const port = info.boltPort ?? parseHostPort(info.boltUri, 7687).port;
  const bolt = await tcpCheck(HOST, port);
  const res = info.httpUrl ? await httpGet(`${info.httpUrl}/`) : { status: 0 };
  return { bolt, http: res.status === 200 };
}

export async function checkWeaviate(info) {
  const ready = await httpGet(`${info.httpUrl}/v1/.well-known/ready`);
  const grpc = await tcpCheck(info.host ?? HOST, info.grpcPort);
  return { ready: ready.status === 200, grpc };
}

// Entry point for the watchdog child.
if (process.argv[2] === WATCHDOG_FLAG && process.argv[1] === fileURLToPath(import.meta.url)) {
  runWatchdog(process.argv[3]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
