import type { LoggerService } from '@nestjs/common';
import { getLogger } from '@xenplane/observability';

/** NestJS's own messages, through our structured logger. */
export class NestPinoLogger implements LoggerService {
  private readonly logger = getLogger('nest');

  log(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
