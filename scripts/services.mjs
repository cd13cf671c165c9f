#!/usr/bin/env node
// Start/stop local Neo4j Community and Weaviate servers without Docker, one at a time or both.
//
//   node scripts/services.mjs up [neo4j|weaviate]   start one (or both), in the background; each
//                                  prints its `export …` lines as soon as it is ready
//   node scripts/services.mjs down [neo4j|weaviate] [--delete]
//                                  stop; Weaviate's data is kept in .services/data unless --delete
//   node scripts/services.mjs env [neo4j|weaviate]  the `export …` lines of the running servers
//   node scripts/services.mjs status                pids, URLs, readiness and memory
//   node scripts/services.mjs provision [neo4j|weaviate]  only download/build (warm the caches)
//
// Quickest start: eval "$(node scripts/services.mjs up neo4j)"   (the HTTP API and shared state
// need only Neo4j, ready in about a minute; Weaviate's first start builds it with Go, minutes).
// Progress goes to stderr, so only the export lines reach stdout.
// See docs/services.md; programmatic API: scripts/services-lib.mjs (startServices).

import fs from 'node:fs';
import path from 'node:path';
import {
  NEO4J_VERSION,
  SERVICES_DIR,
  WEAVIATE_VERSION,
  STATE_FILE,
  checkNeo4j,
  checkWeaviate,
  ensureNeo4j,
  ensureWeaviate,
  envFor,
  exportLines,
  isAlive,
  readState,
  removeState,
  rssMiB,
  startNeo4j,
  startWeaviate,
  stopServer,
  writeState,
} from './services-lib.mjs';

const log = (msg) => process.stderr.write(`[services] ${msg}\n`);
const names = ['neo4j', 'weaviate'];
/** Weaviate keeps its data here between `down` and `up` (Neo4j's launcher always starts empty). */
const dataDirOf = (name) => path.join(SERVICES_DIR, 'data', name);
const portsFileOf = (name) => path.join(SERVICES_DIR, 'data', `${name}.ports.json`);

function selected(arg) {
  if (arg === undefined || arg === 'all' || arg.startsWith('--')) return names;
  if (!names.includes(arg)) {
    process.stderr.write(`unknown service "${arg}": use neo4j, weaviate, or nothing for both\n`);
    process.exit(2);
  }
  return [arg];
}

function alive(state, name) {
  return Boolean(state?.[name] && isAlive(state[name].pid));
}

// Writes of the state file are chained, so two servers finishing together do not lose one.
let stateWrites = Promise.resolve();
function recordState(name, info) {
  stateWrites = stateWrites.then(async () => {
    const state = readState() ?? {};
    await writeState({ ...state, startedAt: state.startedAt ?? new Date().toISOString(), [name]: info });
  });
  return stateWrites;
}

const starters = {
  neo4j: () => startNeo4j({ log }),
  weaviate: () => {
    let ports;
    try {
      ports = JSON.parse(fs.readFileSync(portsFileOf('weaviate'), 'utf8'));
    } catch {
      ports = undefined;
    }
    return startWeaviate({ log, dataDir: dataDirOf('weaviate'), ports }).then((info) => {
      fs.writeFileSync(portsFileOf('weaviate'), JSON.stringify(info.ports) + '\n');
      return info;
    });
  },
};

async function up(arg) {
  const t0 = Date.now();
  const wanted = selected(arg);
  const state = readState();
  const results = await Promise.allSettled(wanted.map(async (name) => {
    if (alive(state, name)) {
      log(`${name} is already running (${STATE_FILE}); \`down ${name}\` first to restart it`);
      process.stdout.write(exportLines(envFor({ [name]: state[name] })) + '\n');
      return;
    }
    if (state?.[name]) await stopServer({ ...state[name], dataDir: undefined });
    const info = await starters[name]();
    await recordState(name, info);
    // Printed now, not when the other server is ready too: with both, Neo4j's lines come first.
    process.stdout.write(exportLines(envFor({ [name]: info })) + '\n');
    log(`${name} ready after ${((Date.now() - t0) / 1000).toFixed(1)} s; in another shell: eval "$(node scripts/services.mjs env ${name})"`);
  }));
  const failed = results.filter((r) => r.status === 'rejected');
  for (const f of failed) log(f.reason?.message ?? String(f.reason));
  if (failed.length) process.exitCode = 1;
  else if (wanted.length > 1) log(`both servers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; state in ${STATE_FILE}`);
}

async function down(arg, flags) {
  const wanted = selected(arg);
  const remove = flags.includes('--delete');
  const state = readState();
  for (const name of wanted) {
    // The state's dataDir is a kept folder (not a cc-* temp dir), so stopServer leaves it alone.
    if (state?.[name]) await stopServer(state[name]);
    if (remove && fs.existsSync(dataDirOf(name))) {
      fs.rmSync(dataDirOf(name), { recursive: true, force: true });
      fs.rmSync(portsFileOf(name), { force: true });
      log(`deleted ${name}'s data (${dataDirOf(name)})`);
    }
  }
  const rest = Object.fromEntries(Object.entries(state ?? {}).filter(([k]) => !wanted.includes(k)));
  if (names.some((n) => rest[n])) await writeState(rest);
  else await removeState();
  log(`stopped ${wanted.join(' and ')}${!remove && wanted.includes('weaviate') ? '; Weaviate\'s data is kept for the next `up` (`down --delete` deletes it)' : ''}${wanted.includes('neo4j') ? '; Neo4j starts empty next time' : ''}`);
}

function env(arg) {
  const wanted = selected(arg);
  const state = readState();
  const dead = wanted.filter((name) => !alive(state, name));
  if (dead.length) {
    log(`${dead.join(' and ')} not running; run \`${['node scripts/services.mjs up', arg].filter(Boolean).join(' ')}\``);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(exportLines(envFor(Object.fromEntries(wanted.map((n) => [n, state[n]])))) + '\n');
}

async function status() {
  const state = readState();
  if (!state || !names.some((n) => state[n])) {
    console.log('not running (no state file)');
    process.exitCode = 1;
    return;
  }
  let ok = true;
  if (state.neo4j) {
    const n = state.neo4j;
    const up = alive(state, 'neo4j');
    const c = up ? await checkNeo4j(n) : { bolt: false, http: false };
    ok &&= up && c.bolt && c.http;
    console.log(
      `neo4j ${NEO4J_VERSION}: ${up ? 'running' : 'DEAD'} pid=${n.pid} bolt=${n.boltUri} (${c.bolt ? 'up' : 'down'}) ` +
        `http=${n.httpUrl} (${c.http ? 'up' : 'down'}) rss=${rssMiB(n.pid) ?? '?'}MiB log=${n.logFile}`,
    );
  }
  if (state.weaviate) {
    const w = state.weaviate;
    const up = alive(state, 'weaviate');
    const c = up ? await checkWeaviate(w) : { ready: false, grpc: false };
    ok &&= up && c.ready && c.grpc;
    console.log(
      `weaviate ${WEAVIATE_VERSION}: ${up ? 'running' : 'DEAD'} pid=${w.pid} http=${w.httpUrl} (${c.ready ? 'ready' : 'not ready'}) ` +
        `grpc=${w.grpcUrl} (${c.grpc ? 'up' : 'down'}) rss=${rssMiB(w.pid) ?? '?'}MiB data=${w.dataDir} log=${w.logFile}`,
    );
  }
  if (!ok) process.exitCode = 1;
}

async function provision(arg) {
  const t0 = Date.now();
  const wanted = selected(arg);
  await Promise.all(wanted.map((name) => (name === 'neo4j' ? ensureNeo4j({ log }) : ensureWeaviate({ log }))));
  log(`provisioned ${wanted.join(' and ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const commands = { up, down, env, status, provision };
const [cmd, ...args] = process.argv.slice(2);
if (!commands[cmd]) {
  process.stderr.write('usage: node scripts/services.mjs up|down|env|status|provision [neo4j|weaviate] (down: [--delete])\n');
  process.exit(2);
}
try {
  await commands[cmd](args.find((a) => !a.startsWith('--')), args.filter((a) => a.startsWith('--')));
} catch (e) {
  log(e?.stack ?? String(e));
  process.exitCode = 1;
}
