import { existsSync, readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../common/errors/api-errors';
import { DOCS_PATH } from '../openapi';

/**
 * Where the built console is by default: beside the API's own build (scripts/build.mjs writes
 * dist/apps/api/src/... and dist/apps/console/web).
 */
export const DEFAULT_CONSOLE_DIR = resolve(__dirname, '../../../console/web');

/**
 * The Content-Security-Policy of the console's pages: scripts from this origin only (Vite's build
 * has no inline script), styles also inline (Mantine sets CSS variables at run time), the API at
 * this origin, no framing, no plugins.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Paths the API answers itself: never the console's, even when nothing there matches. `/metrics`
 * is served on METRICS_PORT now (docs/METRICS.md): here it stays a 404, not the console's page,
 * so that a scraper pointed at the old place fails plainly.
 */
const API_PREFIXES = ['/v1', `/${DOCS_PATH}`, '/healthz', '/readyz', '/metrics'];

export function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}-`));
}

/** A page of the single-page app (a route of its router) rather than a file: no extension in its last segment. */
export function isAppRoute(path: string): boolean {
  const last = path.split('/').at(-1) ?? '';
  return !path.startsWith('/assets/') && !last.includes('.');
}

/**
 * Serves the web console (apps/console, built by Vite) at `/`: its files, with hashed assets
 * cached for good and index.html never; index.html for any other GET that is a page of the app
 * (its router reads the URL), outside the API's own paths.
 *
 * These are not API routes and deliberately bypass the route guard (ROUTE_ACCESS): they are
 * public files, the same for everyone, holding no data; the console itself calls the API with
 * the user's token, where every route is guarded as for any client. Mounted as Express
 * middleware before Nest's router, so they are not in the role matrix (assertRoutesDeclared sees
 * route layers only) and not audited (they change nothing). serve-console.int.spec.ts checks that
 * a guarded route stays guarded next to them.
 */
export function serveConsole(app: NestExpressApplication, dir: string): void {
  const assets = join(dir, 'assets');
  app.use(precompressedAssets(assets));
  // express.static (serve-static): only files that exist in dir, GET and HEAD only, else next()
  app.useStaticAssets(dir, {
    index: false, // `/` is the app's page, answered below with its headers
    dotfiles: 'ignore',
    fallthrough: true,
    redirect: false,
    setHeaders(res: Response, path: string) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // Vite names every asset after its content's hash: a changed file is a new name
      res.setHeader('Cache-Control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const page = join(dir, 'index.html');
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path) || !isAppRoute(req.path)) return next();
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(page, (err?: NodeJS.ErrnoException) => {
      if (!err) return;
      if (res.headersSent) return void res.end();
      res.removeHeader('Content-Security-Policy');
      res.removeHeader('Cache-Control');
      next(
        err.code === 'ENOENT' || err.code === 'ENOTDIR'
          ? new ApiError(
              'not_found',
              'the web console is not built here: `node scripts/build.mjs` builds it, and CONSOLE_DIR says where it is ' +
                '(the API itself is at /v1, its documentation at /docs)',
            )
          : err,
      );
    });
  });
}

/** The encodings the console's build writes beside each asset (apps/console/precompress.mts), best first. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/**
 * Sends an asset's compressed copy when the browser accepts its encoding (the JavaScript is
 * about a fifth of its size in brotli), with the asset's own type and caching. The copies are
 * listed once at start: the build never changes them under a running API.
 */
export function precompressedAssets(assets: string) {
  const copies = new Set(existsSync(assets) ? readdirSync(assets) : []);
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.startsWith('/assets/')) return next();
    const name = req.path.slice('/assets/'.length);
    if (name.includes('/')) return next();
    const offered = ENCODINGS.filter((e) => copies.has(name + e.suffix));
    if (!offered.length) return next();
    res.vary('Accept-Encoding');
    // ours, best first, not the browser's order: browsers list gzip before br at equal weight
    const encoding = offered.find((e) => req.acceptsEncodings(e.name) === e.name);
    if (!encoding) return next();
    res.setHeader('Content-Encoding', encoding.name);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type(extname(name));
    res.sendFile(join(assets, name + encoding.suffix), (err?: Error) => {
      if (err && !res.headersSent) next(err);
    });
  };
}
