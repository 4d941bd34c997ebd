import { getLogger } from '@xenplane/observability';
import { keepsProtected } from '@xenplane/domain';
import type { HeartbeatRequest, Peer } from '@xenplane/proto';
import type { PeerAgents } from './peer-agents';

/**
 * This host's side of quorum fencing (docs/HA.md): its witnesses and the hosts the control plane
 * declared dead, as the last heartbeat said; the hosts it condemned itself when the control plane
 * asked it to reach them and it could not; when it last heard from each peer. Condemnation
 * outlives nothing: a restarted agent learns the declared-dead list again from its first
 * heartbeat, and its own probes' condemnations run out.
 */
export class PeerQuorum {
  private readonly log = getLogger('quorum');
  private witnesses: Peer[] = [];
  private declaredDead = new Set<string>();
  /** host id -> until when (monotonic) its pings are refused */
  private readonly condemned = new Map<string, number>();
  /** host id -> when (monotonic) it last reached us, or we it, before any condemnation */
  private readonly lastContact = new Map<string, number>();
  probeTimeoutMs = 1_000;
  recheckMs = 2_000;

  constructor(private readonly peers: PeerAgents) {}

  /** What a heartbeat says of the pool. */
  update(req: Pick<HeartbeatRequest, 'witnesses' | 'condemnedHostIds' | 'probeTimeoutMs' | 'quorumRecheckMs'>): void {
    this.witnesses = req.witnesses;
    this.declaredDead = new Set(req.condemnedHostIds);
    if (req.probeTimeoutMs) this.probeTimeoutMs = req.probeTimeoutMs;
    if (req.quorumRecheckMs) this.recheckMs = req.quorumRecheckMs;
  }

  isCondemned(hostId: string): boolean {
    if (this.declaredDead.has(hostId)) return true;
    const until = this.condemned.get(hostId);
    if (until === undefined) return false;
    if (performance.now() < until) return true;
    this.condemned.delete(hostId);
    return false;
  }

  /** A peer's ping arrived. A condemned peer's does not count as contact: it is told it is condemned. */
  pinged(hostId: string): { condemned: boolean } {
    if (this.isCondemned(hostId)) return { condemned: true };
    this.lastContact.set(hostId, performance.now());
    return { condemned: false };
  }

  /**
   * Asked by the control plane to reach a silent host: if it cannot, it condemns it for a while,
   * so that host cannot count it among the witnesses it reaches any more.
   */
  async probe(
    target: Peer,
    timeoutMs: number,
    condemnForMs: number,
  ): Promise<{ reachable: boolean; lastContactAgoMs: number }> {
    const heard = this.lastContact.get(target.hostId);
    const reachable = (await this.ping(target, timeoutMs)) !== 'unreached';
    if (!reachable) {
      this.condemned.set(target.hostId, performance.now() + condemnForMs);
      this.log.warn({ hostId: target.hostId, condemnForMs }, 'a silent host does not answer here either: condemned');
    } else {
      this.lastContact.set(target.hostId, performance.now());
    }
    return { reachable, lastContactAgoMs: heard === undefined ? -1 : Math.round(performance.now() - heard) };
  }

  /** With the control plane silent: keep the protected domains (enough witnesses answer, none condemns us) or fence. */
  async keeps(): Promise<boolean> {
    const answers = await Promise.all(this.witnesses.map((w) => this.ping(w, this.probeTimeoutMs)));
    const reached = answers.filter((a) => a === 'reached').length;
    const condemned = answers.includes('condemned');
    const keep = keepsProtected(this.witnesses.length, reached, condemned);
    this.log.warn({ witnesses: this.witnesses.length, reached, condemned, keep }, 'no heartbeat: asked the witnesses');
    return keep;
  }

  private async ping(peer: Peer, timeoutMs: number): Promise<'reached' | 'condemned' | 'unreached'> {
    try {
      const { condemned } = await this.peers.client(peer.hostId, peer.address).ping({}, { deadlineMs: timeoutMs });
      if (!condemned && !this.isCondemned(peer.hostId)) this.lastContact.set(peer.hostId, performance.now());
      return condemned ? 'condemned' : 'reached';
    } catch {
      // a fresh channel next time: one that failed waits out grpc's reconnect backoff
      this.peers.forget(peer.hostId);
      return 'unreached';
    }
  }
}
