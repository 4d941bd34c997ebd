import pino, { type Logger } from 'pino';
import { currentWork } from './correlation';
import { currentTraceIds } from './tracing';

export type { Logger } from 'pino';

let root: Logger | undefined;

/**
 * The process's root logger: JSON lines on stdout, secrets redacted, and on every line written
 * inside a request, job or RPC what that work is: the caller's correlation id, the operation
 * and VM it works on (once known), and the trace and span it runs in.
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
      mixin: workFields,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
  return root;
}

function workFields(): Record<string, string> {
  const work = currentWork();
  const ids = currentTraceIds();
  const fields: Record<string, string> = {};
  if (work) {
    fields['correlationId'] = work.correlationId;
    if (work.operationId) fields['operationId'] = work.operationId;
    if (work.vmId) fields['vmId'] = work.vmId;
  }
  if (ids) {
    fields['traceId'] = ids.traceId;
    fields['spanId'] = ids.spanId;
  }
  return fields;
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
