// The host agent's Debian package (scripts/package-agent.mjs) as dpkg sees it, and the agent
// started from the unpacked package the way its systemd unit starts it: enrollment on first
// start, its identity on the next. No systemd runs here, so scripts/systemd-unit.mjs reads the
// unit (Environment=, EnvironmentFile=, ExecStart=) as systemd would; the xl driver is replaced
// by the simulator (no Xen here: the xen tier runs this package on the real one, in xen-lab).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentClient } from '@xenplane/agent-client';
import { type CertificateAuthority, loadOrCreateCa } from '@xenplane/pki';
import { type EnrollmentServer, startEnrollmentServer } from '../agent/enrollment-server';
import { browserRequired } from '../browser/requirements';
import { distDir, repoRoot } from '../cloud/dist';
import { ManagedProcess } from '../cloud/managed-process';
import { freePort } from '../cloud/ports';
import { waitFor } from '../cloud/wait';
import { effective, readDockerfile } from './dockerfile';

const root = repoRoot();
const UNIT = '/usr/lib/systemd/system/xenplane-agent.service';
const ENV_FILE = '/etc/xenplane/agent.env';
const MAIN = '/usr/lib/xenplane-agent/dist/apps/host-agent/src/main.js';
const TOKEN = 'package-test-token';

describe('xenplane-agent_<version>_amd64.deb', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenplane-deb-'));
  const tree = join(dir, 'root');
  const control = join(dir, 'control');
  let deb = '';
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const dpkgDeb = (...args: string[]) => execFileSync('dpkg-deb', args, { encoding: 'utf8' });

  beforeAll(() => {
    deb = execFileSync(process.execPath, [join(root, 'scripts/package-agent.mjs'), '--dist', distDir(), '--out', dir], {
      encoding: 'utf8',
    }).trim();
    mkdirSync(tree);
    execFileSync('dpkg-deb', ['-x', deb, tree]);
    execFileSync('dpkg-deb', ['-e', deb, control]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is named for its version and amd64, and depends on node 20.19 or later', () => {
    expect(deb).toBe(join(dir, `xenplane-agent_${version}_amd64.deb`));
    expect(dpkgDeb('--field', deb, 'Package', 'Version', 'Architecture', 'Depends')).toBe(
      `Package: xenplane-agent\nVersion: ${version}\nArchitecture: amd64\nDepends: nodejs (>= 20.19)\n`,
    );
    expect(dpkgDeb('--info', deb)).toMatch(/Description: Xenplane host agent/);
  });

  it('holds the agent under /usr/lib/xenplane-agent, its unit, and its settings as a 0600 conffile', () => {
    const entries = dpkgDeb('--contents', deb)
      .trim()
      .split('\n')
      .map((l) => {
        const f = l.split(/\s+/);
        return { mode: f[0]!, owner: f[1]!, path: f[5]!.replace(/^\./, '') };
      });
    const files = entries.filter((e) => !e.mode.startsWith('d'));
    const allowed =
      /^\/(usr\/lib\/xenplane-agent\/(dist|node_modules)\/|usr\/lib\/systemd\/system\/xenplane-agent\.service$|etc\/xenplane\/agent\.env$|usr\/share\/(doc|lintian\/overrides)\/xenplane-agent)/;
    expect(files.filter((e) => !allowed.test(e.path)).map((e) => e.path)).toEqual([]);
    expect(entries.filter((e) => e.owner !== 'root/root')).toEqual([]);
    const at = (p: string) => entries.find((e) => e.path === p);
    expect(at(ENV_FILE)?.mode).toBe('-rw-------');
    expect(at(UNIT)?.mode).toBe('-rw-r--r--');
    expect(at(MAIN)?.mode).toBe('-rw-r--r--');
    expect(at('/usr/lib/xenplane-agent/dist/apps/host-agent/src/migration-transport.js')).toBeDefined();
    expect(at('/usr/lib/xenplane-agent/node_modules/@grpc/grpc-js/package.json')).toBeDefined();
    // nothing node does not run: no sources, maps, test fixtures
    expect(files.filter((e) => /\.(ts|map)$|\/fixtures\//.test(e.path)).map((e) => e.path)).toEqual([]);
    expect(readFileSync(join(control, 'conffiles'), 'utf8')).toBe(`${ENV_FILE}\n`);
  });

  it('carries no machine code: node comes from the nodejs package', () => {
    const elf: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (readFileSync(p).subarray(0, 4).toString('latin1') === '\x7fELF') elf.push(p);
      }
    };
    walk(tree);
    expect(elf).toEqual([]);
  });

  it('has maintainer scripts that are valid sh, executable', () => {
    for (const script of ['postinst', 'prerm', 'postrm']) {
      expect(statSync(join(control, script)).mode & 0o777).toBe(0o755);
      expect(spawnSync('sh', ['-n', join(control, script)]).status).toBe(0);
    }
  });

  it('has a unit that runs the agent with the Dockerfile flags, hardened, and leaves guests running on stop', () => {
    const unit = readFileSync(join(tree, UNIT), 'utf8');
    const cmd = JSON.parse(effective(readDockerfile(join(root, 'Dockerfile')), 'host-agent', 'CMD')!) as string[];
    const flags = cmd.slice(1, -1);
    expect(unit).toContain(`\nExecStart=/usr/bin/node ${flags.join(' ')} ${MAIN}\n`);
    for (const line of [
      `EnvironmentFile=${ENV_FILE}`,
      'KillMode=process',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'Restart=on-failure',
    ])
      expect(unit).toContain(`\n${line}\n`);
    expect(unit).toMatch(/\nReadWritePaths=\/var\/lib\/xenplane-agent .*-\/var\/lib\/xen .*-\/var\/log\/xen/);
    expect(unit).toMatch(/\nCapabilityBoundingSet=~.*CAP_SYS_BOOT/);
    // systemd's own reading of it (from Debian's systemd; no running systemd needed)
    const verify = spawnSync('systemd-analyze', ['verify', join(tree, UNIT)], { encoding: 'utf8', cwd: dir });
    expect(verify.error).toBeUndefined();
    expect(verify.stderr.split('\n').filter((l) => l.includes('xenplane-agent'))).toEqual([]);
  });

  (existsSync('/usr/bin/lintian') || browserRequired() ? it : it.skip)('passes lintian', () => {
    if (!existsSync('/usr/bin/lintian')) throw new Error('this machine must run lintian: apt-get install lintian');
    const r = spawnSync('lintian', ['--fail-on', 'error,warning', deb], { encoding: 'utf8' });
    expect(r.stdout.split('\n').filter((l) => /^[EW]: /.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  });

  describe('the agent started as the unit starts it, from the unpacked tree', () => {
    const hostId = randomUUID();
    const state = join(dir, 'state');
    let ca: CertificateAuthority;
    let server: EnrollmentServer;
    let port = 0;
    const agents: ManagedProcess[] = [];

    beforeAll(async () => {
      ca = await loadOrCreateCa(join(dir, 'ca'));
      server = await startEnrollmentServer(ca, hostId, TOKEN);
      port = await freePort();
      // what an operator writes into /etc/xenplane/agent.env; the state directory and the driver
      // differ from the unit's because this machine is no Xen host and /var/lib is not ours
      appendFileSync(
        join(tree, ENV_FILE),
        [
          `AGENT_CONTROL_PLANE_URL=${server.url}`,
          `AGENT_ENROLLMENT_TOKEN=${TOKEN}`,
          `AGENT_ADVERTISE_ADDRESS=127.0.0.1:${port}`,
          'AGENT_LISTEN_HOST=127.0.0.1',
          `AGENT_PORT=${port}`,
          'AGENT_NAME=packaged',
          `AGENT_STATE_DIR=${state}`,
          `XL_WORK_DIR=${join(state, 'xl')}`,
          'AGENT_DRIVER=sim',
          '',
        ].join('\n'),
      );
    });
    afterAll(async () => {
      await Promise.all(agents.map((a) => a.stop()));
      await server.close();
    });

    const start = () => {
      const described = execFileSync(process.execPath, [join(root, 'scripts/systemd-unit.mjs'), UNIT, '--root', tree], {
        encoding: 'utf8',
      });
      const { argv, env } = JSON.parse(described) as { argv: string[]; env: Record<string, string> };
      expect(argv[0]).toBe('/usr/bin/node');
      expect(argv.at(-1)).toBe(join(tree, MAIN));
      mkdirSync(state, { recursive: true });
      const agent = new ManagedProcess({
        name: 'packaged-agent',
        command: argv[0]!,
        args: argv.slice(1),
        env,
        // the unit's WorkingDirectory= is /var/lib/xenplane-agent, the state directory: here, ours
        cwd: state,
        logFile: join(dir, 'agent.log'),
      }).start();
      agents.push(agent);
      return agent;
    };

    const answers = async () => {
      const client = createAgentClient(
        `127.0.0.1:${port}`,
        hostId,
        { caCertPem: ca.caCertPem, ...(await ca.issueControlPlaneIdentity('package-test')) },
        2_000,
      );
      try {
        return await waitFor(
          'the packaged agent to answer',
          () =>
            client.getHostInfo({}).then(
              (i) => i,
              () => undefined,
            ),
          { timeoutMs: 30_000 },
        );
      } finally {
        client.close();
      }
    };

    it('enrolls with its token on first start and serves under the certificate it was given', async () => {
      const agent = start();
      expect((await answers()).hostId).toBe(hostId);
      expect(server.seen.map((r) => [r.name, r.token, r.address])).toEqual([['packaged', TOKEN, `127.0.0.1:${port}`]]);
      expect(statSync(join(state, 'identity.json')).mode & 0o777).toBe(0o600);
      expect(agent.output()).toContain('"nodeFlags":["--max-semi-space-size=1"');
      await agent.stop();
    });

    it('starts again from its identity, with the spent token gone from its settings', async () => {
      const env = readFileSync(join(tree, ENV_FILE), 'utf8');
      writeFileSync(join(tree, ENV_FILE), env.replace(/^AGENT_ENROLLMENT_TOKEN=.*\n/m, ''));
      start();
      expect((await answers()).hostId).toBe(hostId);
      expect(server.seen).toHaveLength(1);
    });
  });
});
