/**
 * Which host-monitor replica polls which host: rendezvous (highest random weight) hashing.
 * Every replica computes the same answer from the same member list with no coordination, a
 * host moves only when its owner leaves or a new member outbids it, and each member gets about
 * 1/n of the hosts. A replica then holds connections to its share of the fleet only.
 */
export function monitorOf(hostId: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const weight = weightOf(member, hostId);
    // ties (rare) go to the smaller id, so every replica agrees
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/** The hosts `self` polls; a replica not (yet) among the members polls none. */
export function hostsMonitoredBy<H extends { id: string }>(
  self: string,
  hosts: readonly H[],
  members: readonly string[],
): H[] {
  if (!members.includes(self)) return [];
  return hosts.filter((h) => monitorOf(h.id, members) === self);
}

// FNV-1a over member, a separator and host, then a murmur3 finalizer: the raw FNV of strings
// that share a long prefix (uuids, replica names) is too close to uniform-looking to trust.
function weightOf(member: string, hostId: string): number {
  let h = 0x811c9dc5;
  h = fnv(h, member);
  h = Math.imul(h ^ 0x1f, 0x01000193);
  h = fnv(h, hostId);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
