import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FaultKind } from '@xenplane/proto';
import { Cloud, waitFor } from '@xenplane/testing';

const repo = join(__dirname, '../../..');
// the build the cloud's processes run from (libs/testing's distDir: XENPLANE_DIST_DIR, else dist/)
const dist = process.env['XENPLANE_DIST_DIR'] ?? join(repo, 'dist');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `xp` as a user or a CI job runs it: the built CLI (dist/apps/cli) in a process of its own,
 * against the whole simulated cloud, with its exit codes, its config file, its completion
 * scripts, and docs/ci's shell script and GitHub Actions workflow run as written. The simulated
 * guests offer no sshd: a fake `ssh` on PATH records the arguments xp execs it with.
 */
describe('xp, the command line', () => {
  let cloud: Cloud;
  let dir: string;
  let binDir: string;
  let sshLog: string;
  /** the environment of a CI job: the API and the admin's token in XENPLANE_URL / XENPLANE_TOKEN */
  let ciEnv: Record<string, string>;

  beforeAll(async () => {
    cloud = await Cloud.start({ hosts: 1 });
    dir = mkdtempSync(join(tmpdir(), 'xp-cli-e2e-'));
    binDir = join(dir, 'bin');
    mkdirSync(binDir);
    sshLog = join(dir, 'ssh-argv');
    // xp: the built CLI, as the `bin` of package.json runs it
    writeFileSync(
      join(binDir, 'xp'),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(dist, 'apps/cli/src/main.js'))} "$@"\n`,
    );
    // ssh: writes its arguments one a line, says so, exits with FAKE_SSH_EXIT (default 0)
    writeFileSync(
      join(binDir, 'ssh'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "$FAKE_SSH_LOG"\necho "fake ssh ran: $*"\nexit "\${FAKE_SSH_EXIT:-0}"\n`,
    );
    chmodSync(join(binDir, 'xp'), 0o755);
    chmodSync(join(binDir, 'ssh'), 0o755);
    ciEnv = {
      PATH: `${binDir}:${process.env['PATH']}`,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config-unused'),
      XENPLANE_URL: cloud.apiUrl,
      XENPLANE_TOKEN: cloud.adminToken,
      FAKE_SSH_LOG: sshLog,
    };
  });
  afterAll(() => cloud?.stop());

  function xp(args: string[], env: Record<string, string> = ciEnv): Promise<Run> {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(join(binDir, 'xp'), args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  const json = (r: Run) => {
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(r.stdout);
  };

  it('creates a VM with --wait and prints it running, as JSON, its TTL and metadata applied', async () => {
    const r = await xp([
      ...['vm', 'create', 'cli-web', '--flavor', 'xp.micro', '--image', 'tiny-pv'],
      ...['--ttl', '1h', '--metadata', 'ci_job=e2e-1', '--wait', '--timeout', '1m', '-o', 'json'],
    ]);
    const vm = json(r);
    expect(vm).toMatchObject({ name: 'cli-web', state: 'running', metadata: { ci_job: 'e2e-1' } });
    const ttlMs = Date.parse(vm.expiresAt) - Date.parse(vm.createdAt);
    expect(ttlMs).toBe(3_600_000);
    // what xp printed is the API's own object
    expect((await cloud.api.get(`/v1/vms/${vm.id}`)).body).toMatchObject({ id: vm.id, state: 'running' });

    // and the list shows it, as an array of the API's items, in JSON and YAML alike
    const listed = json(await xp(['vm', 'list', '-o', 'json']));
    expect(listed.map((v: { id: string }) => v.id)).toContain(vm.id);
    const yaml = await xp(['vm', 'list', '-o', 'yaml']);
    expect(parse(yaml.stdout)).toEqual(listed);
  });

  it("prints an operation's timeline: its steps as a table, or the API's object as JSON", async () => {
    const created = await cloud.api.post('/v1/vms', { name: 'cli-timed', flavor: 'xp.micro', image: 'tiny-pv' });
    const opId = created.body.operations[0].id as string;
    await cloud.waitForOperation(opId);
    const t = await waitFor('the run of the scheduler in the timeline', async () => {
      const r = json(await xp(['op', 'timeline', opId, '-o', 'json']));
      return r.steps.some((s: { name: string }) => s.name === 'scheduler.run') ? r : undefined;
    });
    expect(t).toMatchObject({ operationId: opId, status: 'succeeded' });
    const table = await xp(['op', 'timeline', opId, '-o', 'table']);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^AT MS\s+STEP\s+SIDE\s+MS\s+FAILED$/);
    // nested steps indented under the step they ran in
    expect(lines.some((l) => /^\d+\s+scheduler\.run\s+scheduler/.test(l))).toBe(true);
    expect(lines.some((l) => /^\d+\s{4,}placement\s+scheduler/.test(l))).toBe(true);
    expect(table.stdout).toMatch(/succeeded, .* in all \(api .*, queue .*, scheduler .*, agent .*\)/);
  });

  it('exits 1 when the VM ends in error, saying why', async () => {
    // a flavor larger than any host: within quota, placed nowhere
    const hosts = (await cloud.api.get('/v1/hosts')).body.items as { capacity: { memoryMb: number } }[];
    const memoryMb = Math.max(...hosts.map((h) => h.capacity.memoryMb)) + 1024;
    expect((await cloud.api.post('/v1/flavors', { name: 'cli.huge', vcpus: 1, memoryMb, diskGb: 1 })).status).toBe(201);
    const r = await xp([
      'vm',
      'create',
      'cli-huge',
      '--flavor',
      'cli.huge',
      '--image',
      'tiny-pv',
      '--wait',
      '-o',
      'json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xp: VM \S+ is error, not running \(.*\)\n$/);
    const [vm] = (await cloud.api.get('/v1/vms?state=error')).body.items.filter((v: any) => v.name === 'cli-huge');
    expect(vm.error.code).toBe('no_valid_host');
    expect(r.stderr).toContain(vm.id);
  });

  it('exits 2 on a bad flag value, having created nothing', async () => {
    const before = (await cloud.api.get('/v1/vms')).body.items.length;
    const r = await xp(['vm', 'create', 'cli-bad', '--flavor', 'xp.micro', '--image', 'tiny-pv', '--ttl', '10x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"10x" is not a duration');
    expect((await cloud.api.get('/v1/vms')).body.items.length).toBe(before);
  });

  it('exits 3 when the VM cannot be running within --timeout, after about that long', async () => {
    const [host] = (await cloud.api.get('/v1/hosts')).body.items as { name: string }[];
    const control = await cloud.simControl(host!.name);
    await control.injectFault({ kind: FaultKind.FAULT_KIND_SLOW, delayMs: 3_000, durationMs: 8_000 });
    try {
      const r = await xp([
        'vm',
        'create',
        'cli-slow',
        '--flavor',
        'xp.micro',
        '--image',
        'tiny-pv',
        '--wait',
        '--timeout',
        '1s',
      ]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^xp: timed out: VM \S+ running: not within 1000 ms\n$/);
      expect(r.ms).toBeGreaterThanOrEqual(1_000);
      expect(r.ms).toBeLessThan(2_900);
    } finally {
      await control.clearFaults();
    }
    // the VM goes on being built: a timeout is the caller's, not the cloud's
    const [vm] = (await cloud.api.get('/v1/vms')).body.items.filter((v: any) => v.name === 'cli-slow');
    await cloud.waitForVmState(vm.id, 'running');
  });

  it('exits 4 for a VM that does not exist, and 5 for a token the API refuses', async () => {
    const missing = await xp(['vm', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('HTTP 404');

    const bogus = await xp(['vm', 'list'], { ...ciEnv, XENPLANE_TOKEN: 'xp_not-a-token' });
    expect(bogus.code).toBe(5);
    expect(bogus.stderr).toContain('HTTP 401');
    expect(bogus.stderr).not.toContain('xp_not-a-token');
  });

  it('declares a shared storage pool and lists the pool’s storage; a bad device path exits 1 with the API’s problem, nothing made', async () => {
    const poolId = await cloud.defaultPoolId();
    const bad = await xp([
      'pool',
      'add-shared-storage',
      poolId,
      '--name',
      'bad',
      '--device',
      '/etc/shadow',
      '--capacity-gb',
      '10',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('devicePath');
    expect(bad.stderr).toContain('HTTP 400');
    const made = json(
      await xp([
        'pool',
        'add-shared-storage',
        poolId,
        '--name',
        'san',
        '--device',
        '/dev/xp-shared',
        '--capacity-gb',
        '10',
        '-o',
        'json',
      ]),
    );
    expect(made).toMatchObject({ name: 'san', kind: 'shared', devicePath: '/dev/xp-shared', isDefault: false });
    const table = await xp(['pool', 'storage', poolId, '-o', 'table']);
    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+NAME\s+KIND\s+DEFAULT\s+DEVICE\s+TOTALGB\s+USEDGB/i);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(1, 3))).toEqual([
      ['san', 'shared'],
      ['local', 'local'],
    ]);
  });

  it('keeps a checked token in a 0600 profile, never prints it, and forgets it on logout', async () => {
    const home = join(dir, 'login-config');
    const env = { PATH: ciEnv['PATH']!, HOME: dir, XDG_CONFIG_HOME: home };
    const refused = await xp(['login', '--url', cloud.apiUrl, '--token', 'xp_wrong'], env);
    expect(refused.code).toBe(5);
    expect(() => statSync(join(home, 'xenplane/config.yaml'))).toThrow();

    const login = await xp(
      ['login', '--url', cloud.apiUrl, '--token', cloud.adminToken, '--profile', 'lab', '-o', 'json'],
      env,
    );
    expect(json(login)).toMatchObject({ profile: 'lab', url: cloud.apiUrl, role: 'admin', global: true });
    expect(login.stdout).not.toContain(cloud.adminToken);
    expect(statSync(join(home, 'xenplane')).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'xenplane/config.yaml')).mode & 0o777).toBe(0o600);

    // the profile, chosen by flag or environment, is what later commands use
    const who = await xp(['whoami', '-o', 'json'], { ...env, XENPLANE_PROFILE: 'lab' });
    expect(json(who)).toMatchObject({ url: cloud.apiUrl, profile: 'lab', role: 'admin' });
    expect(who.stdout).not.toContain(cloud.adminToken);
    expect((await xp(['whoami'], env)).code).toBe(2); // no default profile

    expect((await xp(['logout', '--profile', 'lab'], env)).code).toBe(0);
    expect(parse(readFileSync(join(home, 'xenplane/config.yaml'), 'utf8'))).toEqual({ profiles: {} });
    expect((await xp(['whoami', '--profile', 'lab'], env)).code).toBe(2);
  });

  it("execs ssh with the VM's address, the user and the key file, and exits with ssh's code", async () => {
    const vm = json(
      await xp(['vm', 'create', 'cli-ssh', '--flavor', 'xp.micro', '--image', 'tiny-pv', '--wait', '-o', 'json']),
    );
    const r = await xp(['vm', 'ssh', vm.id, '-l', 'ci', '-i', '/keys/id_ed25519', '--', 'uname', '-a'], {
      ...ciEnv,
      FAKE_SSH_EXIT: '7',
    });
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('fake ssh ran');
    expect(readFileSync(sshLog, 'utf8').trim().split('\n')).toEqual([
      '-i',
      '/keys/id_ed25519',
      '-l',
      'ci',
      vm.addresses[0].ip,
      'uname',
      '-a',
    ]);
  });

  it('follows the event stream as JSON lines until interrupted', async () => {
    // from the first event on: what happened before the stream was open is replayed, then it goes on live
    const child = spawn(
      join(binDir, 'xp'),
      ['events', '--follow', '--since', '0', '--types', 'vm.state', '-o', 'json'],
      {
        env: ciEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const created = await cloud.api.post('/v1/vms', { name: 'cli-events', flavor: 'xp.micro', image: 'tiny-pv' });
      const id = created.body.vms[0].id;
      const lines = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      await waitFor('the VM running on the stream', async () =>
        lines().some((e) => e.resourceId === id && e.data.state === 'running') ? true : undefined,
      );
      expect(lines().every((e) => e.type === 'vm.state')).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('generates completion scripts from the command tree that bash accepts and completes with', async () => {
    const bash = await xp(['completion', 'bash']);
    expect(bash.code).toBe(0);
    const script = join(dir, 'xp.bash');
    writeFileSync(script, bash.stdout);
    expect((await sh('bash', ['-n', script])).code).toBe(0);
    const complete = async (...words: string[]) =>
      (
        await sh('bash', [
          '-c',
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; ` +
            `_xp_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ])
      ).stdout
        .trim()
        .split('\n');
    expect(await complete('xp', 'vm', 'cr')).toEqual(['create']);
    expect(await complete('xp', 'vm', 'list', '--state', 'ru')).toEqual(['running']);
    expect(await complete('xp', '-o', 'y')).toEqual(['yaml']);
    expect(await complete('xp', 'host', '')).toEqual(
      expect.arrayContaining(['list', 'show', 'maintenance', 'enable', 'declare-dead']),
    );

    const zsh = await xp(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef xp\n/);
    expect(zsh.stdout).toContain("'xp vm create'");
  });

  it("runs docs/ci/job.sh's whole life: create with TTL and key, wait, ssh, delete", async () => {
    const r = await sh('bash', [join(repo, 'docs/ci/job.sh')], {
      ...ciEnv,
      CI_JOB_ID: 'sh-1',
      XP_FLAVOR: 'xp.micro',
      XP_IMAGE: 'tiny-pv',
      XP_SSH_USER: 'ci',
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const [, ip] = /is running at (\S+)/.exec(r.stdout)!;
    await expectJobRan('sh-1', 'ci', ip!);
  });

  it('runs the GitHub Actions workflow of docs/ci step by step with its env', async () => {
    const workflow = parse(readFileSync(join(repo, 'docs/ci/github-actions.yml'), 'utf8'));
    const job = workflow.jobs.test;
    const runnerTemp = mkdtempSync(join(dir, 'runner-'));
    const githubEnv = join(runnerTemp, 'github-env');
    writeFileSync(githubEnv, '');
    const expressions: Record<string, string> = {
      'secrets.XENPLANE_URL': cloud.apiUrl,
      'secrets.XENPLANE_TOKEN': cloud.adminToken,
      'github.run_id': '77',
      'github.run_attempt': '1',
    };
    const expand = (s: string) => s.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_m, e: string) => expressions[e] ?? '');
    const jobEnv = Object.fromEntries(
      Object.entries(job.env as Record<string, string>).map(([k, v]) => [k, expand(v)]),
    );
    // the simulated cloud's catalogue instead of a real one's
    Object.assign(jobEnv, { XP_FLAVOR: 'xp.micro', XP_IMAGE: 'tiny-pv', XP_SSH_USER: 'ci' });
    let failed = false;
    let running: { state: string; addresses: { ip: string }[] } | undefined;
    const ran: string[] = [];
    for (const step of job.steps as { name: string; run: string; if?: string }[]) {
      // xp is on PATH already: installing the published package is the one step not run here
      if (step.name === 'Install xp') continue;
      if (failed && step.if !== 'always()') continue;
      // what GitHub's runner does: GITHUB_ENV lines become the next steps' environment
      const exported = Object.fromEntries(
        readFileSync(githubEnv, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const r = await sh('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(step.run)], {
        ...ciEnv,
        ...jobEnv,
        ...exported,
        RUNNER_TEMP: runnerTemp,
        GITHUB_ENV: githubEnv,
      });
      ran.push(`${step.name}: ${r.code}`);
      if (step.name === 'Wait for it to run' && r.code === 0) running = JSON.parse(r.stdout);
      if (r.code !== 0) {
        failed = true;
        console.log(step.name, r.stdout, r.stderr);
      }
    }
    expect(ran.every((s) => s.endsWith(': 0'))).toBe(true);
    expect(ran).toHaveLength(5);
    expect(running!.state).toBe('running');
    await expectJobRan('gh-77-1', 'ci', running!.addresses[0]!.ip, join(runnerTemp, 'id_ed25519'));
  });

  /** The job's VM: created with its TTL and key, reached by ssh as the user at its address, and deleted since. */
  async function expectJobRan(job: string, user: string, ip: string, keyFile?: string) {
    const [vm] = (await cloud.api.get('/v1/vms?state=deleted')).body.items.filter((v: any) => v.name === `ci-${job}`);
    expect(vm).toMatchObject({ state: 'deleted', metadata: { ci_job: job } });
    expect(Date.parse(vm.expiresAt) - Date.parse(vm.createdAt)).toBe(3_600_000);
    expect(vm.sshKeys).toEqual([expect.stringMatching(new RegExp(`^ssh-ed25519 \\S+ ci-${job}$`))]);
    const argv = readFileSync(sshLog, 'utf8').trim().split('\n');
    expect(argv.slice(0, 4)).toEqual(['-i', keyFile ?? expect.stringMatching(/id_ed25519$/), '-l', user]);
    // its address: what it had while it ran (a deleted VM's addresses go back to the network)
    expect(ip).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(argv).toContain(ip);
    expect(argv.slice(argv.indexOf(ip) + 1).join(' ')).toBe('uname -a');
  }

  function sh(cmd: string, args: string[], env: Record<string, string> = ciEnv): Promise<Run> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
    });
  }
});
