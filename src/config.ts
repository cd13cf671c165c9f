import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CompanionError } from './errors.ts';
import { fromPackageRoot } from './package-root.ts';

export const bundledTenantsFile = fromPackageRoot('src/demo/tenants.yaml');

const optionalText = z.string().trim().min(1).optional();
const optionalUrl = z.url({ message: 'must be a URL such as http://127.0.0.1:8080' }).optional();
const optionalGuid = z.string().trim().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID such as 00000000-0000-0000-0000-000000000000').optional();
const optionalFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional();

/**
 * Every setting, read from the environment (and optionally a YAML/JSON file named by CONFIG_FILE,
 * whose keys are the same names; the environment wins). This is the only module that reads process.env.
 */
const Settings = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TENANTS_FILE: z.string().default(bundledTenantsFile),
  /** `production` (set by the Docker image) makes the bundled demo tenants an error unless ALLOW_DEMO_TENANTS. */
  NODE_ENV: z.string().optional(),
  ALLOW_DEMO_TENANTS: optionalFlag,
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(1_048_576),
  SHUTDOWN_DEADLINE_SECONDS: z.coerce.number().min(0).max(3600).default(25),
  APPROVAL_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(1440),
  API_RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(120),
  API_RATE_LIMIT_PER_ORG: z.coerce.number().int().min(1).max(1_000_000).default(600),
  API_LOGIN_FAILURES_PER_SOURCE: z.coerce.number().int().min(1).max(10_000).default(10),
  API_LOGIN_FAILURES_PER_KEY: z.coerce.number().int().min(1).max(10_000).default(30),
  ACTION_EXECUTOR: z.enum(['dry-run', 'live'], { message: 'must be dry-run (change nothing) or live (run approved actions in the cloud)' }).default('dry-run'),
  ACTION_VERIFY_AFTER_MINUTES: z.coerce.number().int().min(0).max(1440).default(5),

  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: z.string().regex(/^xox[bp]-/, 'must be a bot token starting with xoxb-').optional(),
  SLACK_API_URL: optionalUrl,
  SLACK_API_TIMEOUT_SECONDS: z.coerce.number().min(0.2).max(120).default(10),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'must be an app-level token starting with xapp- (Basic Information → App-Level Tokens, scope connections:write)').optional(),
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  SLACK_STATE_SECRET: z.string().trim().min(16, 'must be at least 16 random characters (it signs the OAuth state)').optional(),

  TEAMS_ENABLED: optionalFlag,
  MICROSOFT_APP_ID: optionalGuid,
  MICROSOFT_APP_PASSWORD: optionalText,
  MICROSOFT_APP_TYPE: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant'),
  MICROSOFT_APP_TENANT_ID: optionalGuid,
  MICROSOFT_OPENID_METADATA_URL: optionalUrl,
  MICROSOFT_GRAPH_URL: optionalUrl,

  NEO4J_URI: z.string().regex(/^(neo4j|bolt)(\+s|\+ssc)?:\/\//, 'must start with neo4j:// or bolt://').optional(),
  NEO4J_USER: z.string().default('neo4j'),
  NEO4J_PASSWORD: z.string().optional(),
  NEO4J_DATABASE: optionalText,
  NEO4J_TRANSACTION_TIMEOUT_SECONDS: z.coerce.number().min(0.5).max(300).default(5),
  NEO4J_BULK_TIMEOUT_SECONDS: z.coerce.number().min(5).max(3600).default(120),

  WEAVIATE_URL: optionalUrl,
  WEAVIATE_GRPC_URL: optionalUrl,
  WEAVIATE_API_KEY: optionalText,

  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('cloud-companion'),

  OLLAMA_BASE_URL: optionalUrl,
  OLLAMA_MODEL: z.string().default('qwen2.5:7b-instruct'),
  OLLAMA_EMBED_MODEL: optionalText,
  OLLAMA_NUM_CTX: z.coerce.number().int().min(2048).max(262_144).default(8192),
  OLLAMA_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(120),

  AGENT_MAX_LLM_CALLS: z.coerce.number().int().min(1).max(20).default(4),
  AGENT_MAX_TOOL_CALLS: z.coerce.number().int().min(0).max(50).default(6),
  AGENT_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(3600).default(180),
  AGENT_TOOL_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  AGENT_HISTORY_TOKENS: z.coerce.number().int().min(0).max(32_000).default(1500),
  MAX_CONCURRENT_INVESTIGATIONS: z.coerce.number().int().min(1).max(1000).default(8),

  ALERT_STORM_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  ALERT_STORM_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  ALERT_THREAD_HOURS: z.coerce.number().int().min(1).max(720).default(24),

  METRICS_SOURCES: z.string().default('recorded').transform((v) => [...new Set(v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))])
    .pipe(z.array(z.enum(['recorded', 'aws', 'azure', 'gcp'], { message: 'use a comma list of recorded, aws, azure, gcp' })).min(1)),
  METRICS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(15),
  METRICS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  METRICS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),

  CRAWL_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(10_080).default(0),
  CRAWL_AWS_REGIONS: z.string().optional().transform((v) => (v ? [...new Set(v.split(',').map((x) => x.trim()).filter(Boolean))] : undefined))
    .pipe(z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'use a comma list of AWS region names such as us-east-1,eu-west-1')).min(1).optional()),
  CRAWL_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
});

/** Checks that join settings; run on the raw values so they are reported together with the others. */
function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [];
  problems.push(...slackProblems(env));
  problems.push(...teamsProblems(env));
  if (env.NEO4J_URI && env.NEO4J_PASSWORD === undefined) problems.push('NEO4J_PASSWORD: is required when NEO4J_URI is set');
  problems.push(...demoTenantsProblems(env));
  return problems;
}

/**
 * The bundled demo organizations have alert tokens published in the README: a production process
 * (NODE_ENV=production, as in the Docker image) refuses them unless ALLOW_DEMO_TENANTS says the demo
 * is meant. `npm start` from a checkout (no NODE_ENV) keeps running the demo for a first try.
 */
function demoTenantsProblems(env: Env): string[] {
  const bundled = !env.TENANTS_FILE || resolve(env.TENANTS_FILE) === bundledTenantsFile;
  const allowed = env.ALLOW_DEMO_TENANTS === 'true' || env.ALLOW_DEMO_TENANTS === '1';
  if (!bundled || allowed || env.NODE_ENV !== 'production') return [];
  return ['TENANTS_FILE: is not set, so the bundled demo organizations would run in production, with their alert tokens published in the README. Mount your tenants.yaml and set TENANTS_FILE to its path (README, "Organizations"), or set ALLOW_DEMO_TENANTS=true to run the demo on purpose'];
}

/** Slack runs with a signing secret plus either one bot token (one workspace) or the OAuth trio (any number of workspaces). */
function slackProblems(env: Env): string[] {
  const oauth = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
  const oauthSet = oauth.filter((name) => env[name]);
  if (oauthSet.length > 0 && oauthSet.length < oauth.length) {
    return [`${oauth.filter((name) => !env[name]).join(', ')}: multi-workspace install needs all of ${oauth.join(', ')} (Basic Information page of your Slack app; the state secret is any long random string)`];
  }
  if (env.SLACK_APP_TOKEN) {
    // Socket Mode needs no public URL and no signing secret; installs to many workspaces need the HTTP endpoints.
    if (oauthSet.length > 0) return ['SLACK_APP_TOKEN: Socket Mode runs with one SLACK_BOT_TOKEN; for multi-workspace install (SLACK_CLIENT_ID…) use the HTTP endpoints and unset SLACK_APP_TOKEN'];
    return env.SLACK_BOT_TOKEN ? [] : ['SLACK_BOT_TOKEN: Socket Mode (SLACK_APP_TOKEN) also needs the bot token (OAuth & Permissions page of your Slack app)'];
  }
  const hasCredentials = Boolean(env.SLACK_BOT_TOKEN) || oauthSet.length === oauth.length;
  if (Boolean(env.SLACK_SIGNING_SECRET) === hasCredentials) return [];
  return [env.SLACK_SIGNING_SECRET
    ? 'SLACK_BOT_TOKEN: Slack needs SLACK_SIGNING_SECRET and either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (install to many workspaces); see the Basic Information and OAuth & Permissions pages of your Slack app'
    : 'SLACK_SIGNING_SECRET: Slack needs SLACK_SIGNING_SECRET (Basic Information page of your Slack app) to verify requests'];
}

/** What ConfigurationBotFrameworkAuthentication itself requires of each app type, reported up front. */
function teamsProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const name of ['MICROSOFT_APP_ID', 'MICROSOFT_APP_TENANT_ID'] as const) {
    if (env[name] && /^[0-]+$/.test(env[name] ?? '')) problems.push(`${name}: is the all-zero placeholder of the examples; set the real id (Azure Bot → Configuration), or unset the MICROSOFT_APP_* settings to leave Teams off`);
  }
  const type = env.MICROSOFT_APP_TYPE ?? 'SingleTenant';
  if (!env.MICROSOFT_APP_ID) {
    if (env.MICROSOFT_APP_PASSWORD || env.MICROSOFT_APP_TENANT_ID) problems.push('MICROSOFT_APP_ID: is required when MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID is set (the Azure Bot\'s Microsoft App ID)');
    return problems;
  }
  if ((type === 'SingleTenant' || type === 'UserAssignedMSI') && !env.MICROSOFT_APP_TENANT_ID) {
    problems.push(`MICROSOFT_APP_TENANT_ID: is required for a ${type} bot (the Entra tenant id of the bot's app registration)`);
  }
  if (type === 'UserAssignedMSI' && env.MICROSOFT_APP_PASSWORD) problems.push('MICROSOFT_APP_PASSWORD: must not be set for a UserAssignedMSI bot (it authenticates with its managed identity)');
  if (type !== 'UserAssignedMSI' && !env.MICROSOFT_APP_PASSWORD) problems.push(`MICROSOFT_APP_PASSWORD: is required for a ${type} bot (a client secret of the bot's app registration)`);
  return problems;
}

export interface TeamsConfig {
  /** Absent: Teams runs without authentication, for local use only. */
  appId?: string;
  appPassword?: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  appTenantId?: string;
  /** Where incoming tokens' signing keys are published (Bot Framework's public cloud by default). */
  openIdMetadataUrl?: string;
  /** Microsoft Graph, asked for Entra group membership when tenants.yaml grants roles to groups. */
  graphUrl?: string;
}

export interface Config {
  port: number;
  /** Where the server listens: HOST, else 0.0.0.0, or 127.0.0.1 while a surface runs without authentication (Teams without MICROSOFT_APP_ID). */
  host: string;
  /** Why `host` is what it is, for the start-up log. */
  hostReason: 'configured' | 'default' | 'loopback_unauthenticated';
  logLevel: z.infer<typeof Settings>['LOG_LEVEL'];
  tenantsFile: string;
  maxBodyBytes: number;
  /** On SIGTERM, how long in-flight work may finish before its threads are told it was interrupted. */
  shutdownDeadlineMs: number;
  approvalTtlMinutes: number;
  /** HTTP API requests a minute, per key and per organization (token buckets in each replica); failed key logins a minute per source address and per key id, refused unhashed beyond that. */
  api: { perKeyPerMinute: number; perOrgPerMinute: number; loginFailures: { perSourcePerMinute: number; perKeyPerMinute: number } };
  /** How approved actions run, and when their effect is checked (0 = no follow-up). */
  actions: { executor: 'dry-run' | 'live'; verifyAfterMinutes: number };
  /** `botToken`: one workspace; `oauth`: installs to any number of workspaces through /slack/install (tokens in the installation store). */
  slack?: { signingSecret?: string; appToken?: string; botToken?: string; apiUrl?: string; apiTimeoutMs: number; oauth?: { clientId: string; clientSecret: string; stateSecret: string } };
  /** Teams is on when MICROSOFT_APP_ID is set, or when TEAMS_ENABLED=true (unauthenticated, local use). */
  teams?: TeamsConfig;
  /** `timeouts`: one transaction (and connecting, and waiting for a pooled connection), and one ingest chunk. */
  neo4j?: { uri: string; user: string; password: string; database?: string; timeouts?: { transactionMs: number; bulkMs: number } };
  weaviate?: { url: string; grpcUrl?: string; apiKey?: string };
  /** `timeoutMs`: one request to Ollama (a chat turn or an embedding batch), body included. */
  ollama?: { baseUrl: string; model: string; embedModel?: string; numCtx: number; timeoutMs?: number };
  /** Bounds of one agent investigation (used when a model is configured). */
  agent: { maxLlmCalls: number; maxToolCalls: number; timeoutMs: number; toolTimeoutMs: number; historyTokens: number };
  /** Investigations running at once in this replica; more wait their turn (acks stay fast). */
  maxConcurrentInvestigations: number;
  /** Alert threads: at most `stormLimit` new investigations per organization per window; `secrets` are the ALERT_SECRET_* variables tenants.yaml names. */
  alerts: { stormLimit: number; stormWindowSeconds: number; threadHours: number; secrets: Readonly<Record<string, string>> };
  /** Where metrics come from (recordings, and the live providers turned on), and how reads are bounded; `azureClientSecrets` are the AZURE_CLIENT_SECRET_* variables tenants.yaml names. */
  metrics: { sources: ('recorded' | 'aws' | 'azure' | 'gcp')[]; timeoutMs: number; cacheTtlMs: number; concurrency: number; azureClientSecrets: Readonly<Record<string, string>> };
  /** OpenTelemetry tracing, on when an OTLP endpoint is set (the standard OTEL_* variables). */
  tracing?: { tracesUrl: string; serviceName: string };
  /** Crawls into the resource graph: the server's default interval (0 = off; tenants.yaml may set one per organization), AWS regions for accounts that list none, accounts crawled at once. */
  crawl: { intervalMinutes: number; awsRegions?: string[]; accountConcurrency: number };
}

type Env = Record<string, string | undefined>;

/** Reads and validates configuration; throws one CompanionError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const fromFile = env.CONFIG_FILE ? readConfigFile(env.CONFIG_FILE) : {};
  const merged: Env = { ...fromFile };
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') merged[key] = value;
  const parsed = Settings.safeParse(merged);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`)),
    ...crossFieldProblems(merged),
  ];
  if (!parsed.success || problems.length > 0) {
    const lines = problems.map((problem) => `  - ${problem}`);
    throw new CompanionError('config_invalid', `Cloud Companion cannot start; fix these settings:\n${lines.join('\n')}`, {
      hint: 'Each setting is described in the README ("Settings").',
    });
  }
  const s = parsed.data;
  return {
    port: s.PORT,
    alerts: {
      stormLimit: s.ALERT_STORM_LIMIT, stormWindowSeconds: s.ALERT_STORM_WINDOW_SECONDS, threadHours: s.ALERT_THREAD_HOURS,
      secrets: Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[0].startsWith('ALERT_SECRET_') && typeof e[1] === 'string')),
    },
    host: s.HOST ?? (unauthenticatedSurface(s) ? '127.0.0.1' : '0.0.0.0'),
    hostReason: s.HOST ? 'configured' : unauthenticatedSurface(s) ? 'loopback_unauthenticated' : 'default',
    logLevel: s.LOG_LEVEL,
    tenantsFile: s.TENANTS_FILE,
    maxBodyBytes: s.MAX_BODY_BYTES,
    shutdownDeadlineMs: s.SHUTDOWN_DEADLINE_SECONDS * 1000,
    approvalTtlMinutes: s.APPROVAL_TTL_MINUTES,
    api: {
      perKeyPerMinute: s.API_RATE_LIMIT_PER_KEY, perOrgPerMinute: s.API_RATE_LIMIT_PER_ORG,
      loginFailures: { perSourcePerMinute: s.API_LOGIN_FAILURES_PER_SOURCE, perKeyPerMinute: s.API_LOGIN_FAILURES_PER_KEY },
    },
    actions: { executor: s.ACTION_EXECUTOR, verifyAfterMinutes: s.ACTION_VERIFY_AFTER_MINUTES },
    ...((s.SLACK_SIGNING_SECRET && (s.SLACK_BOT_TOKEN || s.SLACK_CLIENT_ID)) || (s.SLACK_APP_TOKEN && s.SLACK_BOT_TOKEN)
      ? { slack: {
        ...(s.SLACK_SIGNING_SECRET ? { signingSecret: s.SLACK_SIGNING_SECRET } : {}),
        ...(s.SLACK_APP_TOKEN ? { appToken: s.SLACK_APP_TOKEN } : {}),
        ...(s.SLACK_BOT_TOKEN ? { botToken: s.SLACK_BOT_TOKEN } : {}),
        ...(s.SLACK_API_URL ? { apiUrl: s.SLACK_API_URL } : {}),
        apiTimeoutMs: s.SLACK_API_TIMEOUT_SECONDS * 1000,
        ...(s.SLACK_CLIENT_ID && s.SLACK_CLIENT_SECRET && s.SLACK_STATE_SECRET ? { oauth: { clientId: s.SLACK_CLIENT_ID, clientSecret: s.SLACK_CLIENT_SECRET, stateSecret: s.SLACK_STATE_SECRET } } : {}),
      } }
      : {}),
    ...((s.TEAMS_ENABLED ?? Boolean(s.MICROSOFT_APP_ID))
      ? { teams: {
        appType: s.MICROSOFT_APP_TYPE,
        ...(s.MICROSOFT_GRAPH_URL ? { graphUrl: s.MICROSOFT_GRAPH_URL } : {}),
        ...(s.MICROSOFT_APP_ID ? { appId: s.MICROSOFT_APP_ID } : {}),
        ...(s.MICROSOFT_APP_PASSWORD ? { appPassword: s.MICROSOFT_APP_PASSWORD } : {}),
        ...(s.MICROSOFT_APP_TENANT_ID ? { appTenantId: s.MICROSOFT_APP_TENANT_ID } : {}),
        ...(s.MICROSOFT_OPENID_METADATA_URL ? { openIdMetadataUrl: s.MICROSOFT_OPENID_METADATA_URL } : {}),
      } }
      : {}),
    ...(s.NEO4J_URI && s.NEO4J_PASSWORD !== undefined
      ? { neo4j: {
        uri: s.NEO4J_URI, user: s.NEO4J_USER, password: s.NEO4J_PASSWORD, ...(s.NEO4J_DATABASE ? { database: s.NEO4J_DATABASE } : {}),
        timeouts: { transactionMs: s.NEO4J_TRANSACTION_TIMEOUT_SECONDS * 1000, bulkMs: s.NEO4J_BULK_TIMEOUT_SECONDS * 1000 },
      } }
      : {}),
    ...(s.WEAVIATE_URL
      ? { weaviate: { url: s.WEAVIATE_URL, ...(s.WEAVIATE_GRPC_URL ? { grpcUrl: s.WEAVIATE_GRPC_URL } : {}), ...(s.WEAVIATE_API_KEY ? { apiKey: s.WEAVIATE_API_KEY } : {}) } }
      : {}),
    ...(s.OLLAMA_BASE_URL
      ? { ollama: { baseUrl: s.OLLAMA_BASE_URL, model: s.OLLAMA_MODEL, numCtx: s.OLLAMA_NUM_CTX, timeoutMs: s.OLLAMA_TIMEOUT_SECONDS * 1000, ...(s.OLLAMA_EMBED_MODEL ? { embedModel: s.OLLAMA_EMBED_MODEL } : {}) } }
      : {}),
    // The traces endpoint is used as given; the generic one gets the signal's path, as the OTLP spec says.
    ...(s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? s.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { tracing: { tracesUrl: s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${(s.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '')}/v1/traces`, serviceName: s.OTEL_SERVICE_NAME } }
      : {}),
    maxConcurrentInvestigations: s.MAX_CONCURRENT_INVESTIGATIONS,
    metrics: {
      sources: s.METRICS_SOURCES, timeoutMs: s.METRICS_TIMEOUT_SECONDS * 1000, cacheTtlMs: s.METRICS_CACHE_SECONDS * 1000, concurrency: s.METRICS_CONCURRENCY,
      azureClientSecrets: Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[0].startsWith('AZURE_CLIENT_SECRET_') && typeof e[1] === 'string')),
    },
    crawl: { intervalMinutes: s.CRAWL_INTERVAL_MINUTES, accountConcurrency: s.CRAWL_CONCURRENCY, ...(s.CRAWL_AWS_REGIONS ? { awsRegions: s.CRAWL_AWS_REGIONS } : {}) },
    agent: {
      maxLlmCalls: s.AGENT_MAX_LLM_CALLS,
      maxToolCalls: s.AGENT_MAX_TOOL_CALLS,
      timeoutMs: s.AGENT_TIMEOUT_SECONDS * 1000,
      toolTimeoutMs: s.AGENT_TOOL_TIMEOUT_SECONDS * 1000,
      historyTokens: s.AGENT_HISTORY_TOKENS,
    },
  };
}

/** Teams without an app id accepts any caller as any user: such a bot listens on loopback unless HOST says otherwise. */
function unauthenticatedSurface(s: z.infer<typeof Settings>): boolean {
  return (s.TEAMS_ENABLED ?? Boolean(s.MICROSOFT_APP_ID)) && !s.MICROSOFT_APP_ID;
}

function readConfigFile(path: string): Env {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CompanionError('config_invalid', `Cannot read CONFIG_FILE ${path}: ${(error as Error).message}`, { hint: 'Point CONFIG_FILE at a readable YAML or JSON file, or unset it.' });
  }
  const parsed = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).safeParse(raw ?? {});
  if (!parsed.success) {
    throw new CompanionError('config_invalid', `CONFIG_FILE ${path} must be a flat map of SETTING: value.`, { hint: 'See the README, "Settings".' });
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([k, v]) => [k, String(v)]));
}
