#!/usr/bin/env node
// Start/stop local Neo4j Community + Weaviate servers without Docker.
//
//   node scripts/services.mjs up       provision if needed, start both in the background,
//                                      write .services/state.json, print `export …` lines
//   node scripts/services.mjs down     stop both, delete their temp data dirs
//   node scripts/services.mjs env      print the `export …` lines of the running servers
//   node scripts/services.mjs status   show pids, URLs, readiness and memory
//   node scripts/services.mjs provision  only download/build (warm the caches)
//
// Typical use:  eval "$(node scripts/services.mjs up)"
// Progress goes to stderr, so only the export lines reach stdout.
// See docs/services.md; programmatic API: scripts/services-lib.mjs (startServices).

import {
  NEO4J_VERSION,
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

function aliveState() {
  const state = readState();
  if (!state) return null;
  return {
    state,
    neo4j: Boolean(state.neo4j && isAlive(state.neo4j.pid)),
    weaviate: Boolean(state.weaviate && isAlive(state.weaviate.pid)),
  };
}

async function up() {
  const t0 = Date.now();
  const cur = aliveState();
  if (cur?.neo4j && cur?.weaviate) {
    log(`already running (${STATE_FILE}); use \`down\` first to restart`);
    process.stdout.write(exportLines(envFor(cur.state)) + '\n');
    return;
  }
  // Partial/stale state: stop whatever survived and start from scratch.
  if (cur) {
    await Promise.all([stopServer(cur.state.neo4j), stopServer(cur.state.weaviate)]);
    await removeState();
  }
  const started = {};
  const results = await Promise.allSettled([
    startNeo4j({ log }).then((i) => (started.neo4j = i)),
    startWeaviate({ log }).then((i) => (started.weaviate = i)),
  ]);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) {
    await Promise.all(Object.values(started).map((s) => stopServer(s)));
    for (const f of failed) log(f.reason?.message ?? String(f.reason));
    process.exitCode = 1;
    return;
  }
  const state = { startedAt: new Date().toISOString(), neo4j: started.neo4j, weaviate: started.weaviate };
  await writeState(state);
  log(`both servers ready in ${((Date.now() - t0) / 1000).toFixed(1)}s; state in ${STATE_FILE}`);
  process.stdout.write(exportLines(envFor(state)) + '\n');
}

async function down() {
  const state = readState();
  if (!state) {
    log('nothing to stop (no state file)');
    return;
  }
  await Promise.all([stopServer(state.neo4j), stopServer(state.weaviate)]);
  await removeState();
  log('stopped Neo4j and Weaviate');
}

function env() {
  const cur = aliveState();
  if (!cur || !cur.neo4j || !cur.weaviate) {
    log('servers are not running; run `node scripts/services.mjs up`');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(exportLines(envFor(cur.state)) + '\n');
}

async function status() {
  const cur = aliveState();
  if (!cur) {
    console.log('not running (no state file)');
    process.exitCode = 1;
    return;
  }
  const { state } = cur;
  let ok = true;
  if (state.neo4j) {
    const n = state.neo4j;
    const c = cur.neo4j ? await checkNeo4j(n) : { bolt: false, http: false };
    ok &&= cur.neo4j && c.bolt && c.http;
    console.log(
      `neo4j ${NEO4J_VERSION}: ${cur.neo4j ? 'running' : 'DEAD'} pid=${n.pid} bolt=${n.boltUri} (${c.bolt ? 'up' : 'down'}) ` +
        `http=${n.httpUrl} (${c.http ? 'up' : 'down'}) rss=${rssMiB(n.pid) ?? '?'}MiB log=${n.logFile}`,
    );
  }
  if (state.weaviate) {
    const w = state.weaviate;
    const c = cur.weaviate ? await checkWeaviate(w) : { ready: false, grpc: false };
    ok &&= cur.weaviate && c.ready && c.grpc;
    console.log(
      `weaviate ${WEAVIATE_VERSION}: ${cur.weaviate ? 'running' : 'DEAD'} pid=${w.pid} http=${w.httpUrl} (${c.ready ? 'ready' : 'not ready'}) ` +
        `grpc=${w.grpcUrl} (${c.grpc ? 'up' : 'down'}) rss=${rssMiB(w.pid) ?? '?'}MiB log=${w.logFile}`,
    );
  }
  if (!ok) process.exitCode = 1;
}

async function provision() {
  const t0 = Date.now();
  await Promise.all([ensureNeo4j({ log }), ensureWeaviate({ log })]);
  log(`provisioned in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

const commands = { up, down, env, status, provision };
const cmd = process.argv[2];
if (!commands[cmd]) {
  process.stderr.write('usage: node scripts/services.mjs up|down|env|status|provision\n');
  process.exit(2);
}
try {
  await commands[cmd]();
} catch (e) {
  log(e?.stack ?? String(e));
  process.exitCode = 1;
}
