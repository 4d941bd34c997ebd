/**
 * Why a host did not build a VM:
 * - refused: its toolstack said no (libxl failed, no memory after all);
 * - unreachable: no connection, or it broke mid-call (the host or its agent died under it);
 * - timeout: no answer before the deadline (a slow build, or a host gone silent);
 * - other: anything else worth one more try.
 */
export type BuildFailure = 'refused' | 'unreachable' | 'timeout' | 'other';

/** elsewhere: release the claim and place the VM again, that host excluded; again: retry on the same host. */
export type BuildRecovery = 'elsewhere' | 'again' | 'give-up';

export interface BuildFailureInput {
  failure: BuildFailure;
  /** the host still answers heartbeats (it is merely slow) */
  hostLive: boolean;
  /** hosts this VM's build has been placed on so far, the failing one included */
  hostsTried: number;
  /** hosts a build may try before it fails (as Nova's alternates: each host once) */
  maxHosts: number;
}

/**
 * What to do after a build failed on a host. A host that refuses, cannot be reached, or stopped
 * answering altogether loses the VM to another host (each host is tried once); a host that is
 * alive but slow is asked again (CreateDomain is idempotent on the VM id), within the
 * operation's attempts. When every host it may try is spent, a host that cannot be reached but
 * still answered heartbeats a moment ago (its agent restarting, say) is asked again rather than
 * the build failed: only a host that refuses, or went silent, ends it.
 */
export function recoverFromBuildFailure(i: BuildFailureInput): BuildRecovery {
  const hostsLeft = i.hostsTried < i.maxHosts;
  switch (i.failure) {
    case 'refused':
      return hostsLeft ? 'elsewhere' : 'give-up';
    case 'unreachable':
      return hostsLeft ? 'elsewhere' : i.hostLive ? 'again' : 'give-up';
    case 'timeout':
      return i.hostLive ? 'again' : hostsLeft ? 'elsewhere' : 'give-up';
    case 'other':
      return 'again';
  }
}

/** One host a build was placed on and why it moved on, as the operation shows it. */
export interface HostTried {
  hostId: string;
  hostName: string;
  failure: BuildFailure;
  message: string;
  at: string;
}
