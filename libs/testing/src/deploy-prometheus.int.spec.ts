import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cloud/dist';
import { mustRunEveryTest } from './required';

/** Debian's `prometheus` package's promtool (scripts/test.mjs installs it when root); XENPLANE_PROMTOOL points at another. */
const PROMTOOL = process.env['XENPLANE_PROMTOOL'] ?? '/usr/bin/promtool';

function promtool(...args: string[]): string {
  return execFileSync(PROMTOOL, args, { cwd: join(repoRoot(), 'deploy/prometheus'), encoding: 'utf8' });
}

const title = "deploy/prometheus, as Prometheus's own promtool reads it";
if (existsSync(PROMTOOL)) {
  describe(title, () => {
    it('loads the alert rules', () => {
      expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
    });

    it('loads the scrape config, with the rules it names, offline', () => {
      const out = promtool('check', 'config', 'prometheus.yml');
      expect(out).toMatch(/SUCCESS: prometheus.yml is valid/);
      expect(out).not.toMatch(/WARNING/);
    });
  });
} else if (mustRunEveryTest()) {
  describe(title, () => {
    it('can run on this machine (CI / XENPLANE_REQUIRE_XEN=1)', () => {
      throw new Error(
        `this machine must check deploy/prometheus, and cannot: no promtool at ${PROMTOOL} (apt-get install prometheus)`,
      );
    });
  });
} else {
  process.stdout.write(`promtool checks skipped: no promtool at ${PROMTOOL} (apt-get install prometheus)\n`);
  describe.skip(title, () => it('checks deploy/prometheus', () => undefined));
}
