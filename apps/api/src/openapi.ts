import { STATUS_CODES } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { needsToken, routeAccess } from '@xenplane/domain';
import { withProblems } from './common/http/api-responses';
import { withUuidPathParams } from './openapi-params';

/** The security scheme every operation that needs a token names. */
export const BEARER_SCHEME = 'bearer';

/** Every tag a controller uses (@ApiTags), with what it groups: a test finds any tag missing here. */
export const OPENAPI_TAGS: Readonly<Record<string, string>> = {
  system: 'Liveness, readiness, and who the calling token is',
  projects: 'Tenants: projects, with their quotas and usage',
  tokens: 'API tokens of a project, and global ones for operators and admins',
  keypairs: "SSH public keys a project's VMs are created with",
  catalog: 'Flavors: the sizes VMs are created in',
  images: 'Disk images VMs boot from, and their content',
  pools: 'Pools of Xen hosts, their settings and high availability',
  networks: "A pool's networks, from which VMs get their addresses",
  'storage-pools': "Where a pool's disks are stored, with capacity and usage",
  placement: 'Where VMs would be placed, without creating them',
  hosts: 'Xen hosts: enrollment, maintenance, failures',
  'server-groups': 'Affinity and anti-affinity groups of VMs',
  vms: 'Virtual machines: their life cycle, actions, console and snapshots',
  operations: 'Asynchronous work that a 202 answer started: its progress and outcome',
  events: 'State changes as they happen, as Server-Sent Events',
  audit: 'Who changed what, and when',
  queues: "The scheduler's job queues, for operators: counts, failed jobs, retries",
  webhooks: "A project's subscriptions to its events, delivered signed by HTTP POST, and their delivery log",
};

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Xenplane API')
    .setDescription(
      'Control plane for pools of Xen hosts. Errors are application/problem+json (the Problem schema); ' +
        'work that takes time answers 202 with an operation to follow (GET /v1/operations/{id} or the event stream).',
    )
    .setVersion('1')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // relative: the API answers at the root of whatever address this document was fetched from
    .addServer('/', 'This API, at the address the document was fetched from')
    // not addBearerAuth: it declares the token a JWT, and ours are opaque
    .addSecurity(BEARER_SCHEME, {
      type: 'http',
      scheme: 'bearer',
      description:
        'An opaque API token of a project or global, not a JWT: `xp_` and 43 random characters ' +
        '(a bootstrap admin token set by XENPLANE_ADMIN_TOKEN is whatever was chosen). ' +
        'Its secret is shown once, when created, and stored only hashed.',
    });
  for (const [name, description] of Object.entries(OPENAPI_TAGS)) builder.addTag(name, description);
  const doc = SwaggerModule.createDocument(app, builder.build());
  // DocumentBuilder leaves an empty contact object: say nothing rather than nothing in particular
  if (doc.info.contact && Object.keys(doc.info.contact).length === 0) delete doc.info.contact;
  return withUuidPathParams(app, withProblems(withRouteCatalogue(doc)));
}

/**
 * Each operation's name, summary, security and the roles that may call it come from the route
 * catalogue (libs/domain route-access), the same table the guard reads: Nest's own operationIds
 * (`VmsController_create`) are replaced by stable ones clients are generated with.
 */
function withRouteCatalogue(doc: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, OperationObject>)) {
      const key = `${method.toUpperCase()} ${path}`;
      const access = routeAccess(key);
      // the API does not start with such a route (assertRoutesDeclared): a generator must not either
      if (!access) throw new Error(`${key} is not in ROUTE_ACCESS (libs/domain/src/auth/route-access.ts)`);
      op.operationId = access.operationId;
      op.summary = access.summary;
      op.security = needsToken(access) ? [{ [BEARER_SCHEME]: [] }] : [];
      Object.assign(op, { 'x-xenplane-access': [...access.levels] });
      for (const [status, response] of Object.entries(op.responses as Record<string, ResponseObject>)) {
        // Nest leaves a response declared with only a type undescribed
        if (!response.description) response.description = STATUS_CODES[Number(status)] ?? status;
      }
    }
  }
  return doc;
}

/** Where the OpenAPI UI is served; the document is at /docs-json. */
export const DOCS_PATH = 'docs';

export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApi(app), { jsonDocumentUrl: `${DOCS_PATH}-json` });
}
