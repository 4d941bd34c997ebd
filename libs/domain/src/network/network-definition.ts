import { blocksOverlap, formatCidr, formatIpv4, type Ipv4Block, isHostOf, parseCidr, parseIpv4 } from './ipv4';

/**
 * A bridge as the agent's domain spec accepts it (apps/host-agent spec-validation BRIDGE): a
 * Linux interface name (at most 15 characters, IFNAMSIZ - 1) of letters, digits, `_`, `.` and
 * `-`, and not `.` or `..`, which the kernel refuses.
 */
export const BRIDGE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;

/** At most this many addresses in a network's allocation range: a /16's worth. */
export const MAX_RANGE_ADDRESSES = 65_536;
/** resolv.conf reads three nameservers (MAXNS); more would be dropped silently in the guest. */
export const MAX_DNS = 3;

export interface NetworkRequest {
  bridge: string;
  cidr: string;
  gateway: string;
  dns?: readonly string[];
  /** default: the block's first host */
  rangeStart?: string;
  /** default: the block's last host */
  rangeEnd?: string;
}

/** A network as it is stored: every address canonical, and how many of its range it can give out. */
export interface NetworkPlan {
  bridge: string;
  cidr: string;
  gateway: string;
  dns: string[];
  rangeStart: string;
  rangeEnd: string;
  /** addresses the range gives out: all of it but the gateway, when the gateway lies in it */
  capacity: number;
}

export interface NetworkFieldError {
  field: string;
  message: string;
}

export type NetworkPlanning = { ok: true; plan: NetworkPlan } | { ok: false; errors: NetworkFieldError[] };

/**
 * Checks a network's definition and fills in its range: the CIDR an IPv4 block with no host
 * bits set, the gateway one of its hosts, the range inside it (network and broadcast addresses
 * excluded, at most MAX_RANGE_ADDRESSES), the DNS servers addresses. The gateway may lie in the
 * range: it is never given out. Every problem is named, not only the first.
 */
export function planNetwork(r: NetworkRequest): NetworkPlanning {
  const errors: NetworkFieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  if (!BRIDGE_NAME.test(r.bridge))
    fail('bridge', 'must be a Linux interface name: 1-15 letters, digits, _ . or -, e.g. xenbr0');
  const cidr = parseCidr(r.cidr);
  if (!cidr.ok) fail('cidr', cidr.message);
  (r.dns ?? []).forEach((d, i) => {
    if (parseIpv4(d) === null) fail(`dns[${i}]`, 'must be an IPv4 address');
  });
  if ((r.dns ?? []).length > MAX_DNS) fail('dns', `at most ${MAX_DNS} servers`);
  const gateway = parseIpv4(r.gateway);
  if (gateway === null) fail('gateway', 'must be an IPv4 address');
  const start = r.rangeStart === undefined ? undefined : parseIpv4(r.rangeStart);
  const end = r.rangeEnd === undefined ? undefined : parseIpv4(r.rangeEnd);
  if (start === null) fail('rangeStart', 'must be an IPv4 address');
  if (end === null) fail('rangeEnd', 'must be an IPv4 address');
  if (!cidr.ok) return { ok: false, errors };

  const block = cidr.block;
  const first = start ?? block.network + 1;
  const last = end ?? block.network + block.size - 2;
  const outside = (a: number) => `${formatIpv4(a)} is not a host of ${formatCidr(block)}`;
  if (gateway !== null && !isHostOf(block, gateway)) fail('gateway', outside(gateway));
  if (start !== null && !isHostOf(block, first)) fail('rangeStart', outside(first));
  if (end !== null && !isHostOf(block, last)) fail('rangeEnd', outside(last));
  if (start !== null && end !== null && first > last) fail('rangeEnd', 'must not come before rangeStart');
  else if (last - first + 1 > MAX_RANGE_ADDRESSES)
    fail(
      'rangeEnd',
      `the range holds ${last - first + 1} addresses, more than ${MAX_RANGE_ADDRESSES}: give a smaller one`,
    );
  if (errors.length || gateway === null) return { ok: false, errors };

  const gatewayInRange = gateway >= first && gateway <= last;
  const capacity = last - first + 1 - (gatewayInRange ? 1 : 0);
  if (capacity < 1)
    return { ok: false, errors: [{ field: 'rangeEnd', message: 'the range holds no address but the gateway' }] };
  return {
    ok: true,
    plan: {
      bridge: r.bridge,
      cidr: formatCidr(block),
      gateway: formatIpv4(gateway),
      dns: (r.dns ?? []).map((d) => formatIpv4(parseIpv4(d)!)),
      rangeStart: formatIpv4(first),
      rangeEnd: formatIpv4(last),
      capacity,
    },
  };
}

/** How many addresses a stored range gives out (its gateway excluded). */
export function rangeCapacity(n: Pick<NetworkPlan, 'gateway' | 'rangeStart' | 'rangeEnd'>): number {
  const [first, last, gateway] = [parseIpv4(n.rangeStart)!, parseIpv4(n.rangeEnd)!, parseIpv4(n.gateway)!];
  return last - first + 1 - (gateway >= first && gateway <= last ? 1 : 0);
}

/**
 * Among a pool's networks, one on the same bridge whose block overlaps this one's: two such
 * would hand out addresses of one segment twice. Networks on other bridges are other segments
 * (VLANs, say), where the same block is fine.
 */
export function clashingNetwork<T extends { name: string; bridge: string; cidr: string }>(
  plan: Pick<NetworkPlan, 'bridge' | 'cidr'>,
  others: readonly T[],
): T | undefined {
  const mine = blockOf(plan.cidr);
  return others.find((o) => o.bridge === plan.bridge && blocksOverlap(mine, blockOf(o.cidr)));
}

function blockOf(cidr: string): Ipv4Block {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) throw new Error(`stored network ${cidr} is not a CIDR: ${parsed.message}`);
  return parsed.block;
}
