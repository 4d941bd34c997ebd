import { isIP } from 'node:net';
import { MAX_SSH_KEYS, parseSshPublicKey, USER_DATA_MAX_BYTES } from '@xenplane/domain';
import type { CloudInit } from '@xenplane/proto';

const INSTANCE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const MAX_INTERFACES = 8;
const MAX_ADDRESSES = 16;
const MAX_NAMESERVERS = 3;

/**
 * Why a spec's cloud_init cannot go on a config drive, as `field: why`; undefined when it can.
 * The control plane checked all of it already; an agent checks again what it writes into a
 * guest. No message ever quotes the user-data.
 */
export function cloudInitRefusal(c: CloudInit): string | undefined {
  if (!INSTANCE_ID.test(c.instanceId))
    return 'cloud_init.instance_id: must be 1-128 letters, digits, dots, dashes or underscores';
  if (!HOSTNAME.test(c.hostname))
    return 'cloud_init.hostname: must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit';
  if (c.sshKeys.length > MAX_SSH_KEYS) return `cloud_init.ssh_keys: at most ${MAX_SSH_KEYS}`;
  for (const [i, key] of c.sshKeys.entries()) {
    const parsed = parseSshPublicKey(key);
    if ('refusal' in parsed) return `cloud_init.ssh_keys[${i}]: ${parsed.refusal}`;
  }
  if (c.userData.length > USER_DATA_MAX_BYTES)
    return `cloud_init.user_data: must be at most ${USER_DATA_MAX_BYTES} bytes (it has ${c.userData.length})`;
  if (c.interfaces.length > MAX_INTERFACES) return `cloud_init.interfaces: at most ${MAX_INTERFACES}`;
  for (const [i, nic] of c.interfaces.entries()) {
    const at = `cloud_init.interfaces[${i}]`;
    if (!MAC.test(nic.mac)) return `${at}.mac: must be a MAC address like 00:16:3e:0a:0b:0c`;
    if (nic.addresses.length > MAX_ADDRESSES) return `${at}.addresses: at most ${MAX_ADDRESSES}`;
    for (const [j, cidr] of nic.addresses.entries()) {
      if (!isCidr(cidr)) return `${at}.addresses[${j}]: must be an address with its prefix length, like 10.0.0.5/24`;
    }
    if (nic.gateway && !isIP(nic.gateway)) return `${at}.gateway: must be an IP address`;
    if (nic.nameservers.length > MAX_NAMESERVERS) return `${at}.nameservers: at most ${MAX_NAMESERVERS}`;
    for (const [j, ns] of nic.nameservers.entries()) {
      if (!isIP(ns)) return `${at}.nameservers[${j}]: must be an IP address`;
    }
  }
  return undefined;
}

function isCidr(text: string): boolean {
  const [ip, prefix, extra] = text.split('/');
  const family = isIP(ip ?? '');
  if (!family || extra !== undefined || !/^\d{1,3}$/.test(prefix ?? '')) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
