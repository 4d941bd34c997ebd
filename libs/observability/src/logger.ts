import pino, { type Logger } from 'pino';
import { currentCorrelationId } from './correlation';

export type { Logger } from 'pino';

let root: Logger | undefined;

/**
 * The process's root logger: JSON lines on stdout, secrets redacted, the caller's correlation
 * id on every line written inside a request, job or RPC.
 */
export function initLogging(service: string, level = 'info'): Logger {
  root = pino({
    level,
    base: { service },
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'headers.authorization',
        'password',
        '*.password',
        'privateKey',
        '*.privateKey',
        'keyPem',
        '*.keyPem',
      ],
      censor: '[redacted]',
    },
    mixin() {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  return root;
}

/** A logger named for one module. */
export function getLogger(module: string): Logger {
  root ??= pino({ level: 'silent' });
  return root.child({ module });
}
