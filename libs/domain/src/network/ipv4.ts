/**
 * IPv4 addresses as unsigned 32-bit numbers: the arithmetic of ranges and prefixes without a
 * library. Only the strict dotted quad is accepted (no leading zeros, which some parsers read
 * as octal, no shorthand like `10.1`): an address means one thing everywhere it goes.
 */

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** The address as a number, or null when the text is not a strict dotted quad. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return null;
    const octet = Number(p);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A network block: its first address, its prefix length, how many addresses it holds. */
export interface Ipv4Block {
  network: number;
  prefix: number;
  size: number;
}

export type CidrParse = { ok: true; block: Ipv4Block } | { ok: false; message: string };

/** Prefixes a network may have: /8 is the largest block, /30 the smallest with two usable addresses. */
export const MIN_PREFIX = 8;
export const MAX_PREFIX = 30;

/** `10.10.0.0/24`: the block, or why not (host bits set, a prefix out of bounds, not IPv4). */
export function parseCidr(text: string): CidrParse {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  const address = m ? parseIpv4(m[1]!) : null;
  if (!m || address === null) return { ok: false, message: 'must be an IPv4 network like 10.10.0.0/24' };
  const prefix = Number(m[2]);
  if (prefix < MIN_PREFIX || prefix > MAX_PREFIX)
    return { ok: false, message: `the prefix must be /${MIN_PREFIX} to /${MAX_PREFIX}` };
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (network !== address)
    return {
      ok: false,
      message: `${text} has host bits set: the network is ${formatIpv4(network)}/${prefix}`,
    };
  return { ok: true, block: { network, prefix, size } };
}

export const formatCidr = (b: Ipv4Block) => `${formatIpv4(b.network)}/${b.prefix}`;

/** Whether the address is one of the block's hosts: inside it, neither its network nor its broadcast address. */
export function isHostOf(b: Ipv4Block, address: number): boolean {
  return address > b.network && address < b.network + b.size - 1;
}

/** Whether two blocks share an address. */
export function blocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}
