import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError } from '../../errors';
import type { ConfigDrive } from '../config-drive';
import type { XlCommand } from './command';

// genisoimage writes a few KB of ISO 9660 in milliseconds; a minute means it is stuck
const GENISOIMAGE_TIMEOUT_MS = 60_000;

/** Where a VM's config drive image lives: beside its xl config, so a purge takes both. */
export const configDriveIsoPath = (workDir: string, vmId: string) => join(workDir, 'configs', `${vmId}-cidata.iso`);

/**
 * genisoimage's arguments for a NoCloud drive: volume id cidata (what cloud-init looks for),
 * Joliet and Rock Ridge so the file names stay `meta-data`, `user-data`, `network-config`
 * (plain ISO 9660 would make them META_DAT.;1). The xen-lab runs exactly these in dom0.
 */
export function genisoimageArgs(iso: string, dir: string, label: string): string[] {
  return ['-output', iso, '-volid', label, '-joliet', '-rock', dir];
}

/**
 * Writes the drive's files into a private temporary directory, has genisoimage make the image
 * next to its final name, and renames it into place: a domain never sees a half-written drive,
 * and the directory (which holds the tenant's user-data) is removed whatever happens.
 */
export async function writeConfigDriveIso(
  drive: ConfigDrive,
  iso: string,
  genisoimage: XlCommand,
  signal: AbortSignal,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'xenplane-cidata-'));
  const part = `${iso}.part`;
  try {
    for (const f of drive.files) writeFileSync(join(dir, f.name), f.data, { mode: 0o600 });
    const r = await genisoimage.run(genisoimageArgs(part, dir, drive.label), {
      signal,
      timeoutMs: GENISOIMAGE_TIMEOUT_MS,
    });
    if (r.code !== 0) {
      // its stderr names files and options, never their contents
      const why = r.stderr.trim().split('\n').slice(-2).join(' | ');
      throw new AgentError('internal', `genisoimage failed to build the config drive (exit ${r.code}): ${why}`);
    }
    chmodSync(part, 0o600); // the tenant's user-data: for root's eyes only (xl and blkback run as root)
    renameSync(part, iso);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(part, { force: true });
  }
}
