// The real-Xen tier: boots Xen 4.17 under QEMU once (xen-lab/dry-run-configs.mjs, about 20-40 s
// on two cores) and checks, from that one boot, that
//   - every config the agent's renderer writes for the spec table in xen-lab/specs.mjs passes
//     the real xl parser (`xl -N create`) and means to xl what the spec meant;
//   - the real `xl info` parses with our parser (loaded from dist/) into a usable inventory.
// Skipped, with the reason printed, when this machine cannot run the lab; under
// XENPLANE_REQUIRE_XEN=1 (CI) that fails instead (lab-requirements.ts).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, labDescribe, ROOT } from './lab-requirements';

const LAB_TIMEOUT_S = 420;

// The agent's own xl info parser, from the build the agent runs (apps may not import each other).
interface InfoParser {
  parseXlInfo(text: string): Record<string, string>;
  inventoryFromXlInfo(info: Record<string, string>): {
    xenVersion: string;
    nrCpus: number;
    totalMemoryMb: number;
    freeMemoryMb: number;
    hvm: boolean;
    hap: boolean;
    xenScheduler: string;
    hwCaps: string[];
  };
}
const loadParser = () =>
  createRequire(__filename)(join(DIST, 'apps/host-agent/src/drivers/xl/parse-info.js')) as InfoParser;

interface DryRun {
  total: number;
  passed: number;
  failed: string[];
  qemuPid: number;
  runDir: string;
  bootSeconds: number;
  xenReadySeconds: number;
  xlInfo: string;
  results: { name: string; pass: boolean; rc: number; stderr: string; semanticMismatches: string[] }[];
}

labDescribe('a real Xen 4.17 in QEMU (xen-lab)', 'apps/host-agent/src/drivers/xl/xl-config.js', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'xen-lab-e2e-'));
  const runName = `e2e-${process.pid}`;
  let dry: DryRun | undefined;
  let output = '';

  beforeAll(
    async () => {
      // a child process: the lab scripts are ES modules, and this keeps QEMU out of jest's process
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'xen-lab/dry-run-configs.mjs'),
          '--out',
          join(tmp, 'dry.json'),
          '--name',
          runName,
          '--timeout',
          String(LAB_TIMEOUT_S),
        ],
        {
          cwd: ROOT,
          env: { ...process.env, XENPLANE_DIST_DIR: DIST },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      // the script kills its own QEMU on every way out, including SIGTERM
      const guard = setTimeout(() => child.kill('SIGTERM'), (LAB_TIMEOUT_S + 30) * 1000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearTimeout(guard);
      if (existsSync(join(tmp, 'dry.json'))) dry = JSON.parse(readFileSync(join(tmp, 'dry.json'), 'utf8')) as DryRun;
      process.stdout.write(`xen-lab dry run exited ${code}: ${output.trim().split('\n').at(-1)}\n`);
    },
    (LAB_TIMEOUT_S + 60) * 1000,
  );

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    // nothing of this run may outlive it: no QEMU with our pid or our run directory in its args
    let left = '';
    try {
      left = execFileSync('pgrep', ['-a', '-f', 'qemu-system-x86_64'], { encoding: 'utf8' });
    } catch {
      left = ''; // pgrep exits 1 when nothing matches
    }
    const ours = left
      .split('\n')
      .filter((l) => l.includes(`/runs/${runName}/`) || (dry && l.startsWith(`${dry.qemuPid} `)));
    expect(ours).toEqual([]);
  });

  it('booted and ran the dry run to its end', () => {
    expect(dry).toBeDefined();
    expect(dry!.total).toBeGreaterThan(30);
    expect(dry!.bootSeconds).toBeLessThan(LAB_TIMEOUT_S);
  });

  it('every rendered config passes xl -N create', () => {
    const failures = dry!.results
      .filter((r) => !r.pass)
      .map((r) => `${r.name}: rc=${r.rc} ${r.stderr.trim().split('\n').at(-1)}`);
    expect(failures).toEqual([]);
  });

  it('xl understood each config as the spec meant it', () => {
    const mismatches = dry!.results
      .filter((r) => r.semanticMismatches.length)
      .map((r) => `${r.name}: ${r.semanticMismatches.join('; ')}`);
    expect(mismatches).toEqual([]);
  });

  it('xl info parses into a usable inventory', () => {
    const { parseXlInfo, inventoryFromXlInfo } = loadParser();
    const inv = inventoryFromXlInfo(parseXlInfo(dry!.xlInfo));
    expect(inv.xenVersion).toMatch(/^4\.17\./);
    expect(inv.nrCpus).toBeGreaterThanOrEqual(1);
    expect(inv.totalMemoryMb).toBeGreaterThan(1000);
    expect(inv.freeMemoryMb).toBeGreaterThan(0);
    expect(inv.freeMemoryMb).toBeLessThan(inv.totalMemoryMb);
    expect(inv.hvm).toBe(true);
    expect(inv.hap).toBe(true);
    expect(inv.xenScheduler).toBe('credit2');
    expect(inv.hwCaps.length).toBeGreaterThan(0);
  });
});
