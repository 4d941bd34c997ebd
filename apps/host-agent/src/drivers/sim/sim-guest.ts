import { parseSshPublicKey } from '@xenplane/domain';
import type { DomainSpec } from '@xenplane/proto';
import { configDriveOf } from '../config-drive';

/**
 * What a simulated guest prints on its console as it boots: a kernel line, then what cloud-init
 * read from its config drive (the same drive the xl driver is to attach: configDriveOf), the
 * way a real guest's console shows it, so a test reads it back through the console API. Never
 * the user-data itself: its size only.
 */
export function bootLines(spec: DomainSpec, domainName: string): string[] {
  const lines = [`[    0.000000] Linux version 6.1.0-xen (${domainName}) booting`];
  const drive = configDriveOf(spec);
  const c = spec.cloudInit;
  if (!drive || !c) {
    lines.push('cloud-init: no config drive (no datasource found)');
    return [...lines, 'Welcome to the Xenplane simulated guest', `${domainName} login:`];
  }
  const files = drive.files.map((f) => `${f.name} (${f.data.length} bytes)`).join(', ');
  lines.push(
    `cloud-init: datasource NoCloud, config drive ${drive.label}: ${files}`,
    `cloud-init: instance-id=${c.instanceId}`,
    `cloud-init: hostname=${c.hostname}`,
  );
  for (const text of c.sshKeys) {
    const parsed = parseSshPublicKey(text);
    if ('key' in parsed) {
      const { type, fingerprint, comment } = parsed.key;
      lines.push(`cloud-init: ssh key ${type} ${fingerprint}${comment ? ` ${comment}` : ''}`);
    }
  }
  if (!c.sshKeys.length) lines.push('cloud-init: no ssh keys');
  lines.push(`cloud-init: user-data ${c.userData.length} bytes`);
  c.interfaces.forEach((nic, i) => {
    const via = nic.gateway ? ` via ${nic.gateway}` : '';
    lines.push(`cloud-init: network eth${i} ${nic.mac} ${nic.addresses.join(' ') || 'dhcp'}${via}`);
  });
  return [...lines, 'Welcome to the Xenplane simulated guest', `${c.hostname} login:`];
}
