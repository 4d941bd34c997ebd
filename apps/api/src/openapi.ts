import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Xenplane API')
    .setDescription('Control plane for pools of Xen hosts. Errors are application/problem+json (see API.md).')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A project or global token' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** OpenAPI at /docs (UI) and /docs-json. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs-json' });
}
