import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/api/keys.ts';
import type { RunningBot } from '../../src/compose.ts';
import { silentLogger } from '../../src/logging.ts';
import { startTestBot } from '../support/bot.ts';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** node:http, because fetch refuses to send TRACE. */
function send(url: string, method: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The raw bytes of an answer, for requests Node refuses before Express sees them. */
function raw(url: string, requestText: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(requestText));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { answer += chunk; });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('HTTP protocol edges of the API (issue #20)', () => {
  let bot: RunningBot;
  let key: string;

  beforeAll(async () => {
    bot = await startTestBot({});
    key = (await new ApiKeyService({ store: bot.runtime.stores.apiKeys, audit: bot.runtime.stores.audit, tenants: bot.runtime.stores.tenants, logger: silentLogger() })
      .create({ orgId: 'demo', role: 'viewer', name: 'protocol', createdBy: 'cli:test' })).key;
  });
  afterAll(async () => {
    await bot.stop();
  });

  it('answers a method a documented path does not have (TRACE, PUT, DELETE) with 405, Allow and a JSON error', async () => {
    for (const [method, path, allow] of [['TRACE', '/v1/resources', 'GET, HEAD'], ['TRACE', '/v1/openapi.json', 'GET, HEAD'], ['PUT', '/v1/ask', 'POST'], ['DELETE', '/v1/approvals/abc', 'GET, HEAD'], ['TRACE', '/v1/resources/arn%3Aaws%3Aecs%3Aus-east-1', 'GET, HEAD']] as const) {
      const answer = await send(`${bot.url}${path}`, method, { 'x-api-key': key });
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.allow).toBe(allow);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'method_not_allowed', message: expect.stringContaining(method) });
    }
    // Documented methods and unknown paths are untouched.
    expect((await send(`${bot.url}/v1/resources`, 'GET', { 'x-api-key': key })).status).toBe(200);
    expect((await send(`${bot.url}/v1/nowhere`, 'TRACE', { 'x-api-key': key })).status).toBe(404);
  });

  it('answers a 16 KB path id with a JSON 431 that says what to change, not Node\'s bare status line', async () => {
    const answer = await raw(bot.url, `GET /v1/resources/${'a'.repeat(16 * 1024)} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\n\r\n`);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(body)).toMatchObject({ error: 'headers_too_large', message: expect.stringContaining('2048 characters') });
    // The server keeps answering.
    expect((await send(`${bot.url}/healthz`, 'GET')).status).toBe(200);
  });

  it('answers a path id under the header limit but over the id limit with the API\'s 400', async () => {
    const answer = await send(`${bot.url}/v1/resources/${'a'.repeat(4096)}`, 'GET', { 'x-api-key': key });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'input_invalid' });
  });
});
