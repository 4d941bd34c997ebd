import { type INestApplication, ParseUUIDPipe, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { routeKey } from '@xenplane/domain';

interface RouteArg {
  data?: unknown;
  pipes?: unknown[];
}

/**
 * The path parameters each route's handler parses with ParseUUIDPipe, by `METHOD /path`: Nest's
 * document says only `string` of them, and a client should know that anything but a UUID is
 * refused (400) before it is looked up.
 */
function uuidPathParams(app: INestApplication): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
      for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
        const handler: unknown = (metatype.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const route = `/${base}/${String(path)}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, name) ?? {}) as Record<string, RouteArg>;
        const uuids = Object.entries(args)
          .filter(([key, arg]) => key.startsWith(`${RouteParamtypes.PARAM}:`) && typeof arg.data === 'string')
          .filter(([, arg]) => arg.pipes?.some((pipe) => pipe instanceof ParseUUIDPipe))
          .map(([, arg]) => String(arg.data));
        if (uuids.length) found.set(routeKey(method, route), new Set(uuids));
      }
    }
  }
  return found;
}

/** Each path parameter its handler parses as a UUID is a `format: uuid` string in the document. */
export function withUuidPathParams(app: INestApplication, doc: OpenAPIObject): OpenAPIObject {
  const uuids = uuidPathParams(app);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, { parameters?: ParameterObject[] }>)) {
      const names = uuids.get(`${method.toUpperCase()} ${path}`);
      for (const param of op.parameters ?? []) {
        if (param.in === 'path' && names?.has(param.name)) param.schema = { ...param.schema, format: 'uuid' };
      }
    }
  }
  return doc;
}
