import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const ROOT = join(__dirname, '../../..');
export const DIST = process.env['XENPLANE_DIST_DIR'] ?? join(ROOT, 'dist');

/**
 * Why this machine cannot run the xen-lab (missing Debian packages, or no build holding
 * `builtFile`), or null when it can. Tests skip with this reason printed.
 */
export function labSkipReason(builtFile: string): string | null {
  const onPath = (cmd: string) => (process.env['PATH'] ?? '').split(delimiter).some((d) => existsSync(join(d, cmd)));
  const missing = [
    ...(onPath('qemu-system-x86_64') ? [] : ['qemu-system-x86']),
    ...(existsSync('/boot/xen-4.17-amd64.gz') ? [] : ['xen-hypervisor-4.17-amd64']),
    ...(existsSync('/usr/lib/xen-4.17/bin/xl') ? [] : ['xen-utils-4.17']),
  ];
  if (missing.length) return `xen-lab needs: apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!existsSync(join(DIST, builtFile))) return `no build in ${DIST}: run node scripts/build.mjs`;
  return null;
}
