import type { HostRepository } from '@xenplane/db';
import type { BuildFailure } from '@xenplane/domain';
import { PermanentError, TransientError } from './operation-errors';

/** How a host failed a build (a create's, a restart's), when that can make the build move elsewhere. */
export function buildFailureOf(err: unknown): BuildFailure | undefined {
  if (err instanceof PermanentError) return err.code === 'agent_error' ? 'refused' : undefined;
  if (err instanceof TransientError) return err.failure;
  return undefined;
}

/** Whether a host that timed out still answers heartbeats (merely slow) or went silent. */
export function hostStillLive(hosts: HostRepository, hostId: string): Promise<boolean> {
  return hosts.isUpAndLive(hostId);
}

/** What a VM whose build failed for good becomes: off its host, powered down, saying why. */
export function vmFailedData(error: PermanentError) {
  return {
    hostId: null,
    domId: null,
    powerState: 'none' as const,
    errorCode: error.code,
    errorMessage: error.message.slice(0, 2000),
  };
}
