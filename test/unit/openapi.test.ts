import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { routeList } from '../../src/api/routes.ts';

interface Operation {
  operationId: string;
  'x-required-role'?: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}

const document = openApiDocument() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes every route of the table, with its method, role and parameters', () => {
    for (const spec of routeList) {
      const operation = document.paths[spec.path]?.[spec.method];
      expect(operation?.operationId, `${spec.method} ${spec.path}`).toBe(spec.operationId);
      expect(operation?.['x-required-role']).toBe(spec.role);
      const pathParams = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(operation?.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? []).toEqual(pathParams);
      expect(Boolean(operation?.requestBody)).toBe(Boolean(spec.body));
      expect(operation?.responses['401']).toBeDefined();
      expect(operation?.responses['429']?.headers?.['Retry-After']).toBeDefined();
    }
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations).toHaveLength(routeList.length + 1);
    expect(document.paths['/v1/approvals/{id}/decision']?.post?.responses['403']).toBeDefined();
    expect(document.paths['/v1/resources']?.get?.parameters?.find((p) => p.name === 'limit')?.required).toBe(false);
  });

  it('compiles every component schema and resolves every reference', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', components: document.components }, 'doc');
    for (const id of Object.keys(document.components.schemas)) expect(() => ajv.getSchema(`doc#/components/schemas/${id}`)).not.toThrow();
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    for (const ref of refs) expect(document.components.schemas, ref).toHaveProperty(ref as string);
  });

  it('describes request bodies as clients send them and responses as the server sends them', () => {
    const schemas = document.components.schemas as Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
    // Defaults make alert fields optional for clients…
    expect(schemas['Alert']?.required).toEqual(['title']);
    // …while responses promise every field that always comes.
    expect(schemas['CloudResource']?.required).toEqual(['id', 'provider', 'accountId', 'type', 'name', 'region', 'state', 'tags']);
    expect(schemas['AskRequest']?.properties).toHaveProperty('threadId');
  });
});

describe('AskRequest: exactly one of question and alert (issue #20)', () => {
  it('is a schema oneOf that accepts and refuses the same bodies as the server', async () => {
    const { AskRequest } = await import('../../src/api/schemas.ts');
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', components: document.components }, 'doc');
    const validate = ajv.getSchema('doc#/components/schemas/AskRequest');
    if (!validate) throw new Error('AskRequest is not in the document');
    const bodies: [unknown, boolean][] = [
      [{ question: 'why is checkout-api slow?' }, true],
      [{ alert: { title: 'CPU high' } }, true],
      [{ question: 'why?', threadId: 'api-1' }, true],
      [{ question: 'why?', alert: { title: 'CPU high' } }, false],
      [{}, false],
      [{ threadId: 'api-1' }, false],
    ];
    for (const [body, ok] of bodies) {
      expect(validate(body), JSON.stringify(body)).toBe(ok);
      expect(AskRequest.safeParse(body).success, JSON.stringify(body)).toBe(ok);
    }
  });
});
