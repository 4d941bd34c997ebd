import type { HostRow, RosterEntry } from '@xenplane/db';
import { fenceAfterMs, type LivenessSettings, probeTimeoutMs, recheckMs, WitnessRing } from '@xenplane/domain';
import type { HeartbeatRequest, Peer } from '@xenplane/proto';

/**
 * Each pool's members as one tick of the host monitor sees them, and what a heartbeat tells a
 * host of its pool (docs/HA.md): its fence timeout, its witnesses (the peers after it round the
 * ring of those up and answering), the hosts declared dead (whose pings its agent refuses).
 */
export class PoolRoster {
  private readonly rings = new Map<string, WitnessRing>();
  private readonly dead = new Map<string, string[]>();
  private readonly peers = new Map<string, Peer>();

  constructor(entries: readonly RosterEntry[]) {
    const voters = new Map<string, string[]>();
    for (const e of entries) {
      this.peers.set(e.id, { hostId: e.id, address: e.peerAddress });
      if (e.state === 'down') this.dead.set(e.poolId, [...(this.dead.get(e.poolId) ?? []), e.id]);
      // a witness must be able to answer: up (or in maintenance) and heard from lately
      if ((e.state === 'up' || e.state === 'maintenance') && e.live)
        voters.set(e.poolId, [...(voters.get(e.poolId) ?? []), e.id]);
    }
    for (const [poolId, ids] of voters) this.rings.set(poolId, new WitnessRing(ids));
  }

  witnessesOf(host: Pick<HostRow, 'id' | 'poolId'>): Peer[] {
    return (this.rings.get(host.poolId)?.of(host.id) ?? []).map((id) => this.peers.get(id)!);
  }

  /** The heartbeat a host of this pool is sent. */
  heartbeat(
    host: Pick<HostRow, 'id' | 'poolId'>,
    settings: LivenessSettings,
    protectedVmIds: string[],
  ): HeartbeatRequest {
    const fenceMs = fenceAfterMs(settings);
    return {
      fenceTimeoutMs: fenceMs,
      // the seconds too, rounded down: an agent older than fence_timeout_ms must still fence
      fenceTimeoutSeconds: Math.max(1, Math.floor(fenceMs / 1000)),
      protectedVmIds,
      witnesses: this.witnessesOf(host),
      condemnedHostIds: this.dead.get(host.poolId) ?? [],
      probeTimeoutMs: probeTimeoutMs(settings),
      quorumRecheckMs: recheckMs(settings),
    };
  }
}
