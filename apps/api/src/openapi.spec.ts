import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Event } from '@xenplane/db';
import { ROUTE_ACCESS, type RouteAccess } from '@xenplane/domain';
import { AppModule } from './app.module';
import { PROBLEM_CONTENT } from './common/http/api-responses';
import { loadApiConfig } from './config';
import { formatSse } from './events/events.controller';
import { BEARER_SCHEME, buildOpenApi } from './openapi';

type Json = Record<string, any>;

/** The document as the API serves it, from the app in preview mode: no provider runs, no I/O. */
async function documentOfTheApp(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule.forRoot(loadApiConfig({})), { preview: true, logger: false });
  return buildOpenApi(app);
}

/** Every operation of the document, with its route as the catalogue names it. */
function operations(doc: OpenAPIObject): { route: string; op: Json }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op: op as Json })),
  );
}

/** Every schema object of the document, wherever it is, with where. */
function schemasIn(node: unknown, at = '#'): { at: string; schema: Json }[] {
  if (!node || typeof node !== 'object') return [];
  const here = Object.hasOwn(node, 'properties') ? [{ at, schema: node as Json }] : [];
  return [...here, ...Object.entries(node).flatMap(([k, v]) => schemasIn(v, `${at}/${k}`))];
}

describe('the OpenAPI document', () => {
  let doc: OpenAPIObject;
  beforeAll(async () => {
    doc = await documentOfTheApp();
  }, 30_000);

  it("names every operation as the route catalogue does, none twice, and none as Nest's default", () => {
    const catalogue = ROUTE_ACCESS as Record<string, RouteAccess>;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(50);
    for (const { route, op } of ops) {
      const named = { route, operationId: op['operationId'], summary: op['summary'] };
      expect(named).toEqual({ route, operationId: catalogue[route]?.operationId, summary: catalogue[route]?.summary });
      expect({ route, camelCase: /^[a-z][a-zA-Z0-9]*$/.test(op['operationId']) }).toEqual({ route, camelCase: true });
    }
    const ids = ops.map(({ op }) => op['operationId']);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    // `VmsController_create` and the like, anywhere at all
    expect(JSON.stringify(doc).match(/[A-Za-z]+Controller_[A-Za-z]+/g)).toBeNull();
  });

  it('declares opaque bearer tokens, not JWTs, on every operation but the public ones', () => {
    const scheme = doc.components?.securitySchemes?.[BEARER_SCHEME] as Json;
    expect(scheme).toEqual({ type: 'http', scheme: 'bearer', description: expect.stringContaining('opaque') });
    expect(Object.keys(doc.components?.securitySchemes ?? {})).toEqual([BEARER_SCHEME]);
    for (const { route, op } of operations(doc)) {
      const open = ['GET /healthz', 'GET /readyz', 'POST /v1/hosts/enroll'].includes(route);
      expect({ route, security: op['security'] }).toEqual({ route, security: open ? [] : [{ [BEARER_SCHEME]: [] }] });
      // who has no token, or the wrong one, is told so: documented wherever a token is needed
      if (!open)
        expect({ route, has: Object.keys(op['responses']) }).toEqual({
          route,
          has: expect.arrayContaining(['401', '403']),
        });
    }
  });

  it('answers every error with the one Problem schema, by reference', () => {
    expect(PROBLEM_CONTENT).toEqual({
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    });
    const problem = doc.components?.schemas?.['Problem'] as Json;
    expect(problem['required']).toEqual(['type', 'title', 'status', 'detail', 'code']);
    expect(Object.keys(problem['properties'])).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'instance', 'code', 'errors']),
    );
    let errors = 0;
    for (const { route, op } of operations(doc)) {
      for (const [status, response] of Object.entries<Json>(op['responses'])) {
        if (Number(status) < 400) continue;
        // a probe's answer, not an error: the readiness itself, whatever it is
        if (route === 'GET /readyz' && status === '503') continue;
        errors++;
        expect({ route, status, content: response['content'] }).toEqual({ route, status, content: PROBLEM_CONTENT });
      }
    }
    expect(errors).toBeGreaterThan(300);
    // and no copy of it anywhere: the only schema with a problem's members is Problem itself
    const copies = schemasIn(doc).filter(
      ({ schema }) => schema['properties']?.['detail'] && schema['properties']?.['code'],
    );
    expect(copies.map(({ at }) => at)).toEqual(['#/components/schemas/Problem']);
  });

  it('documents what every operation answers when it succeeds', () => {
    for (const { route, op } of operations(doc)) {
      const ok = Object.entries<Json>(op['responses']).filter(([status]) => status.startsWith('2'));
      expect({ route, succeeds: ok.length > 0 }).toEqual({ route, succeeds: true });
      for (const [status, response] of ok) {
        if (status === '204') continue;
        const schemas = Object.values<Json>(response['content'] ?? {}).map((media) => media['schema']);
        expect({ route, status, typed: schemas.length > 0 && schemas.every(Boolean) }).toEqual({
          route,
          status,
          typed: true,
        });
        expect({ route, status, described: response['description'].length > 0 }).toEqual({
          route,
          status,
          described: true,
        });
      }
    }
  });

  it('streams events as text/event-stream, each message described, and takes image content as bytes', () => {
    const stream = doc.paths['/v1/events']?.get?.responses['200'] as Json;
    expect(stream['content']).toEqual({
      'text/event-stream': { schema: { $ref: '#/components/schemas/EventMessage' } },
    });
    const message = doc.components?.schemas?.['EventMessage'] as Json;
    expect(message['properties']['data']).toEqual(
      expect.objectContaining({ allOf: [{ $ref: '#/components/schemas/EventView' }] }),
    );
    expect(doc.paths['/v1/images/{id}/file']?.put?.requestBody).toEqual(
      expect.objectContaining({
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      }),
    );
  });

  it('describes the events the stream really sends', () => {
    const event: Event = {
      id: 42n,
      projectId: null,
      resourceType: 'host',
      resourceId: '0d6f4c36-8d0e-4a8e-9d7a-3f1e2b7c9a10',
      type: 'host.state',
      data: { state: 'down' },
      createdAt: new Date('2026-01-01T00:00:00Z'),
    };
    const sent = formatSse(event);
    const fields = Object.fromEntries(
      sent
        .trimEnd()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
    );
    expect(Object.keys(fields).sort()).toEqual(
      Object.keys((doc.components?.schemas?.['EventMessage'] as Json)['properties']).sort(),
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const view = { ...(doc.components?.schemas?.['EventView'] as Json), additionalProperties: false };
    const validate = ajv.compile(view);
    const data: unknown = JSON.parse(fields['data']);
    expect(validate(data) ? null : validate.errors).toBeNull();
    expect(fields['event']).toBe('host.state');
    expect(fields['id']).toBe('42');
  });

  it('says which path parameters are UUIDs: those their handlers parse as one', () => {
    const pathParams = operations(doc).flatMap(({ route, op }) =>
      ((op['parameters'] ?? []) as Json[]).filter((p) => p['in'] === 'path').map((p) => ({ route, p })),
    );
    const format = (route: string, name: string) =>
      pathParams.find((x) => x.route === route && x.p['name'] === name)?.p['schema'];
    expect(format('GET /v1/vms/{id}', 'id')).toEqual({ type: 'string', format: 'uuid' });
    expect(format('DELETE /v1/vms/{id}/snapshots/{snapshotId}', 'snapshotId')).toEqual({
      type: 'string',
      format: 'uuid',
    });
    // a keypair is named by its id or its name: any string
    expect(format('DELETE /v1/projects/{id}/keypairs/{keypair}', 'keypair')).toEqual({ type: 'string' });
    // every id is parsed as one before anything is looked up (a malformed one would reach the database)
    const notUuid = pathParams.filter(({ p }) => /(^id|Id)$/.test(p['name']) && p['schema']?.format !== 'uuid');
    expect(notUuid.map(({ route, p }) => `${route} ${p['name']}`)).toEqual([]);
  });

  it('serves from a relative server, under a licence, with every tag described', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' });
    const described = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
    const used = new Set(operations(doc).flatMap(({ op }) => op['tags'] ?? []));
    expect([...used].filter((tag) => !described.get(tag))).toEqual([]);
    // and none described that no operation uses
    expect([...described.keys()].filter((tag) => !used.has(tag))).toEqual([]);
  });

  it('requires no field that has a default: a generated client must let callers leave it out', () => {
    const requiredWithDefault = schemasIn(doc).flatMap(({ at, schema }) =>
      ((schema['required'] as string[] | undefined) ?? [])
        .filter((name) => schema['properties'][name]?.default !== undefined)
        .map((name) => `${at}.${name}`),
    );
    expect(requiredWithDefault).toEqual([]);
    for (const { route, op } of operations(doc)) {
      const withDefault = ((op['parameters'] ?? []) as Json[]).filter(
        (p) => p['required'] && p['schema']?.default !== undefined,
      );
      expect({ route, withDefault }).toEqual({ route, withDefault: [] });
    }
  });
});
