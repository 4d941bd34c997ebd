#!/usr/bin/env node
// Writes docs/openapi.json (the document the API serves at /docs-json) and the SDK's types made
// of it (libs/sdk/src/generated/openapi.ts), from the built API app: Nest in preview mode
// instantiates no provider, so neither a database nor Redis is needed.
// usage: node scripts/build.mjs && node scripts/openapi.mjs
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './lib.mjs';
import { canonicalOpenApiJson, OPENAPI_JSON, renderSdkTypes, SDK_TYPES } from './sdk-types.mjs';

const dist = join(root, 'dist');
if (!existsSync(join(dist, 'apps/api/src/openapi.js'))) {
  console.error('dist/ has no API: run node scripts/build.mjs first');
  process.exit(1);
}
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { AppModule } = require(join(dist, 'apps/api/src/app.module.js'));
const { loadApiConfig } = require(join(dist, 'apps/api/src/config.js'));
const { buildOpenApi } = require(join(dist, 'apps/api/src/openapi.js'));

// the defaults of every setting: the document does not depend on them, only the module graph does
const app = await NestFactory.create(AppModule.forRoot(loadApiConfig({})), { preview: true, logger: false });
const json = canonicalOpenApiJson(buildOpenApi(app));
await app.close();

writeFileSync(join(root, OPENAPI_JSON), json);
writeFileSync(join(root, SDK_TYPES), await renderSdkTypes(JSON.parse(json)));
console.log(`wrote ${OPENAPI_JSON} and ${SDK_TYPES}`);
