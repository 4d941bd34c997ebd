import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditMiddleware } from './audit.middleware';
import { AuditRecorder } from './audit-recorder';

/** The audit trail: every change asked of the API is recorded (AuditMiddleware) and listed (GET /v1/audit). */
@Module({ controllers: [AuditController], providers: [AuditRecorder, AuditMiddleware] })
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuditMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
