import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(__dirname, '../../..');
export const DIST = process.env['XENPLANE_DIST_DIR'] ?? join(ROOT, 'dist');

/**
 * XENPLANE_REQUIRE_XEN=1 (set by .ci/run): this machine is meant to run the xen tier, so a tier
 * that cannot run fails, with the reason, instead of skipping. Unset (a laptop): it skips, with
 * the reason printed.
 */
export const XEN_REQUIRED = process.env['XENPLANE_REQUIRE_XEN'] === '1';

/**
 * Why this machine cannot run the xen-lab (what xen-lab/lab.mjs's requirements() says is
 * missing, or no build holding `builtFile`), or null when it can.
 */
export function labSkipReason(builtFile: string): string | null {
  // the lab's own answer (an ES module: asked in a child, as jest loads this file as CommonJS)
  const lab = pathToFileURL(join(ROOT, 'xen-lab/lab.mjs')).href;
  const script = `const { requirementsMessage } = await import(${JSON.stringify(lab)}); process.stdout.write(requirementsMessage() ?? '');`;
  const missing = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
  if (missing) return missing;
  if (!existsSync(join(DIST, builtFile))) return `no build in ${DIST}: run node scripts/build.mjs`;
  return null;
}

/**
 * describe() for a xen-lab suite: as it is when the lab can run here; when it cannot, skipped
 * with the reason printed, or, under XENPLANE_REQUIRE_XEN=1, one failing test that says why.
 */
export function labDescribe(title: string, builtFile: string, body: () => void): void {
  const reason = labSkipReason(builtFile);
  if (!reason) {
    describe(title, body);
  } else if (XEN_REQUIRED) {
    describe(title, () => {
      it('can run on this machine (XENPLANE_REQUIRE_XEN=1)', () => {
        throw new Error(`XENPLANE_REQUIRE_XEN=1: this machine must run the xen tier, and cannot: ${reason}`);
      });
    });
  } else {
    process.stdout.write(`xen tier skipped (${title}): ${reason}\n`);
    describe.skip(title, body);
  }
}
