import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cloud/dist';
import { mustRunEveryTest } from '../required';

/** Debian's chromium (apt-get install chromium); XENPLANE_CHROMIUM points at another build. */
export const CHROMIUM_PATH = process.env['XENPLANE_CHROMIUM'] ?? '/usr/bin/chromium';

/** Where scripts/build.mjs puts the console's vite build (the API's default CONSOLE_DIR). */
export function consoleDir(): string {
  return join(process.env['XENPLANE_DIST_DIR'] ?? join(repoRoot(), 'dist'), 'apps', 'console', 'web');
}

/**
 * A machine meant to run every tier (CI: .ci/run sets XENPLANE_REQUIRE_XEN=1; CI=true elsewhere)
 * fails the console tests, with the reason, when it cannot run them; a laptop skips them, saying why.
 */
export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return mustRunEveryTest(env);
}

/**
 * Why the console's browser tests cannot run here (no chromium, no console build), or null.
 * `exists` is replaceable for the unit test.
 */
export function browserSkipReason(
  exists: (path: string) => boolean = existsSync,
  chromium = CHROMIUM_PATH,
  web = consoleDir(),
): string | null {
  const missing: string[] = [];
  if (!exists(chromium))
    missing.push(`no chromium at ${chromium} (apt-get install chromium, or set XENPLANE_CHROMIUM)`);
  if (!exists(join(web, 'index.html'))) missing.push(`no console build in ${web} (run node scripts/build.mjs)`);
  return missing.length ? missing.join('; ') : null;
}

/**
 * describe() for a suite that drives the console in Chromium: as it is when it can run here; when
 * it cannot, skipped with the reason printed, or, on a machine that must run it (browserRequired),
 * one failing test that says why.
 */
export function browserDescribe(title: string, body: () => void): void {
  const reason = browserSkipReason();
  if (!reason) {
    describe(title, body);
  } else if (browserRequired()) {
    describe(title, () => {
      it('can run on this machine (CI / XENPLANE_REQUIRE_XEN=1)', () => {
        throw new Error(`this machine must run the console's browser tests, and cannot: ${reason}`);
      });
    });
  } else {
    process.stdout.write(`console browser tests skipped (${title}): ${reason}\n`);
    describe.skip(title, body);
  }
}
