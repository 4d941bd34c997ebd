// The control plane's systemd units (deploy/systemd) as systemd reads them: Debian's
// systemd-analyze checks them without a running systemd (none runs here), and rates their
// sandboxing offline. The agent's unit is checked with its package (agent-package.int.spec.ts).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cloud/dist';

const dir = join(repoRoot(), 'deploy/systemd');
const scratch = mkdtempSync(join(tmpdir(), 'xenplane-units-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// a template is verified as one of its instances
const UNITS: [string, string][] = [
  ['xenplane-api.service', 'xenplane-api.service'],
  ['xenplane-scheduler@.service', 'xenplane-scheduler@monitor-1.service'],
];

describe.each(UNITS)('deploy/systemd/%s', (file, as) => {
  const unit = join(scratch, as);
  beforeAll(() => copyFileSync(join(dir, file), unit));

  it('is a unit systemd accepts', () => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', cwd: scratch });
    expect(r.error).toBeUndefined();
    expect(r.stderr.split('\n').filter((l) => l.includes(as))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it("is sandboxed: systemd's exposure rating below 2.5 (of 10)", () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', unit], { encoding: 'utf8', cwd: scratch });
    const rating = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1];
    expect(Number(rating)).toBeLessThan(2.5);
  });
});
