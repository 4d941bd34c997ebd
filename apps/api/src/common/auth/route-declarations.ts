import type { INestApplication } from '@nestjs/common';
import { routeKey, undeclaredRoutes } from '@xenplane/domain';
import { DOCS_PATH } from '../../openapi';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every route the app's controllers serve, as the role matrix names them (`GET /v1/vms/{id}`);
 * aside: the OpenAPI document's own pages (public, served by @nestjs/swagger outside Nest's
 * guards) and middleware mounted on every path (`/*path`; a controller route with a wildcard,
 * if one is ever added, is still closed by the guard until the matrix names it).
 */
export function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: RouterLayer[] } };
  return (express.router?.stack ?? []).flatMap((layer) =>
    layer.route && !isDocsPath(layer.route.path) && !layer.route.path.includes('*')
      ? Object.keys(layer.route.methods)
          .filter((m) => m !== '_all' && m !== 'head')
          .map((m) => routeKey(m, layer.route!.path))
      : [],
  );
}

/** The API refuses to start with a route the role matrix does not declare, or an entry nothing serves. */
export function assertRoutesDeclared(app: INestApplication): void {
  const { undeclared, unserved } = undeclaredRoutes(servedRoutes(app));
  if (undeclared.length || unserved.length) {
    throw new Error(
      `the role matrix (libs/domain/src/auth/route-access.ts) and the routes disagree: ` +
        `undeclared ${JSON.stringify(undeclared)}, unserved ${JSON.stringify(unserved)}`,
    );
  }
}

function isDocsPath(path: string): boolean {
  return path === `/${DOCS_PATH}` || path.startsWith(`/${DOCS_PATH}/`) || path.startsWith(`/${DOCS_PATH}-`);
}
