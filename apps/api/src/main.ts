import type { Server } from 'node:http';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { migrateDatabase } from '@xenplane/db';
import { tracesExported } from '@xenplane/config';
import { getLogger, initLogging, initTracing, serveMetrics } from '@xenplane/observability';
import { AppModule } from './app.module';
import { assertRoutesDeclared } from './common/auth/route-declarations';
import { answerClientError } from './common/errors/client-error';
import { installInputGuard } from './common/http/input-guard';
import { installQueryParser } from './common/http/query-parser';
import { requestContext } from './common/http/request-context.middleware';
import { requestTrace } from './common/http/request-trace.middleware';
import { createValidationPipe } from './common/http/validation';
import { loadApiConfig } from './config';
import { registry } from './health/metrics';
import { DEFAULT_CONSOLE_DIR, serveConsole } from './console/serve-console';
import { NestPinoLogger } from './nest-logger';
import { serveOpenApi } from './openapi';

async function main(): Promise<void> {
  const config = loadApiConfig();
  initLogging('api', config.LOG_LEVEL);
  initTracing('api', { side: 'api', export: tracesExported(config) });
  const log = getLogger('main');
  if (config.XENPLANE_MIGRATE_ON_START) {
    const result = await migrateDatabase(config.DATABASE_URL);
    if (result.applied.length) log.info({ applied: result.applied }, 'migrations applied');
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: new NestPinoLogger(),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  // req.ip: the socket's peer, or X-Forwarded-For's client when the peer is a trusted proxy
  app.set('trust proxy', config.XENPLANE_TRUSTED_PROXIES.length ? config.XENPLANE_TRUSTED_PROXIES : false);
  installQueryParser(app);
  app.use(requestContext);
  app.use(requestTrace);
  installInputGuard(app, config.BODY_LIMIT_KB);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  serveOpenApi(app);
  // the web console's files at `/`: public, outside the route guard (see serve-console.ts)
  serveConsole(app, config.CONSOLE_DIR ?? DEFAULT_CONSOLE_DIR);
  await app.init();
  assertRoutesDeclared(app);
  // what Node's parser refuses (headers over 16 KB, malformed HTTP) is answered as a problem too
  (app.getHttpServer() as Server).on('clientError', answerClientError);
  await app.listen(config.API_PORT, config.API_HOST);
  // idle kept-alive connections outlive a load balancer's or a client's pool (60 s is the common
  // idle timeout): with Node's 5 s the server closes a socket just as a client reuses it (ECONNRESET)
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const url = await app.getUrl();
  log.info({ url }, 'api listening');
  const metrics = await serveMetrics({ registry, port: config.METRICS_PORT, host: config.METRICS_HOST });
  if (metrics) log.info({ port: metrics.port, host: config.METRICS_HOST }, 'metrics served');
}

main().catch((err: unknown) => {
  getLogger('main').fatal({ err }, 'api failed to start');
  process.stderr.write(`api failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
