import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { type CanActivate, Controller, Get, Injectable, Module, UnauthorizedException } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ProblemFilter } from '../common/errors/problem.filter';
import { CONSOLE_CSP, serveConsole } from './serve-console';

/** Stands in for the API's AuthGuard: every Nest route needs a token. */
@Injectable()
class TokenRequired implements CanActivate {
  canActivate(ctx: import('@nestjs/common').ExecutionContext): boolean {
    const auth = ctx.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['authorization'];
    if (auth !== 'Bearer good') throw new UnauthorizedException('a token is needed');
    return true;
  }
}

@Controller()
class ApiController {
  @Get('v1/secret')
  secret() {
    return { secret: 42 };
  }
  @Get('healthz')
  health() {
    return { ok: true };
  }
}

@Module({
  controllers: [ApiController],
  providers: [
    { provide: APP_GUARD, useClass: TokenRequired },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
class TestModule {}

async function start(dir: string) {
  const app = await NestFactory.create<NestExpressApplication>(TestModule, { logger: false });
  serveConsole(app, dir);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  return { app, base };
}

describe('the API serving the web console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-'));
  const html =
    '<!doctype html><title>Xenplane console</title><script type="module" src="/assets/index-Ab12.js"></script>';
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), html);
  writeFileSync(join(dir, 'assets', 'index-Ab12.js'), 'console.log(1)');
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  // an asset with the compressed copies the console's build writes beside it
  const big = `export const lines = ${JSON.stringify(Array.from({ length: 500 }, (_, i) => `line ${i}`))};`;
  writeFileSync(join(dir, 'assets', 'big-Cd34.js'), big);
  writeFileSync(join(dir, 'assets', 'big-Cd34.js.br'), brotliCompressSync(big));
  writeFileSync(join(dir, 'assets', 'big-Cd34.js.gz'), gzipSync(big));
  let app: NestExpressApplication;
  let base: string;
  beforeAll(async () => ({ app, base } = await start(dir)));
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / and every page of the app with index.html, its CSP, never cached, without a token', async () => {
    for (const path of ['/', '/vms', '/vms/0b7d3c2e-0000-4000-8000-000000000000', '/projects?x=1']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(html);
    }
  });

  it('serves hashed assets cached for good', async () => {
    const res = await fetch(`${base}/assets/index-Ab12.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('sends the compressed copy the browser accepts, with the asset’s type and caching, and says it varies', async () => {
    for (const [accepted, sent] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['identity', null],
    ] as const) {
      const res = await fetch(`${base}/assets/big-Cd34.js`, { headers: { 'accept-encoding': accepted } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe(sent);
      expect(res.headers.get('vary')).toContain('Accept-Encoding');
      expect(res.headers.get('content-type')).toContain('javascript');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toBe(big); // fetch decodes what it asked for
    }
    // an asset without copies is sent as it is, whatever is accepted
    const plain = await fetch(`${base}/assets/index-Ab12.js`, { headers: { 'accept-encoding': 'br' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('console.log(1)');
  });

  it('answers a missing asset and a dotfile with a 404 problem, not the page', async () => {
    for (const path of ['/assets/gone-Zz99.js', '/assets/gone-Zz99.js.br', '/.env', '/favicon.ico']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it("bypasses the guard for its files only: the API's routes stay guarded and stay the API's", async () => {
    const refused = await fetch(`${base}/v1/secret`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${base}/v1/secret`, { headers: { authorization: 'Bearer good' } })).status).toBe(200);
    // an unknown API path is the API's 404, never the console's page
    const unknown = await fetch(`${base}/v1/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    // a POST to a page of the app is not the app's
    expect((await fetch(`${base}/vms`, { method: 'POST' })).headers.get('content-type')).toContain('problem+json');
  });

  it("says the console isn't built when its directory is missing", async () => {
    const other = await start(join(dir, 'missing'));
    try {
      const res = await fetch(`${other.base}/`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('not_found');
      expect(body.detail).toContain('the web console is not built');
      expect(res.headers.get('content-security-policy')).toBeNull();
    } finally {
      await other.app.close();
    }
  });
});
