import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { needsToken, routeAccess } from '@xenplane/domain';
import { withEdgeProblems } from './common/http/api-responses';

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Xenplane API')
    .setDescription('Control plane for pools of Xen hosts. Errors are application/problem+json (see API.md).')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A project or global token' })
    .build();
  return withEdgeProblems(withRouteAccess(SwaggerModule.createDocument(app, config)));
}

/**
 * Each operation's security and the roles that may call it come from the role matrix
 * (libs/domain route-access), the same table the guard reads.
 */
function withRouteAccess(doc: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const access = routeAccess(`${method.toUpperCase()} ${path}`);
      if (!access) continue;
      op['security'] = needsToken(access) ? [{ bearer: [] }] : [];
      op['x-xenplane-access'] = [...access.levels];
    }
  }
  return doc;
}

/** Where the OpenAPI UI is served; the document is at /docs-json. */
export const DOCS_PATH = 'docs';

export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApi(app), { jsonDocumentUrl: `${DOCS_PATH}-json` });
}
