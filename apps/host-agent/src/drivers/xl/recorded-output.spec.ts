// The xl driver's parsers against what a real Xen 4.17 printed. The fixtures were recorded in
// the xen-lab (a real hypervisor under QEMU) by `node xen-lab/record-fixtures.mjs` and
// `node xen-lab/dry-run-configs.mjs`; apps/host-agent/fixtures/xen-4.17/README.md says how.
// Values asserted below were read off those files: re-recording may change the few that
// depend on the run (free memory, cpu time, domain ids).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DomainSpec, DomainState, GuestType, LifecycleAction } from '@xenplane/proto';
import { type AgentErrorCode } from '../../errors';
import { validateDomainSpec } from '../spec-validation';
import { cpuFeaturesFromHwCaps, inventoryFromXlInfo, parseXlInfo } from './parse-info';
import { parseXlList, parseXlListLong } from './parse-list';
import { renderXlConfig } from './xl-config';
import { xlFailure } from './xl-errors';

const FIXTURES = join(__dirname, '../../../fixtures/xen-4.17');
const read = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');

/** One recorded command: its stdout, stderr and exit code, as xl left them. */
const recorded = (name: string) => ({
  stdout: read(`${name}.stdout`),
  stderr: read(`${name}.stderr`),
  code: Number(read(`${name}.rc`).trim()),
});

const GUEST_ID = '6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
const GUEST = `xp-${GUEST_ID}`;

describe('xl info (recorded, Xen 4.17)', () => {
  const info = recorded('xl-info');

  it('succeeded with nothing on stderr', () => {
    expect(info.code).toBe(0);
    expect(info.stderr).toBe('');
  });

  it('parses every "key : value" line, values trimmed', () => {
    const kv = parseXlInfo(info.stdout);
    const lines = info.stdout.split('\n').filter((l) => l.trim());
    expect(Object.keys(kv)).toHaveLength(lines.length);
    expect(kv['xen_version']).toBe('4.17.7');
    expect(kv['xen_major']).toBe('4');
    expect(kv['xen_minor']).toBe('17');
    expect(kv['xen_extra']).toBe('.7');
    expect(kv['virt_caps']).toBe('pv hvm hap gnttab-v1 gnttab-v2');
    // an empty value stays empty, a value holding colons keeps them
    expect(kv['xen_changeset']).toBe('');
    expect(kv['hw_caps']).toBe('078bf3fd:c0002001:20100800:00000005:00000000:00000000:00000000:00000000');
    expect(kv['xen_commandline']).toContain('com1=115200,8n1');
  });

  it('gives the inventory the control plane uses', () => {
    const inv = inventoryFromXlInfo(parseXlInfo(info.stdout));
    expect(inv).toEqual({
      hostname: 'xen-lab',
      xenVersion: '4.17.7',
      nrCpus: 1,
      coresPerSocket: 1,
      threadsPerCore: 1,
      nrNodes: 1,
      totalMemoryMb: 1535,
      freeMemoryMb: 1004,
      hvm: true,
      hap: true,
      xenCaps: 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64',
      xenScheduler: 'credit2',
      hwCaps: ['078bf3fd', 'c0002001', '20100800', '00000005', '00000000', '00000000', '00000000', '00000000'],
    });
  });

  it('turns hw_caps into feature names (fpu is word 0 bit 0)', () => {
    const features = cpuFeaturesFromHwCaps(inventoryFromXlInfo(parseXlInfo(info.stdout)).hwCaps);
    expect(features).toContain('w0b0');
    expect(features.every((f) => /^w[0-7]b\d+$/.test(f))).toBe(true);
  });
});

describe('xl list (recorded)', () => {
  it('dom0 alone', () => {
    const r = recorded('xl-list');
    expect(r.code).toBe(0);
    expect(parseXlList(r.stdout)).toEqual([
      {
        name: 'Domain-0',
        domId: 0,
        memoryMb: 512,
        vcpus: 1,
        state: DomainState.DOMAIN_STATE_RUNNING,
        cpuTimeSeconds: expect.any(Number),
      },
    ]);
  });

  it('dom0 and a running (idle, so blocked) PV guest', () => {
    const rows = parseXlList(recorded('xl-list-guest').stdout);
    expect(rows.map((r) => r.name)).toEqual(['Domain-0', GUEST]);
    expect(rows[1]).toEqual({
      name: GUEST,
      domId: 2,
      memoryMb: 128,
      vcpus: 1,
      state: DomainState.DOMAIN_STATE_BLOCKED,
      cpuTimeSeconds: expect.any(Number),
    });
    expect(rows[1]!.cpuTimeSeconds).toBeGreaterThan(0);
  });

  it('one domain by name, then paused ("-bp---" is paused)', () => {
    expect(parseXlList(recorded('xl-list-guest-by-name').stdout)).toEqual([
      expect.objectContaining({ name: GUEST, state: DomainState.DOMAIN_STATE_BLOCKED }),
    ]);
    expect(parseXlList(recorded('xl-list-guest-paused').stdout)).toEqual([
      expect.objectContaining({ name: GUEST, state: DomainState.DOMAIN_STATE_PAUSED }),
    ]);
  });

  it('after the guest is destroyed, dom0 alone again', () => {
    expect(parseXlList(recorded('xl-list-after-destroy').stdout).map((r) => r.name)).toEqual(['Domain-0']);
  });
});

describe('xl list -l (recorded)', () => {
  it('dom0 alone: no uuid, no max_vcpus in its config', () => {
    expect(parseXlListLong(recorded('xl-list-l').stdout)).toEqual([
      { domId: 0, name: 'Domain-0', uuid: '', type: 'pv', maxMemoryMb: 512, targetMemoryMb: 512, maxVcpus: 0 },
    ]);
  });

  it('maps the guest back to its vm id through the uuid', () => {
    const details = parseXlListLong(recorded('xl-list-l-guest').stdout);
    expect(details).toHaveLength(2);
    expect(details[1]).toEqual({
      domId: 2,
      name: GUEST,
      uuid: GUEST_ID,
      type: 'pv',
      maxMemoryMb: 256,
      targetMemoryMb: 128,
      maxVcpus: 2,
    });
  });
});

describe('the recorded guest config is what the renderer writes today', () => {
  it('matches renderXlConfig for the spec record-fixtures.mjs used', () => {
    const spec: DomainSpec = {
      vmId: GUEST_ID,
      name: 'lab',
      guestType: GuestType.GUEST_TYPE_PV,
      vcpus: 1,
      maxVcpus: 2,
      memoryMb: 128,
      maxMemoryMb: 256,
      cpus: '',
      boot: {
        kernel: '/boot/vmlinuz',
        ramdisk: '/boot/tiny.cpio.gz',
        cmdline: 'console=hvc0 panic=-1',
        bootloader: '',
        hvmBoot: '',
        serial: '',
        vnc: false,
      },
      disks: [],
      vifs: [],
      onPoweroff: LifecycleAction.LIFECYCLE_ACTION_DESTROY,
      onReboot: LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED,
      onCrash: LifecycleAction.LIFECYCLE_ACTION_UNSPECIFIED,
      epoch: 1,
      cloudInit: undefined,
    };
    expect(renderXlConfig(validateDomainSpec(spec), { diskTargets: [] })).toBe(read('cfg-guest.cfg'));
  });

  it('booted: xl create exited 0 (its stderr still holds an "xc: error: panic" line about gunzip)', () => {
    const r = recorded('xl-create-guest');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/inflate failed/);
  });
});

describe('xlFailure on recorded xl errors', () => {
  const cases: [string, string[], AgentErrorCode][] = [
    ['xl-destroy-nonexistent', ['destroy', 'nonexistent'], 'not_found'],
    ['xl-pause-nonexistent', ['pause', 'nonexistent'], 'not_found'],
    ['xl-shutdown-nonexistent', ['shutdown', '-w', 'nonexistent'], 'not_found'],
    ['xl-mem-set-nonexistent', ['mem-set', 'nonexistent', '256m'], 'not_found'],
    ['xl-create-syntax-error', ['create', '/lab/cfg/syntax-error.cfg'], 'invalid_argument'],
    // "Invalid domain type pvx."
    ['xl-create-bad-type', ['create', '/lab/cfg/bad-type.cfg'], 'invalid_argument'],
    // "config parsing error in disk specification: unknown value for format: near `qcow9' ..."
    ['xl-create-bad-disk', ['create', '/lab/cfg/bad-disk.cfg'], 'invalid_argument'],
    ['xl-create-too-much-memory', ['create', '/lab/cfg/too-much-memory.cfg'], 'resource_exhausted'],
    ['xl-create-guest-again', ['create', '/lab/cfg/guest.cfg'], 'already_exists'],
  ];

  it.each(cases)('%s (xl %j) maps to %s', (name, args, code) => {
    const r = recorded(name);
    expect(r.code).not.toBe(0);
    const err = xlFailure(args, r);
    expect(err.code).toBe(code);
    // the operator sees xl's own last words
    const lastLine = r.stderr.trim().split('\n').at(-1)!;
    expect(err.message).toContain(lastLine);
  });
});

interface DryRunResult {
  name: string;
  pass: boolean;
  rc: number;
  stderr: string;
  spec: DomainSpec;
  /** the config drive's ISO a spec with cloud_init attaches */
  configDrive?: string;
  config: string;
  semanticMismatches: string[];
}

describe('recorded dry run of rendered configs (xl -N create, xen-lab/dry-run-configs.mjs)', () => {
  const dry = JSON.parse(read('config-dry-run.json')) as { results: DryRunResult[] };

  it('covers a config drive on pv, pvh and hvm', () => {
    const types = dry.results.filter((r) => r.configDrive).map((r) => r.spec.guestType);
    expect([...new Set(types)].sort()).toEqual(
      [GuestType.GUEST_TYPE_HVM, GuestType.GUEST_TYPE_PV, GuestType.GUEST_TYPE_PVH].sort(),
    );
  });

  it('covers pv, pvh and hvm and every lifecycle action', () => {
    const types = new Set(dry.results.map((r) => r.spec.guestType));
    expect([...types].sort()).toEqual(
      [GuestType.GUEST_TYPE_HVM, GuestType.GUEST_TYPE_PV, GuestType.GUEST_TYPE_PVH].sort(),
    );
    const actions = new Set(dry.results.flatMap((r) => [r.spec.onPoweroff, r.spec.onReboot, r.spec.onCrash]));
    for (const a of Object.values(LifecycleAction))
      if (a !== LifecycleAction.UNRECOGNIZED) expect(actions).toContain(a);
  });

  it('recorded the configs the renderer writes today (re-run the dry run if not)', () => {
    for (const r of dry.results) {
      const valid = validateDomainSpec(r.spec);
      const targets = { diskTargets: valid.disks.map((d) => d.target), configDrive: r.configDrive };
      expect(renderXlConfig(valid, targets)).toBe(r.config);
    }
  });

  // Every spec our validation accepts must be a config xl accepts.
  it.each(dry.results.map((r) => [r.name, r] as const))('%s passed xl -N create', (_name, r) => {
    expect({ rc: r.rc, stderr: r.rc === 0 ? '' : r.stderr }).toEqual({ rc: 0, stderr: '' });
    expect(r.pass).toBe(true);
  });

  it.each(dry.results.filter((r) => r.pass).map((r) => [r.name, r] as const))(
    '%s: xl understood what the spec meant',
    (_name, r) => {
      expect(r.semanticMismatches).toEqual([]);
    },
  );
});
