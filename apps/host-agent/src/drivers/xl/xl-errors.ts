import { status as Status } from '@grpc/grpc-js';
import { AgentError, type AgentErrorCode } from '../../errors';
import type { CommandResult } from './command';

// What xl prints when it fails, and what that means for the caller. The toolstack's own
// message is kept in the error, as operators read it.
const PATTERNS: [RegExp, AgentErrorCode][] = [
  [/invalid domain identifier|domain .* (does not exist|not found)|no such domain|cannot find domain/i, 'not_found'],
  [/failed to free memory|not enough memory|out of memory|insufficient memory|ENOMEM/i, 'resource_exhausted'],
  [/domain with name .* already exists|already exists|domain name .* in use/i, 'already_exists'],
  [
    /failed to parse|syntax error|config parsing error|unknown type|invalid (domain )?type|invalid (parameter|value|disk|vif|rate)|unrecognized|parse error|bad (type|value)/i,
    'invalid_argument',
  ],
  [/timed out|timeout/i, 'deadline_exceeded'],
  [
    /requires? hvm|hvm (guest|support).*not|hap.*(not available|required)|not supported by the hypervisor/i,
    'failed_precondition',
  ],
];

/** Maps a failed xl command to an AgentError whose message is xl's own last lines. */
export function xlFailure(args: readonly string[], r: CommandResult): AgentError {
  const text = `${r.stderr}\n${r.stdout}`.trim();
  const code = PATTERNS.find(([re]) => re.test(text))?.[1] ?? 'internal';
  const lines = text
    .split('\n')
    .filter((l) => l.trim())
    .slice(-6)
    .join(' | ');
  return new AgentError(code, `xl ${args[0]} failed (exit ${r.code}): ${lines || 'no output'}`);
}

const PEER_CODES: Partial<Record<number, AgentErrorCode>> = {
  [Status.NOT_FOUND]: 'not_found',
  [Status.INVALID_ARGUMENT]: 'invalid_argument',
  [Status.RESOURCE_EXHAUSTED]: 'resource_exhausted',
  [Status.FAILED_PRECONDITION]: 'failed_precondition',
  [Status.ALREADY_EXISTS]: 'already_exists',
  [Status.UNAVAILABLE]: 'unavailable',
  [Status.DEADLINE_EXCEEDED]: 'deadline_exceeded',
  [Status.PERMISSION_DENIED]: 'permission_denied',
  [Status.UNAUTHENTICATED]: 'unauthenticated',
};

/**
 * A failed `xl migrate`. When the target agent ended the stream with an error, that is usually
 * the cause (no memory there, its migrate-receive failed, it refused us): its code wins, and
 * both sides' words are kept.
 */
export function migrationFailure(r: CommandResult, peer?: { code: number; details: string }): AgentError {
  const local = xlFailure(['migrate'], r);
  // xl migrate is always live, and tracking a PV guest's dirty pages needs shadow paging, which
  // some Xen builds leave out (Debian's 4.17): such a guest cannot migrate from this host at all
  if (/Failed to enable logdirty/i.test(r.stderr)) {
    return new AgentError(
      'failed_precondition',
      `${local.message} (this hypervisor cannot track the guest's dirty memory: PV live migration needs Xen with shadow paging)`,
    );
  }
  if (!peer) return local;
  const code = PEER_CODES[peer.code] ?? local.code;
  return new AgentError(code, `${local.message}; target agent: ${peer.details}`);
}
