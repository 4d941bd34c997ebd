import { status as Status } from '@grpc/grpc-js';

export type AgentErrorClass = 'transient' | 'permanent' | 'not_found';

/**
 * What a failed agent call means for the caller:
 * - transient: the host may answer if asked again (unreachable, timed out, busy);
 * - not_found: the domain is not there (for a destroy, that is success);
 * - permanent: asking again will not help (bad request, toolstack refused, no memory on that host).
 */
export function classifyAgentError(err: unknown): AgentErrorClass {
  const code = (err as { code?: number }).code;
  switch (code) {
    case Status.UNAVAILABLE:
    case Status.DEADLINE_EXCEEDED:
    case Status.ABORTED:
    case Status.CANCELLED:
    case Status.UNKNOWN:
      return 'transient';
    case Status.NOT_FOUND:
      return 'not_found';
    default:
      // RESOURCE_EXHAUSTED is a full host: not worth retrying on the same host
      return code === undefined ? 'transient' : 'permanent';
  }
}

/** The agent's own message (the toolstack's words), without gRPC's "14 UNAVAILABLE:" prefix. */
export function agentErrorMessage(err: unknown): string {
  const e = err as { details?: string; message?: string; code?: number };
  const name = e.code !== undefined ? Status[e.code] : undefined;
  const text = e.details || e.message || String(err);
  return name ? `${name}: ${text}` : text;
}
