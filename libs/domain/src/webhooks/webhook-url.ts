import { BlockList, isIP } from 'node:net';

/** A URL is at most this long: as a browser's address bar, not a place to carry data. */
export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/** A project holds at most this many webhooks: each event is one delivery per webhook. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;

// Never a webhook's target, whatever the operator allows: link-local addresses hold cloud
// metadata services (169.254.169.254 hands out credentials), and "this network" and multicast
// addresses are nobody's receiver.
const NEVER = new BlockList();
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addSubnet('240.0.0.0', 4, 'ipv4');
NEVER.addAddress('::', 'ipv6');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');

// The control plane's own networks: allowed by default (a self-hosted plane's receivers live
// there), refused when the operator sets WEBHOOK_ALLOW_PRIVATE=false.
const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

/**
 * Why a webhook may not be sent to this address, or null when it may. Checked on the URL's
 * literal address when a webhook is made, and on every address a name resolves to when a
 * delivery connects (a name may resolve elsewhere later). IPv4-mapped IPv6 addresses count as
 * their IPv4 address.
 */
export function addressRefusal(address: string, allowPrivate: boolean): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (NEVER.check(address, type)) return `${address} is a link-local, multicast or unspecified address`;
  if (!allowPrivate && PRIVATE.check(address, type))
    return `${address} is a private or loopback address (WEBHOOK_ALLOW_PRIVATE is off)`;
  return null;
}

/**
 * A webhook's URL, checked: http or https, no credentials in it (the signature authenticates
 * deliveries; a password in a URL ends up in logs), at most MAX_WEBHOOK_URL_LENGTH characters,
 * and a literal address the policy allows. Returns the URL as the WHATWG parser writes it.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): { url: string } | { refusal: string } {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { refusal: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refusal: 'must be an absolute http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refusal: 'must be an http or https URL' };
  if (url.username || url.password) return { refusal: 'must not carry a user name or password' };
  if (url.hash) return { refusal: 'must not have a fragment (#...)' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) {
    const refusal = addressRefusal(host, allowPrivate);
    if (refusal) return { refusal: `must not point at ${refusal}` };
  }
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH)
    return { refusal: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  return { url: url.href };
}
