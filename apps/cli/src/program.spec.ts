import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Sdk from '@xenplane/sdk';
import { SUMMARIES } from './commands/summaries';
import { buildProgram, modulesFor } from './program';

// The SDK's client, faked (its errors are its own): these tests are about what the command line
// makes of argv and of the SDK's answers, not about HTTP.
const sdk = {
  POST: jest.fn(),
  GET: jest.fn(),
  DELETE: jest.fn(),
  paginate: jest.fn(),
  waitForVm: jest.fn(),
  waitForOperation: jest.fn(),
};
jest.mock('@xenplane/sdk', () => ({ ...jest.requireActual('@xenplane/sdk'), createXenplane: () => sdk }));

// the SDK's own error classes (the CLI loads the SDK lazily: no static import of it here either)
const { ProblemError, TimeoutError, VmFailedError } = jest.requireActual<typeof Sdk>('@xenplane/sdk');

class Exited extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/** Runs `xp ...args`: what it printed and the code it exits with. */
async function xp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Exited(code as number);
  });
  process.exitCode = undefined;
  try {
    await (await buildProgram(args)).parseAsync(args, { from: 'user' });
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } catch (e) {
    if (e instanceof Exited) return { code: e.code ?? 0, stdout, stderr };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
    exit.mockRestore();
    process.exitCode = undefined;
  }
}

const problem = (status: number, code: string, title: string, detail?: string) =>
  new ProblemError({ status, code, title, ...(detail ? { detail } : {}) });

const VM = { id: '6f1c0b8e-2a3d-4c5e-9f60-718293a4b5c6', name: 'ci-1', state: 'pending', addresses: [] };

describe('xp argument parsing', () => {
  const env = { ...process.env };
  beforeEach(() => {
    jest.resetAllMocks();
    process.env['XENPLANE_URL'] = 'http://127.0.0.1:1';
    process.env['XENPLANE_TOKEN'] = 'xp_test';
  });
  afterAll(() => {
    process.env = env;
  });

  it("maps vm create's flags onto the API's create body", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xp-args-'));
    writeFileSync(join(dir, 'id.pub'), 'ssh-ed25519 AAAAC3Nza ci@runner\n');
    writeFileSync(join(dir, 'ud.yaml'), '#cloud-config\nruncmd: [true]\n');
    sdk.POST.mockResolvedValue({ vms: [VM], operations: [] });
    const r = await xp(
      ...['vm', 'create', 'ci-1', '--flavor', 'xp.micro', '--image', 'tiny-pv', '--ttl', '10m'],
      ...['--metadata', 'ci_job=42', '--metadata', 'branch=main', '--network', 'lan', '--network', 'storage'],
      ...['--ssh-key', join(dir, 'id.pub'), '--keypair', 'ci-key', '--user-data', `@${join(dir, 'ud.yaml')}`],
      ...['-o', 'json'],
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(sdk.POST).toHaveBeenCalledWith('/v1/vms', {
      body: {
        name: 'ci-1',
        flavor: 'xp.micro',
        image: 'tiny-pv',
        ttlSeconds: 600,
        metadata: { ci_job: '42', branch: 'main' },
        networks: ['lan', 'storage'],
        sshKeys: ['ssh-ed25519 AAAAC3Nza ci@runner', 'ci-key'],
        userData: '#cloud-config\nruncmd: [true]\n',
      },
    });
    // one VM asked for: the VM object itself, as the API gave it
    expect(JSON.parse(r.stdout)).toEqual(VM);
  });

  it('prints an array once --count is given, whatever the count', async () => {
    sdk.POST.mockResolvedValue({ vms: [VM], operations: [] });
    const r = await xp('vm', 'create', 'ci', '--flavor', 'f', '--image', 'i', '--count', '1', '-o', 'json');
    expect(sdk.POST.mock.calls[0][1].body.count).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([VM]);
  });

  it('names the --timeout asked for when --wait runs out, not what was left of it', async () => {
    sdk.POST.mockResolvedValue({ vms: [VM], operations: [] });
    // a millisecond went by between the deadline's start and the SDK's wait
    sdk.waitForVm.mockRejectedValue(new TimeoutError('VM running: not within 999 ms'));
    const r = await xp('vm', 'create', 'ci', '--flavor', 'f', '--image', 'i', '--wait', '--timeout', '1s');
    expect(sdk.waitForVm.mock.calls[0][2].timeoutMs).toBeLessThanOrEqual(1_000);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`xp: timed out: VM ${VM.id} running: not within 1000 ms\n`);
  });

  it('passes list filters as the query the API reads (state, name, metadata.k=v)', async () => {
    sdk.paginate.mockImplementation(async function* () {
      yield VM;
    });
    const r = await xp('vm', 'list', '--state', 'running', '--metadata', 'ci_job=42', '--name', 'ci-1', '-o', 'yaml');
    expect(r.code).toBe(0);
    expect(sdk.paginate).toHaveBeenCalledWith('/v1/vms', {
      params: { query: { state: 'running', name: 'ci-1', 'metadata.ci_job': '42' } },
    });
    expect(r.stdout).toContain('name: ci-1');
  });

  it.each([
    [
      'a bad TTL',
      ['vm', 'create', 'x', '--flavor', 'f', '--image', 'i', '--ttl', '10x'],
      /--ttl.*"10x" is not a duration/,
    ],
    [
      'a TTL past 30 days',
      ['vm', 'create', 'x', '--flavor', 'f', '--image', 'i', '--ttl', '31d'],
      /between 1s and 30d/,
    ],
    ['a count of 0', ['vm', 'create', 'x', '--flavor', 'f', '--image', 'i', '--count', '0'], /not between 1 and 100/],
    ['metadata without =', ['vm', 'create', 'x', '--flavor', 'f', '--image', 'i', '--metadata', 'k'], /not key=value/],
    ['no flavor', ['vm', 'create', 'x', '--image', 'i'], /--flavor <flavor>' not specified/],
    ['a state that is none', ['vm', 'list', '--state', 'sleeping'], /Allowed choices are pending/],
    ['an output format that is none', ['vm', 'list', '-o', 'xml'], /Allowed choices are table, json, yaml/],
    ['an unknown command', ['vm', 'explode'], /unknown command 'explode'/],
    ['an unknown option', ['vm', 'list', '--colour'], /unknown option '--colour'/],
    ['a command without its subcommand', ['vm'], /Usage: xp vm/],
    ['nothing at all', [], /Usage: xp/],
    ['a timeout of nothing', ['vm', 'wait', VM.id, '--timeout', '0s'], /more than 0/],
    [
      'a missing key file',
      ['vm', 'create', 'x', '--flavor', 'f', '--image', 'i', '--ssh-key', '/nonexistent.pub'],
      /cannot read/,
    ],
  ])('exits 2 on %s, having asked the API nothing', async (_what, args, message) => {
    const r = await xp(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sdk.POST).not.toHaveBeenCalled();
    expect(sdk.GET).not.toHaveBeenCalled();
    expect(sdk.paginate).not.toHaveBeenCalled();
  });

  it.each([
    [problem(404, 'not_found', 'Not Found', 'vm x not found'), 4, 'Not Found: vm x not found (HTTP 404, not_found)'],
    [problem(401, 'unauthorized', 'Unauthorized'), 5, 'HTTP 401'],
    [problem(403, 'forbidden', 'Forbidden'), 5, 'HTTP 403'],
    [problem(409, 'conflict', 'Conflict'), 1, 'HTTP 409'],
    [new TimeoutError('timed out after 2m'), 3, 'timed out after 2m'],
    [
      new VmFailedError({ id: 'v1', state: 'error', error: { code: 'no_valid_host' } }, ['running']),
      1,
      'VM v1 is error, not running (no_valid_host)',
    ],
  ])('exits with the documented code for %s', async (error, code, message) => {
    sdk.GET.mockRejectedValue(error);
    const r = await xp('vm', 'get', VM.id);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('exits 2 with what to do when there is no API to talk to', async () => {
    delete process.env['XENPLANE_URL'];
    process.env['XDG_CONFIG_HOME'] = mkdtempSync(join(tmpdir(), 'xp-noconfig-'));
    const r = await xp('vm', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run xp login');
  });

  it('documents the exit codes in --help, and exits 0 for it', async () => {
    const r = await xp('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}ok\n {2}1 {2}failed/);
    expect(r.stdout).toContain('5  unauthorized');
  });

  it('lists every command in --help without loading its module, and in the same words once loaded', async () => {
    const top = await xp('--help');
    for (const [name, summary] of Object.entries(SUMMARIES)) {
      const line = top.stdout.split('\n').find((l) => l.trimStart().startsWith(`${name} `));
      expect(line).toContain(summary.slice(0, 25));
    }
    const full = await buildProgram();
    for (const c of full.commands) expect(c.description()).toBe(SUMMARIES[c.name() as keyof typeof SUMMARIES]);
    expect(full.commands.map((c) => c.name())).toEqual(Object.keys(SUMMARIES));
  });

  it('loads the modules a command line names, each once (several commands share one)', async () => {
    expect(modulesFor(['--version'])).toEqual([]);
    expect(modulesFor(['vm', 'list', '-o', 'json'])).toEqual(['vm']);
    expect(modulesFor(['completion', 'bash'])).toEqual(Object.keys(SUMMARIES));
    expect((await xp('whoami', '--help')).code).toBe(0);
    expect((await xp('image', 'list', '--help')).stdout).toContain('Usage: xp image list');
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(`${__dirname}/../../../package.json`, 'utf8'));
    expect((await xp('--version')).stdout.trim()).toBe(version);
  });
});
