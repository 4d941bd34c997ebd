import { parse } from 'node:querystring';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { gatherMetadataKeys } from '@xenplane/domain';

/**
 * Express's "simple" query parser (node:querystring, as Express 5 uses by default), with list
 * routes' `metadata.k=v` / `metadata[k]=v` keys gathered into one `metadata` object, so the DTOs
 * validate them as one field (libs/domain gatherMetadataKeys) instead of refusing unknown keys.
 */
export function parseQueryString(raw: string): Record<string, unknown> {
  return gatherMetadataKeys(parse(raw));
}

export function installQueryParser(app: NestExpressApplication): void {
  app.set('query parser', parseQueryString);
}
