import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { parseSshPublicKey } from '@xenplane/domain';
import type { DomainSpec } from '@xenplane/proto';
import { configDriveOf } from '../config-drive';

/**
 * What a simulated guest prints on its console as it boots: a kernel line, then what cloud-init
 * read from its config drive (the same drive the xl driver is to attach: configDriveOf), the
 * way a real guest's console shows it, so a test reads it back through the console API. Never
 * the user-data itself: its size only.
 */
export function bootLines(spec: DomainSpec, domainName: string, root?: RootDiskBoots): string[] {
  const lines = [`[    0.000000] Linux version 6.1.0-xen (${domainName}) booting`];
  if (root) lines.push(`xenplane-sim: disk ${root.vdev} holds ${root.boots} boots before this one`);
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

/** What the simulated guest found on its root disk as it booted. */
export interface RootDiskBoots {
  vdev: string;
  /** boots recorded on the disk before this one */
  boots: number;
}

// The guest's "filesystem": a small text record at the start of its root disk, ended by a NUL
// (the rest of the disk stays a hole: the file keeps its size and stays sparse). It survives
// whatever the disk file goes through (snapshot, revert, clone), as a real guest's data would.
const RECORD_BYTES = 64 * 1024;
const HEADER = 'xenplane-sim boot record\n';

/** The `boot <n> <time>` lines on a disk file (none on a blank disk). */
export function readBootRecord(file: string): string[] {
  const buf = Buffer.alloc(RECORD_BYTES);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, buf, 0, RECORD_BYTES, 0);
    const end = buf.subarray(0, n).indexOf(0);
    const text = buf.subarray(0, end < 0 ? n : end).toString('utf8');
    if (!text.startsWith(HEADER)) return [];
    return text
      .slice(HEADER.length)
      .split('\n')
      .filter((l) => /^boot \d+ /.test(l));
  } finally {
    closeSync(fd);
  }
}

/** Records a boot on the disk file; answers how many boots it held before this one. */
export function recordBoot(file: string, at: Date): number {
  const lines = readBootRecord(file);
  const before = lines.length ? Number(lines[lines.length - 1]!.split(' ')[1]) : 0;
  lines.push(`boot ${before + 1} ${at.toISOString()}`);
  // the oldest lines go when the record is full; the count lives on in the last line
  while (Buffer.byteLength(HEADER + lines.join('\n')) + 2 > RECORD_BYTES) lines.shift();
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from(`${HEADER}${lines.join('\n')}\n\0`), 0, undefined, 0);
  } finally {
    closeSync(fd);
  }
  return before;
}
