import { fetchWithTimeout } from '../../outbound.ts';
import { ChatOllama } from '@langchain/ollama';

export interface OllamaChatSettings {
  baseUrl: string;
  model: string;
  /** Context window asked of Ollama; its default (2–4k) would silently cut the system prompt. */
  numCtx?: number;
  /** One request to Ollama, response body included (OLLAMA_TIMEOUT_SECONDS; default 120 s). */
  timeoutMs?: number;
  /** Longest answer in tokens: a small model that rambles (or never emits its stop token) is cut here, not at the time limit. */
  numPredict?: number;
}

export const defaultOllamaTimeoutMs = 120_000;

/** The chat model for the agent: deterministic (temperature 0), a context that fits the evidence, kept loaded between calls. */
export function ollamaChatModel(settings: OllamaChatSettings): ChatOllama {
  return new ChatOllama({
    model: settings.model,
    baseUrl: settings.baseUrl,
    temperature: 0,
    numCtx: settings.numCtx ?? 8192,
    numPredict: settings.numPredict ?? 1024,
    keepAlive: '15m',
    fetch: fetchWithTimeout(settings.timeoutMs ?? defaultOllamaTimeoutMs),
  });
}

/** What went wrong with the model server, in words an operator can act on. */
export function describeModelFailure(error: unknown, model: string, baseUrl: string | undefined): string {
  const where = baseUrl ? `Ollama at ${baseUrl}` : 'The model server';
  // LangChain wraps what an inner middleware lets through (MiddlewareError): the server's error is on the cause chain.
  const answered = findStatus(error);
  const status = answered?.status;
  const message = answered?.message ?? (error instanceof Error ? error.message : String(error));
  if (typeof status === 'number') {
    if (status === 404 || /not found/i.test(message)) return `${where} does not have the model "${model}": run \`ollama pull ${model}\` there, or set OLLAMA_MODEL to a model it has.`;
    return `${where} answered ${status}: ${message.slice(0, 200)}`;
  }
  const code = findCode(error);
  if (code || /fetch failed|ECONNREFUSED|ENOTFOUND|socket/i.test(message)) {
    return `${where} is unreachable (${code ?? message.slice(0, 120)}); check OLLAMA_BASE_URL and that \`ollama serve\` is running.`;
  }
  return `${where} failed: ${message.slice(0, 200)}`;
}

function findStatus(error: unknown, depth = 0): { status: number; message: string } | undefined {
  if (depth > 4 || !error || typeof error !== 'object') return undefined;
  const status = (error as { status_code?: unknown }).status_code;
  if (typeof status === 'number') return { status, message: error instanceof Error ? error.message : String(error) };
  return findStatus((error as { cause?: unknown }).cause, depth + 1);
}

function findCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || !error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return findCode((error as { cause?: unknown }).cause, depth + 1);
}
