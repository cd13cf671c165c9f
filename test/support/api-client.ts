import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A plain HTTP client for the API under test, which checks every JSON answer against the schema the
 * served OpenAPI document gives for that operation and status: the document must describe what the
 * server really sends.
 */
export class ApiClient {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });

  constructor(readonly baseUrl: string, private readonly doc: OpenApiDoc) {
    this.ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
  }

  static async connect(baseUrl: string): Promise<ApiClient> {
    const response = await fetch(`${baseUrl}/v1/openapi.json`);
    return new ApiClient(baseUrl, await response.json() as OpenApiDoc);
  }

  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; documented?: string } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers['x-api-key'] = options.key;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.rawBody !== undefined ? { body: options.rawBody } : {}),
    });
    const body = await response.json() as T;
    const template = options.documented ?? path.split('?')[0] ?? path;
    this.check(method.toLowerCase(), template, response.status, body);
    return { status: response.status, headers: response.headers, body };
  }

  /** The response schema the document gives for this operation and status; fails the test when there is none or the body does not match. */
  check(method: string, template: string, status: number, body: unknown): void {
    const key = `${method} ${template} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      const schema = this.doc.paths[template]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema;
      expect(schema, `the document describes ${key}`).toBeDefined();
      validate = this.ajv.compile({ $ref: `doc${String((schema as { $ref: string }).$ref)}` });
      this.validators.set(key, validate);
    }
    const valid = validate(body);
    expect(validate.errors ?? [], `${key} body matches the document: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
    expect(valid).toBe(true);
  }
}

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** Reads a whole `text/event-stream` body into its events (comments and blank lines skipped). */
export function parseEventStream(text: string): ServerSentEvent[] {
  return text.split(/\n\n/).flatMap((block) => {
    const lines = block.split('\n').filter((line) => line && !line.startsWith(':'));
    if (lines.length === 0) return [];
    const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length) ?? 'message';
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice('data: '.length)).join('\n');
    return [{ event, data: JSON.parse(data) as unknown }];
  });
}
