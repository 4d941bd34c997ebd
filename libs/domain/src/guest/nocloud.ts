import { toYaml, type YamlValue } from './yaml';

/**
 * The NoCloud config drive (cloud-init's `NoCloud` datasource): a small filesystem with the
 * volume label `cidata` holding `meta-data`, `user-data` and optionally `network-config`.
 * cloud-init finds it by its label at first boot, with no metadata server and no network.
 * This builds the files' contents only; the driver puts them on a medium (the xl driver: an
 * ISO 9660 image attached read-only; the simulator: the guest's console tells what it read).
 */

/** The volume label cloud-init looks for. */
export const CONFIG_DRIVE_LABEL = 'cidata';
/** The most user-data a VM may carry, in bytes (UTF-8), as cloud-init's own datasources allow. */
export const USER_DATA_MAX_BYTES = 64 * 1024;

export interface GuestNetworkInterface {
  mac: string;
  /** CIDR, e.g. 10.0.0.5/24 */
  addresses: readonly string[];
  /** the default route's next hop; empty: none */
  gateway: string;
  nameservers: readonly string[];
}

/** What a guest is told about itself (the agent protocol's CloudInit message). */
export interface CloudInitData {
  instanceId: string;
  hostname: string;
  /** OpenSSH public key lines, already checked */
  sshKeys: readonly string[];
  /** verbatim; empty: none */
  userData: Uint8Array;
  /** none: no network-config file (the guest's image does DHCP, or whatever it does) */
  interfaces: readonly GuestNetworkInterface[];
}

export type ConfigDriveFileName = 'meta-data' | 'user-data' | 'network-config';

export interface ConfigDriveFile {
  name: ConfigDriveFileName;
  data: Uint8Array;
}

/**
 * The files of the drive, in the order they are written. `user-data` is always there (empty
 * without user-data: cloud-init's NoCloud requires the file), `network-config` only with
 * interfaces. SSH keys go in meta-data's `public-keys`, which cloud-init installs for the
 * default user whatever the user-data is (a cloud-config, a shell script, or nothing), so the
 * tenant's user-data is passed through untouched.
 */
export function noCloudFiles(c: CloudInitData): ConfigDriveFile[] {
  const files: ConfigDriveFile[] = [
    { name: 'meta-data', data: utf8(noCloudMetaData(c)) },
    { name: 'user-data', data: c.userData },
  ];
  const network = noCloudNetworkConfig(c.interfaces);
  if (network !== undefined) files.push({ name: 'network-config', data: utf8(network) });
  return files;
}

export function noCloudMetaData(c: Pick<CloudInitData, 'instanceId' | 'hostname' | 'sshKeys'>): string {
  return toYaml({
    'instance-id': c.instanceId,
    'local-hostname': c.hostname,
    ...(c.sshKeys.length ? { 'public-keys': [...c.sshKeys] } : {}),
  });
}

/** Netplan-style network-config version 2: each interface matched by its MAC, named ethN in order. */
export function noCloudNetworkConfig(interfaces: readonly GuestNetworkInterface[]): string | undefined {
  if (!interfaces.length) return undefined;
  const ethernets: Record<string, YamlValue> = {};
  interfaces.forEach((nic, i) => {
    const name = `eth${i}`;
    ethernets[name] = {
      match: { macaddress: nic.mac.toLowerCase() },
      'set-name': name,
      ...(nic.addresses.length ? { addresses: [...nic.addresses] } : { dhcp4: true }),
      ...(nic.gateway ? { routes: [{ to: 'default', via: nic.gateway }] } : {}),
      ...(nic.nameservers.length ? { nameservers: { addresses: [...nic.nameservers] } } : {}),
    };
  });
  return toYaml({ version: 2, ethernets });
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Bytes of a user-data string as the guest gets it (UTF-8). */
export function userDataBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Why a user-data string cannot be taken, or undefined when it can. */
export function userDataRefusal(text: string): string | undefined {
  const bytes = userDataBytes(text);
  return bytes > USER_DATA_MAX_BYTES
    ? `must be at most ${USER_DATA_MAX_BYTES} bytes (UTF-8); this is ${bytes} bytes`
    : undefined;
}
