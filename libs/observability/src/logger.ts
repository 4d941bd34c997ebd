import pino, { type Logger } from 'pino';
import { currentCorrelationId } from './correlation';

export type { Logger } from 'pino';

let root: Logger | undefined;

/**
 * The process's root logger: JSON lines on stdout, secrets redacted, the caller's correlation
 * id on every line written inside a request, job or RPC.
 */
export function initLogging(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  root = pino(
    {
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
    },
    destination,
  );
  return root;
}

const silent = pino({ level: 'silent' });
const children = new Map<string, { parent: Logger; child: Logger }>();

function current(module: string): Logger {
  const parent = root ?? silent;
  let entry = children.get(module);
  if (entry?.parent !== parent) {
    entry = { parent, child: parent.child({ module }) };
    children.set(module, entry);
  }
  return entry.child;
}

/**
 * A logger named for one module. Modules take theirs at load time, before main() has called
 * initLogging: the logger therefore follows the root made later instead of binding to a silent one.
 */
export function getLogger(module: string): Logger {
  return new Proxy({} as Logger, {
    get(_target, prop) {
      const logger = current(module);
      const value = Reflect.get(logger, prop, logger) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(logger) : value;
    },
  });
}
