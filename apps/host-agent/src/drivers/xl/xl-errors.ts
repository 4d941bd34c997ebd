import { AgentError, type AgentErrorCode } from '../../errors';
import type { CommandResult } from './command';

// What xl prints when it fails, and what that means for the caller. The toolstack's own
// message is kept in the error, as operators read it.
const PATTERNS: [RegExp, AgentErrorCode][] = [
  [/invalid domain identifier|domain .* (does not exist|not found)|no such domain|cannot find domain/i, 'not_found'],
  [/failed to free memory|not enough memory|out of memory|insufficient memory|ENOMEM/i, 'resource_exhausted'],
  [/domain with name .* already exists|already exists|domain name .* in use/i, 'already_exists'],
  [/failed to parse|syntax error|config parsing error|unknown type|invalid (domain )?type|invalid (parameter|value|disk|vif|rate)|unrecognized|parse error|bad (type|value)/i, 'invalid_argument'],
  [/timed out|timeout/i, 'deadline_exceeded'],
  [/requires? hvm|hvm (guest|support).*not|hap.*(not available|required)|not supported by the hypervisor/i, 'failed_precondition'],
];

/** Maps a failed xl command to an AgentError whose message is xl's own last lines. */
export function xlFailure(args: readonly string[], r: CommandResult): AgentError {
  const text = `${r.stderr}\n${r.stdout}`.trim();
  const code = PATTERNS.find(([re]) => re.test(text))?.[1] ?? 'internal';
  const lines = text.split('\n').filter((l) => l.trim()).slice(-6).join(' | ');
  return new AgentError(code, `xl ${args[0]} failed (exit ${r.code}): ${lines || 'no output'}`);
}
