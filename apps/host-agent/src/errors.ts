import { status as Status } from '@grpc/grpc-js';

/**
 * Every failure the agent reports, with the gRPC status it maps to. The message keeps what
 * the toolstack said: operators read it in the operation's error.
 */
export type AgentErrorCode =
  | 'not_found'
  | 'invalid_argument'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'already_exists'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'permission_denied'
  | 'unauthenticated'
  | 'internal';

const STATUS: Record<AgentErrorCode, Status> = {
  not_found: Status.NOT_FOUND,
  invalid_argument: Status.INVALID_ARGUMENT,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  failed_precondition: Status.FAILED_PRECONDITION,
  already_exists: Status.ALREADY_EXISTS,
  unavailable: Status.UNAVAILABLE,
  deadline_exceeded: Status.DEADLINE_EXCEEDED,
  cancelled: Status.CANCELLED,
  permission_denied: Status.PERMISSION_DENIED,
  unauthenticated: Status.UNAUTHENTICATED,
  internal: Status.INTERNAL,
};

export class AgentError extends Error {
  override name = 'AgentError';
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
  }

  get grpcStatus(): Status {
    return STATUS[this.code];
  }
}

export const notFound = (vmId: string) => new AgentError('not_found', `no domain for vm ${vmId}`);

/** The one place an error becomes a gRPC status. */
export function toServiceError(err: unknown): { code: Status; details: string } {
  if (err instanceof AgentError) return { code: err.grpcStatus, details: err.message };
  return { code: Status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
