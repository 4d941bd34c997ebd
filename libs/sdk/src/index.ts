/**
 * @xenplane/sdk: the typed client of the Xenplane API. Its types are generated from
 * docs/openapi.json (the document the API serves); see README.md.
 */
export {
  createXenplane,
  type DataOf,
  type ItemOf,
  type ListPath,
  type VmWaitOptions,
  type Xenplane,
  type XenplaneOptions,
} from './client';
export { type Problem, ProblemError, TimeoutError, VmFailedError } from './errors';
export { eventMatches, type EventsOptions, type XenplaneEvent } from './events';
export type { components, operations, paths } from './generated/openapi';
export { SseParser, type SseMessage } from './sse';
export { requestRaw, send, type RawRequestInit, type TransportOptions } from './transport';
export * from './types';
export { OPERATION_KINDS, OPERATION_STATUSES, type OperationKind, VM_STATES } from './values';
export { SDK_VERSION } from './version';
export type { WaitOptions } from './wait';
