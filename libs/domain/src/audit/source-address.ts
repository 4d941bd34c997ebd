import { isIP } from 'node:net';

/** Names of address ranges Express's `trust proxy` knows (proxy-addr). */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * XENPLANE_TRUSTED_PROXIES: the proxies whose X-Forwarded-For is believed, as addresses, CIDR
 * ranges or loopback/linklocal/uniquelocal, comma-separated. Empty (the default): none, and a
 * request's source is the socket's peer, whatever headers it carries. Throws on a bad entry.
 */
export function parseTrustedProxies(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of entries) {
    if (NAMED_RANGES.has(e)) continue;
    const [address, bits, extra] = e.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 4 ? 32 : 128;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !bitsOk || extra !== undefined) {
      throw new Error(`${e} is not an address, a CIDR range or one of ${[...NAMED_RANGES].join(', ')}`);
    }
  }
  return entries;
}

/** An IPv4 peer as IPv4 (`127.0.0.1`, not the dual-stack socket's `::ffff:127.0.0.1`). */
export function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
