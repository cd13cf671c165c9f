import { z } from 'zod';
import { CompanionError } from '../errors.ts';
import type { Reply } from '../reply.ts';
import { ApprovalListResponse, AskResponse, AuditResponse, DecisionConflict, DecisionResponse, ErrorBody } from '../api/schemas.ts';

/**
 * The CLI talking to a running bot through its /v1 HTTP API, so `ask`, `approvals` and `audit` act
 * on the bot's stores instead of a private in-process copy. The key decides the organization.
 */
export interface RemoteTarget {
  url: string;
  apiKey: string;
}

export const remoteEnv = { url: 'CLOUD_COMPANION_URL', apiKey: 'CLOUD_COMPANION_API_KEY' } as const;

/** `--url` (or CLOUD_COMPANION_URL) with CLOUD_COMPANION_API_KEY; undefined when neither names a bot. */
export function remoteTarget(flagUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): RemoteTarget | undefined {
  const raw = flagUrl ?? env[remoteEnv.url];
  if (raw === undefined || raw.trim() === '') return undefined;
  const url = z.url({ protocol: /^https?$/ }).safeParse(raw.trim());
  if (!url.success) throw new CompanionError('config_invalid', `--url / ${remoteEnv.url} "${raw}" is not an http(s) URL such as http://127.0.0.1:3000.`);
  const apiKey = env[remoteEnv.apiKey]?.trim();
  if (!apiKey) {
    throw new CompanionError('config_invalid', `${remoteEnv.apiKey} is not set: talking to the bot at ${url.data} needs an API key. Create one where the bot's stores are (NEO4J_URI set): \`cloud-companion keys create --org <id> --role operator\`, then export ${remoteEnv.apiKey}=<key>.`);
  }
  return { url: url.data.replace(/\/+$/, ''), apiKey };
}

export type RemoteAsk = z.infer<typeof AskResponse>;
export type RemoteApproval = z.infer<typeof ApprovalListResponse>['approvals'][number];
export type RemoteDecision =
  | { kind: 'decided'; body: z.infer<typeof DecisionResponse> }
  | { kind: 'conflict'; body: z.infer<typeof DecisionConflict> };
export type RemoteAuditEvent = z.infer<typeof AuditResponse>['events'][number];

/** A typed client for the endpoints the CLI needs; every answer is validated before use. */
export class RemoteBot {
  constructor(private readonly target: RemoteTarget, private readonly timeoutMs = 120_000) {}

  get url(): string {
    return this.target.url;
  }

  async ask(question: string): Promise<RemoteAsk> {
    return AskResponse.parse(await this.call('POST', '/v1/ask', { question }, [200]).then((r) => r.body));
  }

  async approvals(state: string, limit: number): Promise<RemoteApproval[]> {
    const { body } = await this.call('GET', `/v1/approvals?${new URLSearchParams({ state, limit: String(limit) })}`, undefined, [200]);
    return ApprovalListResponse.parse(body).approvals;
  }

  async decide(id: string, decision: 'approve' | 'deny'): Promise<RemoteDecision> {
    const { status, body } = await this.call('POST', `/v1/approvals/${encodeURIComponent(id)}/decision`, { decision }, [200, 202, 409]);
    return status === 409 ? { kind: 'conflict', body: DecisionConflict.parse(body) } : { kind: 'decided', body: DecisionResponse.parse(body) };
  }

  async audit(query: { since?: string; subjectId?: string; limit: number }): Promise<RemoteAuditEvent[]> {
    const params = new URLSearchParams({ limit: String(Math.min(query.limit, 500)) });
    if (query.since) params.set('since', query.since);
    if (query.subjectId) params.set('subjectId', query.subjectId);
    const { body } = await this.call('GET', `/v1/audit?${params}`, undefined, [200]);
    return AuditResponse.parse(body).events;
  }

  private async call(method: 'GET' | 'POST', path: string, body: unknown, expected: readonly number[]): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.target.url}${path}`, {
        method,
        headers: { 'x-api-key': this.target.apiKey, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : describeFetchError(error);
      throw new CompanionError('store_unavailable', `Cannot reach the bot at ${this.target.url} (${why}). Is it running (\`npm start\`), and is --url / ${remoteEnv.url} right?`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CompanionError('store_unavailable', `The server at ${this.target.url} answered ${method} ${path} with ${response.status} and no JSON: is it a Cloud Companion bot?`);
    }
    if (expected.includes(response.status)) return { status: response.status, body: parsed };
    const error = ErrorBody.safeParse(parsed);
    const message = error.success ? error.data.message : `HTTP ${response.status}`;
    const hint = response.status === 401 ? ` Check ${remoteEnv.apiKey}.` : response.status === 403 ? ' The key\'s role is not enough: create one with a higher --role.' : '';
    throw new CompanionError(response.status === 401 || response.status === 403 ? 'forbidden' : 'store_unavailable', `The bot refused ${method} ${path.split('?')[0]}: ${message}${hint}`);
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return findCode(error) ?? (cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error));
}

/** The system error code (ECONNREFUSED, ENOTFOUND…) under fetch's "fetch failed", through causes and aggregates. */
function findCode(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || !error || typeof error !== 'object') return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = findCode(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The API's reply as the core's Reply for the text renderer. The API sends the core's reply without
 * its images (and the loose schemas keep every other field), so the shapes agree where renderText reads.
 */
export function replyOf(answer: RemoteAsk): Reply {
  return answer.reply as unknown as Reply;
}
